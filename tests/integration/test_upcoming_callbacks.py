"""The Callbacks view's upcoming bookings (issue 16 item 7): booked and reminded callbacks whose slot has not
come, soonest first, with the agency's time zone the page groups them by day in; a due task, a past slot and a
cancelled booking are not among them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from callbacks.dal.callback_table import BookingTable, CallbackTable
from callbacks.models.callbacks import CallbackStart

from tests.integration.conftest import Aws, LambdaContext
from tests.integration.test_agent_api import api_event, call

SUPERVISOR = {"sub": "sup-1", "email": "s@example.org", "cognito:groups": ["supervisor"]}


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def book(table: BookingTable, number: int, slot: datetime) -> CallbackStart:
    start = CallbackStart(
        callback_id=f"cb-{number:08x}",
        thread_id=f"thread{number}",
        department="water",
        slot_at=iso(slot),
        remind_at=iso(slot - timedelta(minutes=30)),
    )
    assert table.reserve(start, roster_size=5, now=iso(datetime.now(UTC)))
    return start


def test_upcoming_bookings_are_listed_soonest_first_until_their_slot_comes(
    aws: Aws, agent_api: Any, context: LambdaContext
) -> None:
    table, bookings = CallbackTable(aws.table), BookingTable(aws.table)
    now = datetime.now(UTC)
    later = book(bookings, 1, now + timedelta(days=2))
    sooner = book(bookings, 2, now + timedelta(hours=3))
    due = book(bookings, 3, now + timedelta(hours=1))
    cancelled = book(bookings, 4, now + timedelta(days=1))
    past = book(bookings, 5, now - timedelta(hours=1))
    table.set_status(sooner.callback_id, "reminded", iso(now))  # the reminder went out: still upcoming
    table.open_task(due.callback_id, "token", "due", 1, False, iso(now))  # now a task, not a booking
    callback = table.get(cancelled.callback_id)
    assert callback is not None and bookings.cancel(callback, iso(now))
    assert past.slot_at < iso(now)

    status, body = call(agent_api, context, api_event("GET", "/api/callbacks/upcoming", claims=SUPERVISOR))

    assert status == 200
    assert body["timezone"] == "America/New_York"
    assert [(b["callback_id"], b["status"]) for b in body["bookings"]] == [
        (sooner.callback_id, "reminded"),
        (later.callback_id, "booked"),
    ]
    assert body["bookings"][1]["slot_at"] == later.slot_at and body["bookings"][1]["department"] == "water"
