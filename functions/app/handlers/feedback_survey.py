"""FeedbackSurveyFn: EventBridge Scheduler's target for a feedback survey that waited for quiet hours to end.
Input `{"kind": "feedback.survey", "thread_id", "survey_id"}`; sent once, unless the conversation was reopened
or the resident opted out meanwhile (feedback.logic.surveys)."""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from inbox.dal.agency_settings import AgencyName
from inbox.integrations.reply_queue import SqsReplyQueue
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from switchboard.observability import logger, metrics, tracer

from app.feedback_wiring import feedback_surveys

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from feedback.logic.surveys import FeedbackSurveys


class SurveyDue(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: str = Field(pattern=r"^feedback\.survey$")
    thread_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    survey_id: str = Field(pattern=r"^[0-9a-f]{32}$")


@cache
def dependencies() -> FeedbackSurveys:
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    return feedback_surveys(
        table,
        outbound=SqsReplyQueue(boto3.client("sqs"), os.environ["OUTBOUND_QUEUE_URL"]),
        agency_name=AgencyName(table, os.environ.get("AGENCY_NAME") or "Switchboard"),
    )


@logger.inject_lambda_context(log_event=False, clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        due = SurveyDue.model_validate(event)
    except ValidationError:
        # Not retryable: Scheduler's retries would fail the same way. Logged without the event's content.
        logger.error("Feedback survey schedule input is malformed")
        return {"result": "malformed input"}
    return {"result": dependencies().send_due(due.thread_id, due.survey_id)}
