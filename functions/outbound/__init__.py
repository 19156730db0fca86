"""The sender that talks to Twilio."""
