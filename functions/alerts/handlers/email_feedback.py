"""EmailFeedbackQueue consumer: SES's bounces, complaints and deliveries of email alerts
(alerts.logic.email_consent)."""

from __future__ import annotations

from functools import cache

import boto3
from inbox.dal.consent_table import ConsentTable
from switchboard.batch import sqs_batch_handler, standard_processor
from switchboard.settings import EmailAlertsSettings, load_settings

from alerts.dal.alerts_table import AlertsTable
from alerts.logic.email_consent import SesEventRecord, apply_ses_event

settings = load_settings(EmailAlertsSettings)


@cache
def tables() -> tuple[AlertsTable, ConsentTable]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return AlertsTable(table), ConsentTable(table)


def apply_record(record: SesEventRecord) -> None:
    emails, ledger = tables()
    apply_ses_event(record.body, emails=emails, ledger=ledger)


handler = sqs_batch_handler(apply_record, standard_processor(SesEventRecord))
