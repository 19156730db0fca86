"""Lambda entry points of the inbox area."""
