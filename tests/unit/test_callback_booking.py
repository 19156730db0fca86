"""Callback slots: business hours in the agency's zone, the lead time, the roster cap, picking by number."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from callbacks.logic.booking import Booking, BusinessHours, candidate_slots, iso_z
from callbacks.models.callbacks import Callback, CallbackStart


def test_business_hours_parse() -> None:
    hours = BusinessHours.parse("Mon-Fri 09:00-17:00", "America/Chicago")
    assert hours.days == (0, 1, 2, 3, 4)
    assert (hours.opens, hours.closes) == (time(9), time(17))
    assert BusinessHours.parse("Mon,Wed,Sat 08:30-12:00", "UTC").days == (0, 2, 5)
    with pytest.raises(ValueError):
        BusinessHours.parse("Mon-Fri 17:00-09:00", "UTC")


def test_slots_are_inside_hours_in_the_agency_zone_after_the_lead() -> None:
    hours = BusinessHours(zone="America/New_York")
    # Friday 2026-11-27 16:10 New York (21:10 UTC): the lead (1 h) leaves nothing today; Monday 9:00 is next.
    now = datetime(2026, 11, 27, 21, 10, tzinfo=UTC)
    slots = candidate_slots(hours, now, horizon_days=4)
    assert slots[0] == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # Mon 09:00 EST
    assert slots[-1] == datetime(2026, 11, 30, 21, 30, tzinfo=UTC)  # Mon 16:30 EST, the last 30 minutes
    assert len(slots) == 16


class FakeStore:
    def __init__(self, size: int) -> None:
        self.size = size
        self.counts: dict[str, int] = {}
        self.offers: dict[str, tuple[str, list[str]]] = {}
        self.callbacks: dict[str, Callback] = {}
        self.cancelled: list[str] = []

    def roster_size(self, department: str) -> int:
        return self.size

    def booked(self, department: str, slots: Sequence[str]) -> dict[str, int]:
        return {s: self.counts.get(s, 0) for s in slots}

    def save_offer(self, thread_id: str, department: str, slots: Sequence[str], now: str) -> None:
        self.offers[thread_id] = (department, list(slots))

    def offer(self, thread_id: str) -> tuple[str, list[str]] | None:
        return self.offers.get(thread_id)

    def reserve(self, start: CallbackStart, roster_size: int, now: str) -> bool:
        if self.counts.get(start.slot_at, 0) >= roster_size:
            return False
        self.counts[start.slot_at] = self.counts.get(start.slot_at, 0) + 1
        self.callbacks[start.thread_id] = Callback(
            **start.model_dump(), status="booked", created_at=now, updated_at=now
        )
        del self.offers[start.thread_id]
        return True

    def active_callback(self, thread_id: str) -> Callback | None:
        return self.callbacks.get(thread_id)

    def cancel(self, callback: Callback, now: str) -> bool:
        self.counts[callback.slot_at] -= 1
        del self.callbacks[callback.thread_id]
        self.cancelled.append(callback.callback_id)
        return True


class FakeWorkflows:
    def __init__(self) -> None:
        self.started: list[tuple[str, dict[str, Any]]] = []
        self.stopped: list[str] = []

    def start(self, callback_id: str, execution_input: dict[str, Any]) -> str:
        self.started.append((callback_id, execution_input))
        return callback_id

    def stop(self, callback_id: str, cause: str) -> None:
        self.stopped.append(callback_id)


NOW = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # Wednesday 08:00 New York


def booking(size: int) -> tuple[Booking, FakeStore, FakeWorkflows]:
    store, workflows = FakeStore(size), FakeWorkflows()
    return Booking(store, workflows, BusinessHours(), "Demo County", clock=lambda: NOW), store, workflows


def test_offer_pick_reschedule_cancel() -> None:
    flow, store, workflows = booking(size=1)
    offer = flow.offer_slots("t1")
    assert (
        "1) Wednesday, November 25 at 9:00 AM; 2) Wednesday, November 25 at 9:30 AM; "
        "3) Wednesday, November 25 at 10:00 AM"
    ) in offer
    assert "9:30 AM" in (flow.pick("t1", 2) or "")
    callback_id, execution_input = workflows.started[0]
    assert execution_input["slot_at"] == "2026-11-25T14:30:00Z"
    assert execution_input["remind_at"] == "2026-11-25T13:30:00Z"  # an hour before
    # Roster of one: 9:30 is not offered again.
    assert "9:30 AM" not in flow.offer_slots("t2")
    flow.offer_slots("t1")
    assert "booked" in (flow.pick("t1", 1) or "")
    assert workflows.stopped == [callback_id]  # rescheduling stopped the first execution
    assert "cancelled" in flow.cancel("t1")
    assert len(workflows.stopped) == 2
    assert "no callback booked" in flow.cancel("t1")


def test_pick_without_offer_or_out_of_range() -> None:
    flow, _, _ = booking(size=2)
    assert flow.pick("t9", 1) is None
    flow.offer_slots("t9")
    assert "from 1 to 3" in (flow.pick("t9", 3 + 1) or "")


def test_no_roster_no_slots() -> None:
    flow, _, workflows = booking(size=0)
    assert "not available" in flow.offer_slots("t1")
    assert workflows.started == []


def test_iso_z() -> None:
    assert iso_z(NOW + timedelta(minutes=1)) == "2026-11-25T13:01:00Z"


def test_a_spanish_reader_is_offered_times_in_spanish_in_the_agencys_zone_and_the_workflow_keeps_it() -> None:
    # Given a resident whose stored language is Spanish (13:00 UTC is 08:00 in New York)
    store, workflows = FakeStore(1), FakeWorkflows()
    flow = Booking(store, workflows, BusinessHours(), "Demo County", clock=lambda: NOW, lang="es")
    # When they ask for a callback and pick the second time
    offer = flow.offer_slots("t1")
    booked = flow.pick("t1", 2) or ""
    # Then the times are Spanish words in New York time, not UTC; the workflow is told the language
    assert offer.startswith("Demo County: ¿cuándo le llamamos? Responda con un número: ")
    assert "1) miércoles 25 de noviembre, 09:00; 2) miércoles 25 de noviembre, 09:30;" in offer
    assert booked == (
        "Demo County: reservado. Le llamaremos el miércoles 25 de noviembre, 09:30. "
        "Responda REPROGRAMAR para cambiarlo o LLAMADA CANCELAR para cancelarlo."
    )
    assert workflows.started[0][1]["language"] == "es"
    assert flow.cancel("t1") == "Demo County: su llamada del miércoles 25 de noviembre, 09:30 está cancelada."
