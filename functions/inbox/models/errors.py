"""Domain errors of the inbox; the agent API maps each to one HTTP status."""

from __future__ import annotations

from switchboard.staff_routes import NotAuthenticated

__all__ = [
    "AlertGroupNotFound",
    "AnswerIdReused",
    "AtCapacity",
    "CannedReplyNotFound",
    "InvalidAction",
    "InvalidCursor",
    "MediaNotFound",
    "NotAuthenticated",
    "OwnedByAnother",
    "TakeOverNeeded",
    "ThreadNotFound",
    "UnknownDepartment",
    "UnknownStaff",
]


class ThreadNotFound(LookupError):
    pass


class MediaNotFound(LookupError):
    pass


class InvalidCursor(ValueError):
    pass


class OwnedByAnother(ValueError):
    """A reply to a thread another agent owns, without `confirm_takeover`."""


class ResidentOptedOut(ValueError):
    """A staff reply to a resident who opted out of every text (STOP): carriers refuse it (Twilio 21610)."""


class TakeOverNeeded(ValueError):
    """Assigning, unassigning or transferring a thread someone else holds, without `take_over`."""

    def __init__(self, assignee: str) -> None:
        super().__init__("thread held by someone else")
        self.assignee = assignee


class UnknownDepartment(LookupError):
    pass


class UnknownStaff(LookupError):
    pass


class InvalidAction(ValueError):
    """A well-formed request the thread's state cannot take (e.g. a snooze time in the past)."""


class CannedReplyNotFound(LookupError):
    pass


class AtCapacity(ValueError):
    """Assigning or transferring to an agent who already holds their cap of open conversations, without a
    supervisor's override reason."""

    def __init__(self, load: int, cap: int) -> None:
        super().__init__("agent at capacity")
        self.load = load
        self.cap = cap


class AlertGroupNotFound(LookupError):
    """No resident has replied to this alert (or there is no such alert)."""


class AnswerIdReused(ValueError):
    """A group answer id sent again with another alert or another text."""
