"""StatusQueue consumer: applies Twilio status callbacks to outbound messages, forward only (an alert's text
moves its alert's figures instead: functions/alerts)."""

from __future__ import annotations

from functools import cache

import boto3
from alerts.dal.alerts_table import AlertsTable
from alerts.logic.delivery import TWILIO_OPTED_OUT
from alerts.logic.figures import advance_alert_status
from subscriptions.dal.consent_table import ConsentTable
from subscriptions.logic.consent_changes import ConsentGate
from switchboard.batch import sqs_batch_handler, standard_processor
from switchboard.clock import utc_now_iso
from switchboard.phone import parse_address
from switchboard.settings import StatusConsumerSettings, load_settings

from inbox.dal.inbox_table import InboxTable
from inbox.logic.status_callbacks import StatusStore, apply_status_callback
from inbox.models.queue_messages import StatusCallback, StatusRecord
from inbox.models.records import SidRef

settings = load_settings(StatusConsumerSettings)


class MessagesAndAlerts:
    """The inbox's SID lookup; a SID that belongs to an alert's text advances that alert's figures."""

    def __init__(self, inbox: InboxTable, alerts: AlertsTable, consent: ConsentGate) -> None:
        self._inbox = inbox
        self._alerts = alerts
        self._consent = consent

    def find_sid(self, sid: str) -> SidRef | None:
        return self._inbox.find_sid(sid)

    def advance_status(self, ref: SidRef, status: str, error_code: str | None) -> bool:
        if ref.alert_id and ref.address:
            if error_code == TWILIO_OPTED_OUT:
                # The carrier refused after accepting (the resident opted out with it): the ledger hears it
                # first, so a retried callback records it again rather than not at all.
                channel = parse_address(ref.address).channel
                self._consent.record_carrier_opt_out(ref.address, channel, utc_now_iso(), ref.alert_id)
            return advance_alert_status(self._alerts, ref.alert_id, ref.address, status, error_code)
        return self._inbox.advance_status(ref, status, error_code)


@cache
def dependencies() -> StatusStore:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return MessagesAndAlerts(InboxTable(table), AlertsTable(table), ConsentGate(ConsentTable(table)))


def apply_record(record: StatusRecord) -> None:
    apply_status_callback(StatusCallback.from_envelope(record.body), dependencies())


handler = sqs_batch_handler(apply_record, standard_processor(StatusRecord))
