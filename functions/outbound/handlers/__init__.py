"""Lambda entry points of the outbound area."""
