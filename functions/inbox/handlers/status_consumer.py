"""StatusQueue consumer: applies Twilio status callbacks to outbound messages, forward only (an alert's text
moves its alert's figures instead: functions/alerts)."""

from __future__ import annotations

from functools import cache

import boto3
from alerts.dal.alerts_table import AlertsTable
from alerts.logic.figures import advance_alert_status
from switchboard.batch import sqs_batch_handler, standard_processor
from switchboard.settings import StatusConsumerSettings, load_settings

from inbox.dal.inbox_table import InboxTable
from inbox.logic.status_callbacks import StatusStore, apply_status_callback
from inbox.models.queue_messages import StatusCallback, StatusRecord
from inbox.models.records import SidRef

settings = load_settings(StatusConsumerSettings)


class MessagesAndAlerts:
    """The inbox's SID lookup; a SID that belongs to an alert's text advances that alert's figures."""

    def __init__(self, inbox: InboxTable, alerts: AlertsTable) -> None:
        self._inbox = inbox
        self._alerts = alerts

    def find_sid(self, sid: str) -> SidRef | None:
        return self._inbox.find_sid(sid)

    def advance_status(self, ref: SidRef, status: str, error_code: str | None) -> bool:
        if ref.alert_id and ref.address:
            return advance_alert_status(self._alerts, ref.alert_id, ref.address, status, error_code)
        return self._inbox.advance_status(ref, status, error_code)


@cache
def dependencies() -> StatusStore:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return MessagesAndAlerts(InboxTable(table), AlertsTable(table))


def apply_record(record: StatusRecord) -> None:
    apply_status_callback(StatusCallback.from_envelope(record.body), dependencies())


handler = sqs_batch_handler(apply_record, standard_processor(StatusRecord))
