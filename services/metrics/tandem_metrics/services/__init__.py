"""Services' committed hours (when an outage counts against uptime), by service id; 24x7 unless configured."""
