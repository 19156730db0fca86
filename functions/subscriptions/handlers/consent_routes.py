"""Consent routes the agent API includes (a Router), for supervisors: GET /api/threads/{thread_id}/consent (a
resident's consent state and ledger, named by their thread: no phone number travels in a URL), and
POST /api/subscribers/import (subscribers from a CSV file, each consent recorded with its provenance)."""

from __future__ import annotations

import re
from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from inbox.dal.consent_table import ConsentTable
from inbox.models.errors import ThreadNotFound
from pydantic import BaseModel, ConfigDict, Field
from switchboard.audit import Actor
from switchboard.staff_routes import requires

from subscriptions.logic.subscriber_import import (
    MAX_CSV_BYTES,
    ImportTooLarge,
    MissingColumns,
    import_subscribers,
)
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


class SubscriberImport(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    csv: str = Field(min_length=1, max_length=MAX_CSV_BYTES)
    # Where the agency got these consents, kept on every ledger entry ("paper sign-up sheets, library,
    # 2026-11").
    source: str = Field(min_length=3, max_length=200, pattern=r"\S")


class ImportRowError(BaseModel):
    row: int
    field: str
    message: str


class SubscriberImportResult(BaseModel):
    rows: int
    imported: int
    already_imported: int
    skipped_opted_out: int
    errors: list[ImportRowError]


@router.post("/api/subscribers/import", middlewares=[requires("supervisor")])
def post_subscriber_import(request: SubscriberImport) -> SubscriberImportResult:
    consent: ConsentTable = router.context["consent"]
    agent = router.context["agent"]
    result = import_subscribers(
        consent, request.csv, topics=consent.topics(), provenance=request.source.strip(), actor_sub=agent.sub
    )
    router.context["workspace"].audit.record(
        Actor(sub=agent.sub, email=agent.email),
        "subscribers.import",
        detail={
            "source": request.source.strip(),
            "rows": str(result.rows),
            "imported": str(result.imported),
            "already_imported": str(result.already_imported),
            "skipped_opted_out": str(result.skipped_opted_out),
            "errors": str(len(result.errors)),
        },
    )
    return SubscriberImportResult.model_validate(result, from_attributes=True)


@router.exception_handler(ImportTooLarge)
@router.exception_handler(MissingColumns)
def import_refused(error: ValueError) -> Response[dict[str, str]]:
    # The message is ours (logic.subscriber_import), never the file's content.
    return Response(
        status_code=400, content_type=content_types.APPLICATION_JSON, body={"message": str(error)}
    )
