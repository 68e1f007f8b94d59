"""Delivery teams: change's success score per team, and the delivery risk it raises on the projects they deliver."""
