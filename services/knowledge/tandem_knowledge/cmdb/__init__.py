"""The CMDB as change publishes it: configuration items, their relationships and maintenance windows."""
