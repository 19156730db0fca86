"""The pipelines' registrations: `inbound` (a resident's message) and `status` (Twilio delivery statuses),
each a module of its own so that a consumer imports only the steps it runs (cold start)."""
