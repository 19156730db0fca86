"""Handlers against moto: the table, queues, bucket and secret of docs/architecture.md, created per test."""

from __future__ import annotations

import dataclasses
import importlib
import io
import json
import logging
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws
from moto.core.botocore_stubber import BotocoreStubber
from switchboard.log_hash import log_hash_key

from events import SAMPLE_CONFIG, load_event
from infra.inbox_indexes import INBOX_VIEW_INDEXES
from tests.integration.fakes import FakeMediaSource

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
TABLE_NAME = "switchboard-test"
MEDIA_BUCKET = "switchboard-test-media"
SECRET_NAME = "switchboard/twilio"


def queue_url(name: str) -> str:
    return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{name}"


QUEUES = {
    "InboundQueue": "switchboard-InboundQueue.fifo",
    "StatusQueue": "switchboard-StatusQueue",
    "OutboundQueue": "switchboard-OutboundQueue.fifo",
    "AlertPlanQueue": "switchboard-AlertPlanQueue",
    "AlertSendQueue": "switchboard-AlertSendQueue",
    "TriageRescoreQueue": "switchboard-TriageRescoreQueue",
    "CityForwardQueue": "switchboard-CityForwardQueue",
}
ALERT_SCHEDULE_GROUP = "switchboard-alerts"

ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "TABLE_NAME": TABLE_NAME,
    "MEDIA_BUCKET": MEDIA_BUCKET,
    "INBOUND_QUEUE_URL": queue_url(QUEUES["InboundQueue"]),
    "STATUS_QUEUE_URL": queue_url(QUEUES["StatusQueue"]),
    "OUTBOUND_QUEUE_URL": queue_url(QUEUES["OutboundQueue"]),
    "ALERT_PLAN_QUEUE_URL": queue_url(QUEUES["AlertPlanQueue"]),
    "ALERT_PLAN_QUEUE_ARN": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{QUEUES['AlertPlanQueue']}",
    "ALERT_SEND_QUEUE_URL": queue_url(QUEUES["AlertSendQueue"]),
    "TRIAGE_RESCORE_QUEUE_URL": queue_url(QUEUES["TriageRescoreQueue"]),
    "CITY_FORWARD_QUEUE_URL": queue_url(QUEUES["CityForwardQueue"]),
    "ALERT_SCHEDULE_GROUP": ALERT_SCHEDULE_GROUP,
    "ALERT_SCHEDULER_ROLE_ARN": f"arn:aws:iam::{ACCOUNT_ID}:role/switchboard-alert-scheduler",
    "ALERT_SEND_RATE": "50",
    "PUBLIC_TEXTS_PER_DAY": "500",
    "TEXT_COUNTRY_CODES": "1",
    "AGENCY_TIME_ZONE": "America/New_York",
    # Secrets Manager takes a name wherever it takes an ARN; moto's ARNs end in a random suffix.
    "TWILIO_SECRET_ARN": SECRET_NAME,
    "PUBLIC_API_URL": SAMPLE_CONFIG["PUBLIC_API_URL"],
    "TWILIO_FROM_NUMBER": "+15555550199",
    "TWILIO_MESSAGING_SERVICE_SID": "",
    "TWILIO_API_BASE_URL": "",
    "POWERTOOLS_SERVICE_NAME": "switchboard-test",
    "POWERTOOLS_METRICS_NAMESPACE": "Switchboard",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "LOG_LEVEL": "INFO",
    "USER_POOL_ID": "",  # set per test: moto names the pool it creates
    # The web chat signs its tokens with the whole secret string: the Twilio secret serves as a key here.
    "WEBCHAT_TOKEN_SECRET_ARN": SECRET_NAME,
    # Likewise the key of the digests in logs and rate-limit keys: read from Secrets Manager, as in the cloud.
    "LOG_HASH_SECRET_ARN": SECRET_NAME,
    # And the key of the signed links to requests' photos (Open311 media_url).
    "MEDIA_LINK_SECRET_ARN": SECRET_NAME,
    "CHAT_ALLOWED_ORIGINS": "https://www.county.example,https://county.example",
    "CHAT_BUSINESS_HOURS": "",
    "CHAT_TIMEZONE": "America/New_York",
}

# Routers the agent API includes that cache their own table objects (`dependencies`).
ROUTER_MODULES = [
    "zones.handlers.zone_routes",
    "reminders.handlers.reminder_routes",
    "triage.handlers.triage_routes",
    "servicerequests.handlers.catalogue_routes",
    "servicerequests.handlers.request_routes",
    "feedback.handlers.feedback_routes",
    "servicerequests.handlers.city_routes",
]

