"""The agent API's inbox routes (a Router the agent API includes): views, counts per view, search.

- `GET /api/inbox?view=mine|unassigned|departments|all&status=open|snoozed|closed|any&department=
  &channel=&label=&sort=newest|oldest_waiting|urgent&limit=25&cursor=` (urgent: most urgent first, triage)
  → `{"view", "threads": [InboxThread], "next_cursor"}`
- `GET /api/inbox/counts?status=open` → `{"status", "counts": {view: {"count", "capped"}}}`
- `GET /api/inbox/search?q=…&status=any&department=&channel=&label=` → `{"query_kind", "threads", "more"}`

Every route needs the agent role; the All view also needs supervisor (checked in logic, 403 otherwise).
"""

from __future__ import annotations

from functools import cache
from typing import Annotated

import boto3
from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from switchboard.settings import AgentApiSettings, load_settings
from switchboard.staff_routes import current_staff, requires

from inbox.dal.inbox_views_table import InboxViewsTable, thread_postings
from inbox.logic.inbox_views import Filters, InvalidView, Visibility, list_view, search, view_counts
from inbox.logic.search_terms import name_terms
from inbox.models.conversations import Agent
from inbox.models.inbox_views import InboxCounts, InboxPage, SearchResults, Sort, StatusFilter, View

router = Router()
AGENT = [requires("agent")]

Cursor = Annotated[str | None, Query(max_length=1024)]
DepartmentId = Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]
Channel = Annotated[str | None, Query(pattern=r"^(sms|whatsapp|webchat)$")]  # as threads store it
Label = Annotated[str | None, Query(min_length=1, max_length=40)]


@cache
def _store() -> InboxViewsTable:
    settings = load_settings(AgentApiSettings)
    return InboxViewsTable(boto3.resource("dynamodb").Table(settings.table_name))


def index_resident_name(thread_id: str, name: str) -> None:
    """Make a thread findable by its resident's name (called when staff set the name)."""
    postings = thread_postings(thread_id, name_terms(name))
    if postings:
        _store().put_postings(postings)


def _agent() -> Agent:
    agent: Agent = router.context["agent"]
    return agent


def _seen() -> Visibility:
    """Whose threads the caller may list: the staff gate's answer (switchboard.access)."""
    return Visibility(current_staff(router), router.context.get("supervisor_scope", "all"))


@router.get("/api/inbox", middlewares=AGENT)
def get_inbox(
    view: View = "mine",
    status: StatusFilter = "open",
    department: DepartmentId = None,
    channel: Channel = None,
    label: Label = None,
    sort: Sort = "newest",
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Cursor = None,
) -> InboxPage:
    filters = Filters(status=status, department=department, channel=channel, label=label, sort=sort)
    return list_view(_store(), _agent(), view, filters, limit, cursor, _seen())


@router.get("/api/inbox/counts", middlewares=AGENT)
def get_inbox_counts(status: StatusFilter = "open") -> InboxCounts:
    return view_counts(_store(), _agent(), status, _seen())


@router.get("/api/inbox/search", middlewares=AGENT)
def get_inbox_search(
    q: Annotated[str, Query(min_length=1, max_length=100)],
    status: StatusFilter = "any",
    department: DepartmentId = None,
    channel: Channel = None,
    label: Label = None,
) -> SearchResults:
    filters = Filters(status=status, department=department, channel=channel, label=label)
    return search(_store(), q, filters, _seen())


@router.exception_handler(InvalidView)
def invalid_view(_error: InvalidView) -> Response[dict[str, str]]:
    return Response(
        status_code=400,
        content_type=content_types.APPLICATION_JSON,
        body={"message": "invalid view or filter"},
    )
