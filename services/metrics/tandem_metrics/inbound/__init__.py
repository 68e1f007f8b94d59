"""Signals other systems send in on the inbound Kafka topic, taken in as the signal APIs take them."""
