"""Booking a callback by text: CALLBACK offers free slots, a number picks one, RESCHEDULE and CALLBACK CANCEL.

Slots are `slot_minutes` long, inside the department's business hours in the agency's time zone, at least
`lead` from now; a slot is free while fewer callbacks are booked in it than staff on the callback roster.
(A bare CANCEL is a carrier opt-out word, so cancelling a callback is "CALLBACK CANCEL".)
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from switchboard import i18n
from switchboard.clock import utc_now_iso
from switchboard.observability import logger

from callbacks.logic.offer import OFFERED
from callbacks.logic.workflow import local_time
from callbacks.models.callbacks import Callback, CallbackStart


@dataclass(frozen=True)
class BusinessHours:
    """Weekdays (Mon=0) and opening hours, in `zone`."""

    zone: str = "America/New_York"
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    slot_minutes: int = 30
    lead: timedelta = timedelta(hours=1)
    remind_before: timedelta = timedelta(hours=1)

    @classmethod
    def parse(cls, text: str, zone: str) -> BusinessHours:
        """`Mon-Fri 09:00-17:00` (days as a range or comma list)."""
        names = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
        days_text, hours_text = text.strip().upper().split()
        days: list[int] = []
        for part in days_text.split(","):
            if "-" in part:
                a, b = part.split("-")
                days.extend(range(names.index(a), names.index(b) + 1))
            else:
                days.append(names.index(part))
        opens, closes = (time.fromisoformat(t) for t in hours_text.split("-"))
        if closes <= opens:
            raise ValueError("business hours must close after they open")
        return cls(zone=zone, days=tuple(sorted(set(days))), opens=opens, closes=closes)


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def candidate_slots(hours: BusinessHours, now: datetime, horizon_days: int = 14) -> list[datetime]:
    """Slot starts (UTC) inside business hours, from `now + lead`, in order."""
    tz = ZoneInfo(hours.zone)
    earliest = now + hours.lead
    local_day = earliest.astimezone(tz).date()
    slots: list[datetime] = []
    for offset in range(horizon_days):
        day = local_day + timedelta(days=offset)
        if day.weekday() not in hours.days:
            continue
        start = datetime.combine(day, hours.opens, tz)
        end = datetime.combine(day, hours.closes, tz)
        moment = start
        while moment + timedelta(minutes=hours.slot_minutes) <= end:
            if moment >= earliest:
                slots.append(moment.astimezone(UTC))
            moment += timedelta(minutes=hours.slot_minutes)
    return slots


@dataclass(frozen=True)
class BookingOutcome:
    result: Literal["booked", "taken", "no_offer", "out_of_range"]
    slot_at: str | None = None
    callback_id: str | None = None
    count: int = 0  # out_of_range: how many slots the offer has


class BookingStore(Protocol):
    def roster_size(self, department: str) -> int: ...

    def booked(self, department: str, slots: Sequence[str]) -> dict[str, int]: ...

    def save_offer(self, thread_id: str, department: str, slots: Sequence[str], now: str) -> None: ...

    def offer(self, thread_id: str) -> tuple[str, list[str]] | None: ...

    def reserve(self, start: CallbackStart, roster_size: int, now: str) -> bool: ...

    def active_callback(self, thread_id: str) -> Callback | None: ...

    def cancel(self, callback: Callback, now: str) -> bool: ...


class Workflows(Protocol):
    def start(self, callback_id: str, execution_input: dict[str, Any]) -> str: ...

    def stop(self, callback_id: str, cause: str) -> None: ...


@dataclass
class Booking:
    store: BookingStore
    workflows: Workflows
    hours: BusinessHours
    agency_name: str
    department: str = "general"
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    lang: str | None = None  # the resident's stored language: every answer and time is written in it

    def _say(self, key: str, **values: object) -> str:
        return i18n.say(f"callbacks.{key}", self.lang, agency=self.agency_name, **values)

    def _when(self, iso: str) -> str:
        return local_time(iso, self.hours.zone, self.lang)

    def free_slots(self, thread_id: str) -> list[str] | None:
        """The next free slots (ISO UTC), saved as the thread's open offer; None when nobody is on the
        callback roster. A text's CALLBACK and a call's "press 2" both offer through here."""
        size = self.store.roster_size(self.department)
        if size <= 0:
            return None
        now = self.clock()
        candidates = [iso_z(s) for s in candidate_slots(self.hours, now)]
        free: list[str] = []
        for start in range(0, len(candidates), 25):
            chunk = candidates[start : start + 25]
            counts = self.store.booked(self.department, chunk)
            free.extend(s for s in chunk if counts.get(s, 0) < size)
            if len(free) >= OFFERED:
                break
        free = free[:OFFERED]
        if free:
            self.store.save_offer(thread_id, self.department, free, utc_now_iso())
        return free

    def offer_slots(self, thread_id: str) -> str:
        free = self.free_slots(thread_id)
        if free is None:
            return self._say("unavailable")
        if not free:
            return self._say("none_free")
        lines = [
            i18n.say("callbacks.slot", self.lang, number=i, when=self._when(s)) for i, s in enumerate(free, 1)
        ]
        return self._say("offer", slots="; ".join(lines))

    def book(self, thread_id: str, number: int) -> BookingOutcome:
        """Reserve the offer's slot `number` (1-based) and start its workflow, replacing a booked one."""
        offer = self.store.offer(thread_id)
        if offer is None:
            return BookingOutcome("no_offer")
        department, slots = offer
        if not 1 <= number <= len(slots):
            return BookingOutcome("out_of_range", count=len(slots))
        slot = slots[number - 1]
        existing = self.store.active_callback(thread_id)
        if existing is not None:
            self._cancel(existing, "rescheduled")
        slot_at = datetime.fromisoformat(slot.replace("Z", "+00:00"))
        remind_at = max(self.clock(), slot_at - self.hours.remind_before)
        start = CallbackStart(
            callback_id="cb-" + secrets.token_hex(8),
            thread_id=thread_id,
            department=department,
            slot_at=slot,
            remind_at=iso_z(remind_at),
            language=self.lang,
        )
        if not self.store.reserve(start, self.store.roster_size(department), utc_now_iso()):
            return BookingOutcome("taken", slot_at=slot)
        self.workflows.start(start.callback_id, start.model_dump())
        logger.info("Callback booked", extra={"callback_id": start.callback_id, "department": department})
        return BookingOutcome("booked", slot_at=slot, callback_id=start.callback_id)

    def pick(self, thread_id: str, number: int) -> str | None:
        """None when there is no open offer (the number is then an ordinary message for staff)."""
        outcome = self.book(thread_id, number)
        if outcome.result == "no_offer":
            return None
        if outcome.result == "out_of_range":
            return self._say("pick_in_range", count=outcome.count)
        if outcome.result == "taken":
            return self._say("taken")
        return self._say("booked", when=self._when(outcome.slot_at or ""))

    def cancel(self, thread_id: str) -> str:
        existing = self.store.active_callback(thread_id)
        if existing is None:
            return self._say("none_booked")
        self._cancel(existing, "cancelled by the resident")
        return self._say("cancelled", when=self._when(existing.slot_at))

    def _cancel(self, callback: Callback, cause: str) -> None:
        if self.store.cancel(callback, utc_now_iso()):
            self.workflows.stop(callback.callback_id, cause)
            logger.info("Callback cancelled", extra={"callback_id": callback.callback_id})
