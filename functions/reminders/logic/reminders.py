"""Reminders before a deadline (docs/architecture.md, "Reminders").

An agency uploads records (name, phone, language, due date, kind). Each record gets an id from (phone,
kind, due date), so the same file uploaded twice plans nothing new, and one Step Functions execution named
by that id (starting it twice starts one). The plan of its kind says how many days before the due date a
reminder goes, at what hour in the agency's zone, in which words per language. The workflow wakes at each
send time and calls `advance`: it sends unless the record was stopped (DONE from the resident, "complete"
from staff, a newer due date), the resident opted out of everything (recorded as skipped), or it is quiet
hours at that moment (then it waits until they end: never dropped). A record with the same person and kind
but another due date stops the earlier one (a renewal moved).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol, get_args
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from switchboard import i18n
from switchboard.clock import format_timestamp
from switchboard.languages import Language
from switchboard.log_hash import keyed_digest
from switchboard.observability import logger, redact_address
from switchboard.quiet_hours import QuietHours

from reminders.models.reminders import (
    MAX_RECORDS,
    RecordIn,
    RecordView,
    ReminderPlan,
    RowError,
    SendView,
    UploadResult,
)


def _default_plan(kind: str, offsets_days: list[int]) -> ReminderPlan:
    """A kind's words in every language of the catalogs (reminders.<kind>); an agency plan may override."""
    known = set(get_args(Language))
    texts = {lang: i18n.text_of(f"reminders.{kind}", lang)[0] for lang in i18n.languages() if lang in known}
    return ReminderPlan(kind=kind, offsets_days=offsets_days, texts=texts)  # type: ignore[arg-type]


DEFAULT_PLANS = {
    "licence_renewal": _default_plan("licence_renewal", [30, 7, 1]),
    "payment_due": _default_plan("payment_due", [14, 3, 1]),
}


class RemindersStore(Protocol):
    def plans(self) -> list[dict[str, Any]]: ...
    def create(self, record: dict[str, Any]) -> bool: ...
    def get(self, record_id: str) -> dict[str, Any] | None: ...
    def records(self, limit: int) -> list[dict[str, Any]]: ...
    def of_resident(self, phone: str) -> list[dict[str, Any]]: ...
    def set_send(self, record_id: str, index: int, status: str, at: str) -> None: ...
    def stop(self, record_id: str, status: str, reason: str, at: str) -> bool: ...


class Workflows(Protocol):
    def start(self, record_id: str) -> None:
        """Start the record's execution, named by its id; one of that name already running is fine."""


class ReminderTexts(Protocol):
    def send_first(self, address: str, message_id: str, body: str) -> None: ...


class RecordNotFound(LookupError):
    pass


def record_id_of(phone: str, kind: str, due_date: str) -> str:
    """The same record uploaded twice has one id (nothing planned twice). Keyed (switchboard.log_hash): the id
    is logged and names executions, and a plain hash of a phone number, a kind and a date can be reversed."""
    return keyed_digest(f"{phone}|{kind}|{due_date}", 32)


def plans_by_kind(store: RemindersStore) -> dict[str, ReminderPlan]:
    plans = dict(DEFAULT_PLANS)
    for item in store.plans():
        plan = ReminderPlan.model_validate({k: v for k, v in item.items() if k not in ("pk", "sk")})
        plans[plan.kind] = plan
    return plans


def send_times(due: date, plan: ReminderPlan, zone: ZoneInfo, now: datetime) -> list[str]:
    """When each reminder goes (UTC), the past ones left out; a record due soon whose every time has passed
    gets one reminder now, so nobody uploaded before their deadline goes unreminded."""
    times = [
        datetime.combine(due - timedelta(days=offset), time(plan.send_hour), tzinfo=zone).astimezone(UTC)
        for offset in plan.offsets_days
    ]
    future = [t for t in times if t > now]
    if not future and due >= now.astimezone(zone).date():
        future = [now]
    return [format_timestamp(t) for t in future]


