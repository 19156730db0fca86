"""StatusQueue consumer: Twilio status callbacks through the status pipeline, forward only (an alert's text
moves its alert's figures, any other message its own status: app.pipelines.status)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import boto3
from inbox.dal.inbox_table import InboxTable
from inbox.logic.status_callbacks import apply_status_callback
from inbox.models.queue_messages import StatusCallback, StatusRecord
from inbox.pipeline import StatusPipeline
from switchboard.batch import sqs_batch_handler, standard_processor
from switchboard.read_once import ReadOnceTable
from switchboard.settings import StatusConsumerSettings, load_settings
from switchboard.table_keys import SID_SK, sid_pk

from app.pipelines.status import status_steps

settings = load_settings(StatusConsumerSettings)
_TWILIO_SID = re.compile(r"^[A-Z]{2}[0-9a-f]{32}$")


@cache
def table() -> ReadOnceTable:
    # Read-once only inside a record's scope (`apply_record`); the batch's SID items known to each scope.
    return ReadOnceTable(boto3.resource("dynamodb").Table(settings.table_name))


@cache
def dependencies() -> StatusPipeline:
    return StatusPipeline(InboxTable(table()), status_steps(table()))


def apply_record(record: StatusRecord) -> None:
    with table().scope():
        apply_status_callback(StatusCallback.from_envelope(record.body), dependencies())


process_batch = sqs_batch_handler(apply_record, standard_processor(StatusRecord))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A batch's SID items (the sender writes each once and never changes it) in one BatchGetItem, instead of
    one GetItem per callback: a reply's `sent` and `delivered` callbacks usually share a batch."""
    keys = [{"pk": sid_pk(sid), "sk": SID_SK} for sid in _sids(event.get("Records") or [])]
    with table().lasting():
        table().prefetch_lasting(keys)
        return dict(process_batch(event, context))


def _sids(records: list[dict[str, Any]]) -> list[str]:
    """The MessageSid of each record that parses (one that does not is the processor's to fail, not ours)."""
    sids = []
    for record in records:
        try:
            sids.append(StatusRecord.model_validate(record).body.params.get("MessageSid", ""))
        except ValueError:
            continue
    return [sid for sid in sids if _TWILIO_SID.match(sid)]  # any other is read (and refused) on its own
