"""CityForwardQueue consumer (CityForwardFn): each new service request is POSTed to the city whose Open311
endpoint handles its service (or to none). A city that fails (4xx, 5xx, timeout) gets the job again after a
jittered, doubling delay; after the queue's five deliveries the job is in CityForwardDlq (alarmed)."""

from __future__ import annotations

import time
from functools import cache

import boto3
from switchboard.batch import sqs_batch_handler, standard_processor
from switchboard.observability import logger
from switchboard.settings import CityForwardSettings, load_settings

from servicerequests.dal.city_table import CityTable
from servicerequests.dal.requests_table import RequestsTable
from servicerequests.integrations.forward_queue import SqsCityForwardQueue
from servicerequests.integrations.media_link_key import media_link_key
from servicerequests.integrations.open311_city import CityCallFailed, Open311City
from servicerequests.logic.backoff import retry_delay_s
from servicerequests.logic.city_sync import forward_request
from servicerequests.logic.media_links import CITY_LINK_SECONDS, MediaLinks
from servicerequests.models.city import CityLink, ForwardRecord
from servicerequests.models.requests import ServiceRequestRecord

settings = load_settings(CityForwardSettings)


@cache
def dependencies() -> tuple[RequestsTable, CityTable, SqsCityForwardQueue]:
    table = boto3.resource("dynamodb").Table(settings.table_name)
    queue = SqsCityForwardQueue(boto3.client("sqs"), settings.city_forward_queue_url)
    return RequestsTable(table), CityTable(table), queue


def client_for(link: CityLink) -> Open311City:
    return Open311City(link.endpoint, timeout_s=settings.city_timeout_s)


def photo_link(record: ServiceRequestRecord) -> str | None:
    """The first photo's signed link, good for CITY_LINK_SECONDS (a work order may be opened weeks later)."""
    if not record.media_keys:
        return None
    links = MediaLinks(media_link_key(settings.media_link_secret_arn), settings.public_api_url)
    return links.link(record.service_request_id, 0, now=int(time.time()), seconds=CITY_LINK_SECONDS)


def forward_record(record: ForwardRecord) -> None:
    requests, city, queue = dependencies()
    try:
        outcome = forward_request(
            record.body.request_id,
            requests=requests,
            city=city,
            client_for=client_for,
            photo_link=photo_link,
        )
    except CityCallFailed as error:
        delivery = int(record.attributes.ApproximateReceiveCount)
        delay = retry_delay_s(delivery, settings.city_retry_base_s)
        queue.retry_later(record.receiptHandle, delay)
        logger.warning(
            "City did not take the request; retrying later",
            extra={
                "request_id": record.body.request_id,
                "status": error.status,
                "reason": str(error),
                "delivery": delivery,
                "retry_in_s": delay,
            },
        )
        raise
    logger.info("Forward done", extra={"request_id": record.body.request_id, "outcome": outcome})


handler = sqs_batch_handler(forward_record, standard_processor(ForwardRecord))
