"""CityPollFn: EventBridge Scheduler's target every few minutes. For the requests still open at a
city: a batch city's token becomes its request id, and the city's status and notes come back; each change is
texted to the resident who reported it, once, in their language (logic/status_updates.change_status)."""

from __future__ import annotations

from dataclasses import asdict
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from inbox.dal.agency_settings import AgencyName
from inbox.dal.consent_table import ConsentTable
from inbox.dal.inbox_table import InboxTable
from inbox.integrations.reply_queue import SqsReplyQueue
from inbox.integrations.thread_replies import ThreadReplies
from switchboard.clock import utc_now_iso
from switchboard.observability import logger, metrics, tracer
from switchboard.settings import CityPollSettings, load_settings

from servicerequests.dal.city_table import CityTable
from servicerequests.dal.requests_table import RequestsTable
from servicerequests.integrations.open311_city import Open311City
from servicerequests.logic.city_sync import poll_city
from servicerequests.logic.status_updates import change_status
from servicerequests.models.city import CityLink
from servicerequests.models.requests import ServiceRequestRecord, Status

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = load_settings(CityPollSettings)


@cache
def dependencies() -> tuple[RequestsTable, CityTable, ThreadReplies, ConsentTable, AgencyName]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    texts = ThreadReplies(InboxTable(table), SqsReplyQueue(boto3.client("sqs"), settings.outbound_queue_url))
    return (
        RequestsTable(table),
        CityTable(table),
        texts,
        ConsentTable(table),
        AgencyName(table, settings.agency_name),
    )


def client_for(link: CityLink) -> Open311City:
    return Open311City(link.endpoint, timeout_s=settings.city_timeout_s)


@logger.inject_lambda_context(log_event=False, clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def handler(_event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    requests, city, texts, consent, agency_name = dependencies()

    def change(request_id: str, status: Status, notes: str | None, at: str) -> ServiceRequestRecord | None:
        return change_status(
            requests,
            texts,
            request_id=request_id,
            status=status,
            notes=notes,
            at=at,
            language_of=lambda address: consent.load_state(address).language,
            agency=agency_name(),
        )

    result = poll_city(city=city, client_for=client_for, change=change, now=utc_now_iso)
    logger.info("City poll done", extra=asdict(result))
    return asdict(result)
