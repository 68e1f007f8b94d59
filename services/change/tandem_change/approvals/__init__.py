"""Approver groups, approval policies and the approval steps and votes of each change."""