HANDLERS = {
    "webhook": "channels.handlers.twilio_webhook",
    "status_webhook": "channels.handlers.twilio_status",
    "inbound_consumer": "app.handlers.inbound_consumer",
    "status_consumer": "app.handlers.status_consumer",
    "agent_api": "app.handlers.agent_api",
    "sms_sender": "outbound.handlers.sms_sender",
    "signup_api": "app.handlers.signup_api",
    "staff_admin": "staff.handlers.staff_admin",
    "webchat_api": "app.handlers.chat_api",
    "alerts_api": "app.handlers.alerts_api",
    "alert_planner": "alerts.handlers.alert_planner",
    "alert_sender": "alerts.handlers.alert_sender",
    "link_redirect": "alerts.handlers.link_redirect",
    "triage_rescore": "triage.handlers.rescore",
    "open311_api": "servicerequests.handlers.open311_api",
    "city_forward": "servicerequests.handlers.city_forward",
    "city_poll": "servicerequests.handlers.city_poll",
}


@dataclass
class Aws:
    """The resources of one test, and clients to look at them."""

    table: Any
    sqs: Any
    s3: Any
    queue_urls: dict[str, str]
    dlq_urls: dict[str, str]
    user_pool_id: str = ""

    def queue_messages(self, logical_name: str, max_messages: int = 10) -> list[dict[str, Any]]:
        response = self.sqs.receive_message(
            QueueUrl=self.queue_urls[logical_name],
            MaxNumberOfMessages=max_messages,
            MessageSystemAttributeNames=["All"],
            VisibilityTimeout=0,
        )
        return response.get("Messages", [])

    def items(self) -> list[dict[str, Any]]:
        return self.table.scan()["Items"]

    def sqs_event(self, logical_name: str) -> dict[str, Any]:
        """What the queue holds, as the Lambda event source would deliver it (shape from the sample batch)."""
        template = load_event("sqs/inbound_batch.json")["Records"][0]
        records = []
        for message in self.queue_messages(logical_name):
            record = json.loads(json.dumps(template))
            record.update(
                messageId=message["MessageId"], body=message["Body"], receiptHandle=message["ReceiptHandle"]
            )
            records.append(record)
        return {"Records": records}


def pytest_configure(config: pytest.Config) -> None:
    # switchboard.observability silences this at import; pytest resets warning filters for each test.
    config.addinivalue_line("filterwarnings", "ignore:No application metrics to publish:UserWarning")


# The environment as it was at collection, before any test ran: the e2e tier's local stack, alive for the
# whole session, adds variables (AGENCY_NAME, ...) that handlers here would otherwise read.
_COLLECTION_ENVIRONMENT = frozenset(os.environ)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in set(os.environ) - _COLLECTION_ENVIRONMENT:
        monkeypatch.delenv(name)
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


# The inbox's view indexes exactly as the CDK app defines them (multi-attribute keys).
INBOX_VIEW_GSIS = [
    {
        "IndexName": name,
        "KeySchema": [{"AttributeName": a, "KeyType": "HASH"} for a in partition]
        + [{"AttributeName": a, "KeyType": "RANGE"} for a in sort],
        "Projection": {"ProjectionType": "ALL"},
    }
    for name, (partition, sort) in INBOX_VIEW_INDEXES.items()
]
INBOX_VIEW_KEY_ATTRIBUTES = sorted({a for keys in INBOX_VIEW_INDEXES.values() for part in keys for a in part})


def _create_resources() -> Aws:
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    table = dynamodb.create_table(
        TableName=TABLE_NAME,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("pk", "sk", "gsi1pk", "gsi1sk", *INBOX_VIEW_KEY_ATTRIBUTES)
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi1",
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            },
            *INBOX_VIEW_GSIS,
        ],
    )
    sqs = boto3.client("sqs", region_name=REGION)
    queue_urls: dict[str, str] = {}
    dlq_urls: dict[str, str] = {}
    for logical, name in QUEUES.items():
        fifo = name.endswith(".fifo")
        fifo_attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "false"} if fifo else {}
        dlq_name = name.replace(".fifo", "-dlq.fifo") if fifo else name + "-dlq"
        dlq_urls[logical] = sqs.create_queue(QueueName=dlq_name, Attributes=fifo_attributes)["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_urls[logical], AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})
        queue_urls[logical] = sqs.create_queue(
            QueueName=name,
            Attributes={**fifo_attributes, "RedrivePolicy": redrive, "VisibilityTimeout": "180"},
        )["QueueUrl"]
        assert queue_urls[logical] == queue_url(name)
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=MEDIA_BUCKET)
    boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name=SECRET_NAME,
        SecretString=json.dumps(
            {"account_sid": SAMPLE_CONFIG["account_sid"], "auth_token": SAMPLE_CONFIG["auth_token"]}
        ),
    )
    boto3.client("scheduler", region_name=REGION).create_schedule_group(Name=ALERT_SCHEDULE_GROUP)
    cognito = boto3.client("cognito-idp", region_name=REGION)
    pool = cognito.create_user_pool(PoolName="switchboard-staff", UsernameAttributes=["email"])
    pool_id = pool["UserPool"]["Id"]
    for group in ("agent", "supervisor", "admin"):
        cognito.create_group(UserPoolId=pool_id, GroupName=group)
    return Aws(table=table, sqs=sqs, s3=s3, queue_urls=queue_urls, dlq_urls=dlq_urls, user_pool_id=pool_id)


