"""Lambda entry points of the channels area."""
