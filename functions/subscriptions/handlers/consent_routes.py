"""GET /api/threads/{thread_id}/consent: a resident's consent state and ledger, for supervisors (a Router the
agent API includes). The resident is named by their thread: no phone number travels in a URL."""

from __future__ import annotations

import re
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from inbox.models.errors import ThreadNotFound
from switchboard.staff_routes import requires

from subscriptions.dal.consent_table import ConsentTable
from subscriptions.models.views import ConsentEntry, ConsentSummary, ThreadConsent

router = Router()
_THREAD_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@router.get("/api/threads/<thread_id>/consent", middlewares=[requires("supervisor")])
def get_thread_consent(thread_id: str, limit: Annotated[int, Query(ge=1, le=200)] = 100) -> ThreadConsent:
    if not _THREAD_ID.match(thread_id):
        raise ThreadNotFound(thread_id)
    consent: ConsentTable = router.context["consent"]  # put there by the agent API for each request
    address = consent.resident_of_thread(thread_id)
    if address is None:
        raise ThreadNotFound(thread_id)
    return ThreadConsent(
        thread_id=thread_id,
        state=ConsentSummary.of(consent.load_state(address)),
        history=[ConsentEntry.of(change) for change in consent.history(address, limit)],
    )
