"""Residents, threads and messages: the inbound consumer, the status consumer and the agent API."""
