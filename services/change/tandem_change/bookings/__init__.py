"""A change's booking in capacity as the change sees it (booked, released, rejected and why), and the alerts a
rejection raises for the assignee's manager."""
