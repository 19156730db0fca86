"""Domain errors of the inbox; the agent API maps each to one HTTP status."""

from __future__ import annotations


class ThreadNotFound(LookupError):
    pass


class MediaNotFound(LookupError):
    pass


class InvalidCursor(ValueError):
    pass


class NotAuthenticated(PermissionError):
    """No JWT claims: the request did not come through the authorizer."""
