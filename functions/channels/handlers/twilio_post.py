"""The Lambda handler shared by both Twilio webhooks: what differs is the spec and the queue.

Twilio waits on these functions, so their imports are kept light: no Powertools Parser, event handler or
Tracer (the X-Ray SDK builds botocore clients at import); Lambda's own trace segment still records them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.logging import correlation_paths
from switchboard.clock import utc_now_iso
from switchboard.observability import logger, metrics
from switchboard.twilio_credentials import load_twilio_credentials

from channels.integrations.oversize_store import S3OversizeStore
from channels.integrations.sqs_publisher import SqsTwilioEventPublisher
from channels.logic.accept_twilio_post import accept_twilio_post
from channels.models.webhooks import TwilioPost, WebhookSpec

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

HttpHandler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]


def twilio_post_handler(
    spec: WebhookSpec, *, secret_arn: str, public_api_url: str, queue_url: str, media_bucket: str
) -> HttpHandler:
    @cache
    def publisher() -> SqsTwilioEventPublisher:
        return SqsTwilioEventPublisher(boto3.client("sqs"), queue_url)  # on first use, not at import

    oversize = S3OversizeStore(lambda: boto3.client("s3"), media_bucket)

    @logger.inject_lambda_context(log_event=False, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return accept_twilio_post(
            TwilioPost.from_http_api_event(event),
            spec,
            credentials=lambda: load_twilio_credentials(secret_arn),
            public_api_url=public_api_url,
            publisher=publisher(),
            received_at=utc_now_iso(),
            oversize=oversize,
        ).to_http_api_response()

    return handler
