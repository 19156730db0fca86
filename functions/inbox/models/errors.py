"""Domain errors of the inbox; the agent API maps each to one HTTP status."""

from __future__ import annotations

from switchboard.staff_routes import NotAuthenticated

__all__ = ["InvalidCursor", "MediaNotFound", "NotAuthenticated", "ThreadNotFound"]


class ThreadNotFound(LookupError):
    pass


class MediaNotFound(LookupError):
    pass


class InvalidCursor(ValueError):
    pass
