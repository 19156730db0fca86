"""Wires the reports domain into the consumers and the agent API (issue 18, item 4): the recorder built from
the agency's hours, and the agent API middleware that counts staff replies, closes, reopens and assignments
once the route has done them. Figures are counted as data arrives, never by reading messages later."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.metrics import MetricUnit
from inbox.models.conversations import Message
from pydantic import BaseModel
from reports.dal.report_table import ReportTable
from reports.logic.recorder import Dims, ReportRecorder
from reports.steps import ThreadDims
from switchboard.clock import format_timestamp
from switchboard.observability import logger, metrics
from switchboard.settings import ReportSettings, load_settings
from webchat.logic.hours import parse_hours

THREAD_ACTION = re.compile(r"^/api/threads/([A-Za-z0-9_-]{1,64})/(messages|close|reopen|assign|transfer)$")


def report_recorder(table: Any, settings: ReportSettings | None = None) -> ReportRecorder:
    settings = settings or load_settings(ReportSettings)
    hours = parse_hours(settings.business_hours, settings.hours_time_zone)
    return ReportRecorder(ReportTable(table), hours, ZoneInfo(settings.agency_time_zone))


def _body(response: Response[Any]) -> dict[str, Any]:
    body = response.body
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json")
    if isinstance(body, str | bytes):
        try:
            parsed = json.loads(body)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return body if isinstance(body, dict) else {}


def staff_action_counter(
    recorder: Callable[[], ReportRecorder],
    thread: Callable[[], ThreadDims],
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Callable[[APIGatewayHttpResolver, NextMiddleware], Response[Any]]:
    """A middleware: after a thread action succeeded, count it for the reports. Counting never undoes what
    the route did: a failure is logged with a metric (ReportCountFailed) for the operators, not sent back."""

    def middleware(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
        response = next_middleware(app)
        event = app.current_event
        match = THREAD_ACTION.match(event.path)
        if event.http_method != "POST" or match is None or not 200 <= response.status_code < 300:
            return response
        thread_id, action = match.groups()
        try:
            _count(recorder(), thread(), thread_id, action, _body(response), app.context, now())
        except Exception:  # noqa: BLE001 - the staff action stands; the miss is visible in logs and metrics
            logger.exception("Report count failed", extra={"thread_id": thread_id, "action": action})
            metrics.add_metric(name="ReportCountFailed", unit=MetricUnit.Count, value=1)
        return response

    return middleware


def _count(
    recorder: ReportRecorder,
    thread: ThreadDims,
    thread_id: str,
    action: str,
    body: dict[str, Any],
    context: dict[str, Any],
    moment: datetime,
) -> None:
    at = format_timestamp(moment)
    if action == "messages":
        message = body.get("message") or {}
        author = str(message.get("author") or getattr(context.get("agent"), "sub", ""))
        reply_at = str(message.get("created_at") or at)
        _count_reply(recorder, thread, thread_id, str(message.get("message_id")), author, reply_at)
    elif action == "close":
        closed = thread(thread_id)  # the close's own time, as the workspace stored it
        recorder.conversation_closed(
            thread_id, str((closed or {}).get("closed_at") or at), Dims.of_thread(closed)
        )
    elif action == "reopen":
        recorder.conversation_reopened(thread_id, at, Dims.of_thread(thread(thread_id)))
    elif body.get("assignee"):  # assign or transfer to someone
        dims = Dims.of_thread(thread(thread_id))
        recorder.assigned(thread_id, f"{action}#{thread_id}#{at}", at, dims)


def _count_reply(
    recorder: ReportRecorder, thread: ThreadDims, thread_id: str, message_id: str, author: str, at: str
) -> None:
    recorder.staff_replied(thread_id, message_id, at, Dims.of_thread(thread(thread_id), agent=author))


def group_reply_counter(
    recorder: Callable[[], ReportRecorder], thread: Callable[[], ThreadDims]
) -> Callable[[Message], None]:
    """Counts each reply an alert-reply group answer wrote into a resident's thread, as a staff reply (the
    answer goes out by its own route, not the thread's). A failure to count is logged with a metric; the
    reply stands."""

    def count(message: Message) -> None:
        try:
            thread_id, author, at = message.thread_id, message.author, message.created_at
            _count_reply(recorder(), thread(), thread_id, message.message_id, author, at)
        except Exception:  # noqa: BLE001 - the reply is sent; the miss is visible in logs and metrics
            logger.exception("Report count failed", extra={"thread_id": message.thread_id, "action": "group"})
            metrics.add_metric(name="ReportCountFailed", unit=MetricUnit.Count, value=1)

    return count
