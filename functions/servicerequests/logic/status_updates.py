"""A request's status changes, told to the resident who reported it: once per change, in their language.

Staff (on the agent page) or the city's system (through the Open311 client) change a request's status; the
resident hears about each change exactly once: the change is claimed on the record (`notified` = the status
and time of the last change told) before the text is queued, so a retry or a second poll of the same city
status texts nobody twice. Residents who reported through Open311 directly (no number) are told nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Protocol

from switchboard import i18n
from switchboard.observability import logger

from servicerequests.dal.requests_table import RequestsTable
from servicerequests.models.requests import ServiceRequestRecord, Status


class FirstTexts(Protocol):
    def send_first(self, address: str, message_id: str, body: str) -> None: ...


def status_text(record: ServiceRequestRecord, *, language: str | None, agency: str) -> str:
    notes = (
        i18n.say("servicerequests.status_notes", language, notes=record.status_notes[:300])
        if record.status_notes
        else ""
    )
    return i18n.say(
        f"servicerequests.status_{record.status}",
        language,
        agency=agency,
        number=record.service_request_id,
        service=record.service_name,
        notes=notes,
    )


def change_status(
    requests: RequestsTable,
    texts: FirstTexts,
    *,
    request_id: str,
    status: Status,
    notes: str | None,
    at: str,
    language_of: Callable[[str], str | None],
    agency: str,
) -> ServiceRequestRecord | None:
    """Applies the change; texts the resident when the status really changed. None: no such request."""
    before = requests.get(request_id)
    if before is None:
        return None
    if before.status == status and (notes is None or notes == before.status_notes):
        return before  # nothing changed: nothing to tell
    requests.set_status(request_id, status, notes, at=at)
    after = requests.get(request_id)
    assert after is not None
    if after.resident and before.status != status and requests.claim_notice(request_id, f"{status}@{at}"):
        body = status_text(after, language=language_of(after.resident), agency=agency)
        message_id = hashlib.sha256(f"sr-status:{request_id}:{status}:{at}".encode()).hexdigest()[:32]
        texts.send_first(after.resident, message_id, body)
        logger.info("Request status told to the resident", extra={"request_id": request_id, "status": status})
    return after
