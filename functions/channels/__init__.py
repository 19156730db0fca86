"""Twilio webhooks (inbound message, status callback): validate, enqueue, answer fast."""
