"""Alerts and notices: what a message says, and the channels that send it."""
