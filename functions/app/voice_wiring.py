"""Wires the voice domain (the IVR) to what it tells and does, from the other domains: the callbacks' slot
rules and workflow, a request in progress, today's alerts, the on-call number, the reports' call figures and
the inbox's automatic texts. The voice domain names what it needs as small protocols; this module is the
only place that knows which domain answers each."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from inbox.dal.consent_table import ConsentTable
from inbox.dal.inbox_table import InboxTable
from inbox.integrations.reply_queue import SqsReplyQueue
from inbox.integrations.thread_replies import ThreadReplies
from inbox.logic.consent_changes import record_change
from inbox.models.consent import ALL_TOPICS, ConsentChange
from inbox.models.records import new_id
from switchboard.phone import parse_address
from switchboard.settings import ReportSettings, VoiceWebhookSettings
from switchboard.table_keys import THREAD_META_SK, thread_pk
from voice.dal.voice_table import VoiceTable
from voice.logic.ivr import PATH_WORDS, CallFigure, Ivr, IvrSettings
from voice.models.voice import CallerProfile, Pending

OPEN_CALLBACK = ("booked", "reminded", "due", "escalated")
ALERTS_LOOKED_AT = 50  # the newest alerts: a day's are among them


class TablePending:
    """What is pending for a caller's thread: a booked callback, a service request in progress (the thread's
    latest report), an open conversation."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def pending(self, profile: CallerProfile) -> Pending:
        from callbacks.dal.callback_table import BookingTable
        from servicerequests.dal.intake_table import IntakeTable
        from servicerequests.dal.requests_table import RequestsTable

        thread_id = profile.thread_id
        if thread_id is None:
            return Pending()
        callback = BookingTable(self._table).active_callback(thread_id)
        intake = IntakeTable(self._table).get(thread_id)
        request = (
            RequestsTable(self._table).get(str(intake["request_id"]))
            if intake and intake.get("request_id")
            else None
        )
        thread = (
            self._table.get_item(Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK}).get("Item") or {}
        )
        return Pending(
            callback_at=callback.slot_at if callback and callback.status in OPEN_CALLBACK else None,
            request_digits=request.service_request_id[-4:] if request and request.status == "open" else None,
            open_conversation=thread.get("status") == "open",
        )


class WorkflowCallbacks:
    """The CALLBACK keyword's booking (callbacks.logic.booking), offered and picked by voice."""

    def __init__(self, table: Any, settings: VoiceWebhookSettings) -> None:
        self._table = table
        self._settings = settings

    @cache  # noqa: B019 - one per function instance, built on the first callback asked for
    def _parts(self) -> tuple[Any, Any, Any]:
        import boto3
        from callbacks.dal.callback_table import BookingTable
        from callbacks.integrations.task_responses import WorkflowStarter
        from callbacks.logic.booking import BusinessHours

        hours = BusinessHours.parse(self._settings.callback_hours, self._settings.agency_time_zone)
        starter = WorkflowStarter(boto3.client("stepfunctions"), self._settings.callback_state_machine_arn)
        return BookingTable(self._table), starter, hours

    def _booking(self, lang: str | None) -> Any:
        from callbacks.logic.booking import Booking

        bookings, starter, hours = self._parts()
        return Booking(
            bookings,
            starter,
            hours,
            self._settings.agency_name,
            self._settings.callback_department,
            lang=lang,
        )

    def free_slots(self, thread_id: str, lang: str | None) -> list[str] | None:
        if not self._settings.callback_state_machine_arn:
            return None
        free: list[str] | None = self._booking(lang).free_slots(thread_id)
        return free

    def book(self, thread_id: str, number: int, lang: str | None) -> tuple[str, str | None]:
        outcome = self._booking(lang).book(thread_id, number)
        return str(outcome.result), outcome.slot_at


class InboxTexts:
    def __init__(self, table: Any, outbound_queue_url: str, sqs: Any) -> None:
        self._threads = InboxTable(table)
        self._replies = ThreadReplies(self._threads, SqsReplyQueue(sqs, outbound_queue_url))
        self._consent = ConsentTable(table)

    def thread_for(self, address: str, now: str) -> str:
        return self._threads.open_thread(parse_address(address), new_id(), now)

    def text(self, address: str, message_id: str, body: str, at: str) -> None:
        self._replies.send_first(address, message_id, body, at)

    def record_text_request(self, address: str, call_sid: str, at: str) -> None:
        resident = parse_address(address)
        record_change(
            self._consent,
            ConsentChange(
                address=resident.value,
                channel=resident.channel,
                topic=ALL_TOPICS,
                action="text_request",
                at=at,
                source="ivr",
                source_id=call_sid,
            ),
        )


class TodaysAlerts:
    """Alerts sent since midnight (the agency's) to the caller's topics and zones, in their language."""

    def __init__(self, table: Any, time_zone: str, now: Any = lambda: datetime.now(UTC)) -> None:
        self._table = table
        self._zone = ZoneInfo(time_zone)
        self._now = now

    def todays(self, profile: CallerProfile, lang: str | None) -> list[str]:
        from alerts.dal.alerts_table import AlertsTable

        local = self._now().astimezone(self._zone)
        since = (
            local.replace(hour=0, minute=0, second=0, microsecond=0)
            .astimezone(UTC)
            .strftime("%Y-%m-%dT%H:%M:%S")
        )
        found = []
        for alert in AlertsTable(self._table).list_alerts(ALERTS_LOOKED_AT):
            if alert.status not in ("sending", "sent") or (alert.enqueued_at or alert.created_at) < since:
                continue
            if not set(alert.topics) & set(profile.topics):
                continue
            if alert.zones and not set(alert.zones) & set(profile.zones):
                continue
            found.append(alert.texts.get(lang or "en") or alert.text_for(lang)[1])
        return list(reversed(found))  # oldest first, as they were sent


class ReportCalls:
    def __init__(self, table: Any) -> None:
        self._table = table

    def count(self, call_sid: str, figure: CallFigure, at: str, thread_id: str | None) -> None:
        from reports.logic.recorder import Dims

        from app.reports_wiring import report_recorder

        thread = (
            self._table.get_item(Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK}).get("Item")
            if thread_id
            else None
        )
        dims = Dims.of_thread(thread)
        dims = Dims(dims.department, "voice", None)
        report_recorder(self._table, _report_settings()).call_event(call_sid, figure, at, dims)


@cache
def _report_settings() -> ReportSettings:
    from switchboard.settings import load_settings

    return load_settings(ReportSettings)


def duty_number(table: Any) -> str | None:
    """The on-call number the triage admin set (TRIAGE / ONCALL): the staff on duty."""
    item = table.get_item(Key={"pk": "TRIAGE", "sk": "ONCALL"}).get("Item")
    return str(item["number"]) if item and item.get("number") else None


def build_ivr(table: Any, sqs: Any, settings: VoiceWebhookSettings) -> Ivr:
    return Ivr(
        store=VoiceTable(table, PATH_WORDS),
        pending=TablePending(table),
        callbacks=WorkflowCallbacks(table, settings),
        texts=InboxTexts(table, settings.outbound_queue_url, sqs),
        alerts=TodaysAlerts(table, settings.agency_time_zone),
        duty_number=lambda: duty_number(table),
        counter=ReportCalls(table),
        settings=IvrSettings(
            voice_url=settings.voice_url,
            agency_name=lambda: settings.agency_name,
            time_zone=settings.agency_time_zone,
        ),
    )
