"""CallbackStepsFn: the callback state machine's steps (remind, offer a task, close, text on no answer)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from inbox.dal.inbox_table import InboxTable
from inbox.integrations.reply_queue import SqsReplyQueue
from inbox.logic.agent_inbox import reply_to_thread
from inbox.models.conversations import Agent
from switchboard.observability import logger, tracer
from switchboard.settings import CallbackStepsSettings, load_settings

from callbacks.dal.callback_table import CallbackTable
from callbacks.logic.workflow import WORKFLOW_AUTHOR, TextResident, run_step

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = load_settings(CallbackStepsSettings)


@cache
def dependencies() -> tuple[CallbackTable, TextResident]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    inbox = InboxTable(table)
    replies = SqsReplyQueue(boto3.client("sqs"), settings.outbound_queue_url)
    author = Agent(sub=WORKFLOW_AUTHOR)

    def text(thread_id: str, body: str, message_id: str) -> None:
        reply_to_thread(
            inbox, replies, thread_id=thread_id, body=body, agent=author, make_id=lambda: message_id
        )

    return CallbackTable(table), text


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    store, text = dependencies()
    return run_step(event, store, text, agency_name=settings.agency_name, zone=settings.agency_time_zone)