def _clear_caches() -> None:
    # Clients and secrets cached by one test's handlers must not leak into the next test's moto.
    parameters.clear_caches()
    log_hash_key.cache_clear()
    for module_name in [*HANDLERS.values(), "switchboard.twilio_client", *ROUTER_MODULES]:
        module = sys.modules.get(module_name)
        for attribute in ("dependencies", "_cached_client"):
            cached = getattr(module, attribute, None)
            if cached is not None and hasattr(cached, "cache_clear"):
                cached.cache_clear()


@pytest.fixture
def aws(environment: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    _clear_caches()
    with mock_aws():
        resources = _create_resources()
        monkeypatch.setenv("USER_POOL_ID", resources.user_pool_id)
        yield resources
    _clear_caches()


def _handler_fixture(key: str) -> Any:
    @pytest.fixture
    def load(aws: Aws) -> ModuleType:
        # Imported after the environment is set: handlers read their settings at import (cold start). A
        # module left by an earlier import (another test, the local stack) holds other settings: drop it.
        sys.modules.pop(HANDLERS[key], None)
        return importlib.import_module(HANDLERS[key])

    return load


webhook = _handler_fixture("webhook")
status_webhook = _handler_fixture("status_webhook")
inbound_consumer = _handler_fixture("inbound_consumer")
status_consumer = _handler_fixture("status_consumer")
agent_api = _handler_fixture("agent_api")
sms_sender = _handler_fixture("sms_sender")
signup_api = _handler_fixture("signup_api")
staff_admin = _handler_fixture("staff_admin")
webchat_api = _handler_fixture("webchat_api")
alerts_api = _handler_fixture("alerts_api")
alert_planner = _handler_fixture("alert_planner")
alert_sender = _handler_fixture("alert_sender")
link_redirect = _handler_fixture("link_redirect")
triage_rescore = _handler_fixture("triage_rescore")
open311_api = _handler_fixture("open311_api")
city_forward = _handler_fixture("city_forward")
city_poll = _handler_fixture("city_poll")


@pytest.fixture
def media(inbound_consumer: ModuleType, monkeypatch: pytest.MonkeyPatch) -> FakeMediaSource:
    """The inbound consumer as wired, but downloading media from an in-memory Twilio."""
    fake = FakeMediaSource()
    wired = inbound_consumer.dependencies
    monkeypatch.setattr(
        inbound_consumer, "dependencies", lambda: dataclasses.replace(wired(), media_source=fake)
    )
    return fake


@pytest.fixture
def atomic_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """Serialize requests to in-process moto.

    Real DynamoDB runs each request (a transaction included) atomically; moto's in-process backend does
    not (a cancelled transaction restores a snapshot of the whole table): threads would see races AWS has not.
    """
    lock = threading.RLock()
    original = BotocoreStubber.process_request

    def process_request(self: BotocoreStubber, request: Any) -> Any:
        with lock:
            return original(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", process_request)


@dataclass
class CapturedLogs:
    powertools: io.StringIO
    caplog: pytest.LogCaptureFixture
    capsys: pytest.CaptureFixture[str]

    def text(self) -> str:
        captured = self.capsys.readouterr()
        return "\n".join([self.powertools.getvalue(), self.caplog.text, captured.out, captured.err])

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.powertools.getvalue().splitlines() if line.strip()]


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> Iterator[CapturedLogs]:
    """Everything the functions log: Powertools' JSON lines, other loggers, and stdout (metrics)."""
    from switchboard.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    caplog.set_level(logging.INFO)
    try:
        yield CapturedLogs(powertools=stream, caplog=caplog, capsys=capsys)
    finally:
        logger.removeHandler(handler)


class LambdaContext:
    function_name = "switchboard-test-fn"
    function_version = "$LATEST"
    invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:switchboard-test-fn"
    memory_limit_in_mb = 256
    aws_request_id = "52fdfc07-2182-154f-163f-5f0f9a621d72"
    log_group_name = "/aws/lambda/switchboard-test-fn"
    log_stream_name = "2026/11/24/[$LATEST]abcdef"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


@pytest.fixture
def context() -> LambdaContext:
    return LambdaContext()