def parse_csv(text: str) -> list[dict[str, object]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    rows = []
    for raw in reader:
        rows.append({(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k})
        if len(rows) > MAX_RECORDS:
            raise ValueError(f"at most {MAX_RECORDS} records per upload")
    return rows


@dataclass
class Intake:
    store: RemindersStore
    workflows: Workflows
    zone: ZoneInfo
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    result: dict[str, int] = field(
        default_factory=lambda: {"planned": 0, "already_planned": 0, "replaced": 0}
    )

    def upload(self, rows: Sequence[dict[str, object]], actor_sub: str) -> UploadResult:
        plans = plans_by_kind(self.store)
        errors: list[RowError] = []
        for number, row in enumerate(rows, start=2):  # row 1 is a CSV's header
            try:
                record = RecordIn.model_validate({k: v for k, v in row.items() if v not in ("", None)})
            except ValidationError as error:
                first = error.errors()[0]
                where = str(first["loc"][0]) if first["loc"] else "row"
                errors.append(RowError(row=number, field=where, message=_plain(first)))
                continue
            plan = plans.get(record.kind)
            if plan is None:
                errors.append(
                    RowError(row=number, field="kind", message=f"no reminder plan for {record.kind}")
                )
                continue
            if record.due_date < self.now().astimezone(self.zone).date():
                errors.append(RowError(row=number, field="due_date", message="the due date has passed"))
                continue
            self._plan(record, plan, actor_sub)
        return UploadResult(rows=len(rows), errors=errors, **self.result)

    def _plan(self, record: RecordIn, plan: ReminderPlan, actor_sub: str) -> None:
        now = self.now()
        due = record.due_date.isoformat()
        record_id = record_id_of(record.phone, record.kind, due)
        created_at = format_timestamp(now)
        item = {
            "record_id": record_id,
            "kind": record.kind,
            "name": record.name,
            "phone": record.phone,
            "language": record.language,
            "due_date": due,
            "status": "planned",
            "sends": [
                {"at": at, "status": "pending"} for at in send_times(record.due_date, plan, self.zone, now)
            ],
            "created_at": created_at,
            "created_by": actor_sub,
        }
        created = self.store.create(item)
        # Started on every upload: a crash between the put and the start must not leave a record unplanned.
        self.workflows.start(record_id)
        if not created:
            self.result["already_planned"] += 1
            return
        self.result["planned"] += 1
        for other in self.store.of_resident(record.phone):
            if other["kind"] == record.kind and other["record_id"] != record_id:
                if self.store.stop(other["record_id"], "replaced", f"due date moved to {due}", created_at):
                    self.result["replaced"] += 1


def _plain(error: Any) -> str:
    """A validation message without the value that failed (it may be a phone number)."""
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


# --- the workflow's step ---


@dataclass(frozen=True)
class Sender:
    store: RemindersStore
    texts: ReminderTexts
    opted_out: Callable[[str], bool]
    agency_name: str
    zone: ZoneInfo
    quiet: QuietHours = field(default_factory=QuietHours)
    now: Callable[[], datetime] = lambda: datetime.now(UTC)


def advance(sender: Sender, record_id: str, phase: str, index: int) -> dict[str, Any]:
    """One step of a record's workflow. phase "plan": wait for reminder `index` (or finish); phase "send":
    send it (or wait for quiet hours to end), then plan the next. The answer drives the state machine:
    {"action": "wait", "until", "phase", "index"} | {"action": "continue", ...} | {"action": "finish"}."""
    record = sender.store.get(record_id)
    if record is None:
        raise RecordNotFound(record_id)
    sends = record.get("sends") or []
    if record.get("status") != "planned":
        return {"action": "finish", "reason": str(record.get("status"))}
    if phase == "plan":
        if index >= len(sends):
            sender.store.stop(
                record_id, "finished", "every reminder was sent", format_timestamp(sender.now())
            )
            return {"action": "finish", "reason": "finished"}
        return {"action": "wait", "until": sends[index]["at"], "phase": "send", "index": index}
    planned_at = datetime.fromisoformat(str(sends[index]["at"]).replace("Z", "+00:00"))
    # At the send time in AWS; locally, where waits are accelerated, the planned instant stands for it.
    moment = max(sender.now(), planned_at)
    allowed = sender.quiet.next_allowed(moment, sender.zone)
    if allowed > moment:
        sender.store.set_send(record_id, index, "deferred", format_timestamp(moment))
        return {"action": "wait", "until": format_timestamp(allowed), "phase": "send", "index": index}
    at = format_timestamp(moment)
    if sender.opted_out(str(record["phone"])):
        sender.store.set_send(record_id, index, "skipped_opted_out", at)
        logger.info("Reminder skipped: opted out", extra={"record_id": record_id, "index": index})
    else:
        body = reminder_text(record, sender)
        # The message id follows from (record, index): a retried step stores and queues the same message.
        sender.texts.send_first(str(record["phone"]), f"reminder:{record_id}:{index}", body)
        sender.store.set_send(record_id, index, "sent", at)
        logger.info(
            "Reminder sent",
            extra={"record_id": record_id, "index": index, "to_hash": redact_address(str(record["phone"]))},
        )
    return {"action": "continue", "phase": "plan", "index": index + 1}


def reminder_text(record: dict[str, Any], sender: Sender) -> str:
    # Every uploaded kind had a plan (plans are never deleted); a missing one fails the step, and the
    # workflow's failure path marks the record failed, rather than sending another kind's words.
    plan = plans_by_kind(sender.store)[str(record["kind"])]
    lang = str(record.get("language") or i18n.DEFAULT)
    template = plan.texts.get(lang) or plan.texts["en"]  # type: ignore[call-overload]
    written_in = lang if lang in plan.texts else i18n.DEFAULT
    due = datetime.combine(date.fromisoformat(str(record["due_date"])), time(12), tzinfo=sender.zone)
    values = {
        "name": str(record.get("name") or "").split(" ")[0] or i18n.say("reminders.no_name", written_in),
        "due_date": i18n.when(due, written_in, sender.zone, "date"),
        "agency": sender.agency_name,
    }
    return template.format_map(values)


# --- stopping, and what staff see ---


def done_by_resident(store: RemindersStore, phone: str, at: str) -> list[dict[str, Any]]:
    """The resident replied DONE: every reminder of theirs still planned stops. The records stopped."""
    stopped = []
    for entry in store.of_resident(phone):
        if store.stop(entry["record_id"], "done", "the resident replied DONE", at):
            stopped.append(entry)
    return stopped


def complete(store: RemindersStore, record_id: str, actor_sub: str, at: str) -> RecordView:
    if store.get(record_id) is None:
        raise RecordNotFound(record_id)
    store.stop(record_id, "completed", f"marked complete by staff ({actor_sub})", at)
    record = store.get(record_id)
    assert record is not None
    return view(record)


def view(record: dict[str, Any]) -> RecordView:
    sends = [SendView.model_validate(s) for s in record.get("sends") or []]
    pending = [s.at for s in sends if s.status in ("pending", "deferred")]
    return RecordView(
        record_id=str(record["record_id"]),
        kind=str(record["kind"]),
        name=str(record.get("name") or ""),
        phone_last4=str(record["phone"])[-4:],
        language=str(record.get("language") or "en"),
        due_date=str(record["due_date"]),
        status=record["status"],
        stop_reason=record.get("stop_reason"),
        created_at=str(record["created_at"]),
        sends=sends,
        next_send_at=pending[0] if pending and record["status"] == "planned" else None,
    )
