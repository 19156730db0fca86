"""The functions in this process against in-process moto, with the synthesized template's resources.

What the benchmarks need to drive handlers the way Lambda does: signed Twilio webhook events, SQS batches
made from what a queue holds, agent API events carrying JWT claims, a Lambda context, a fake Twilio REST
transport, and a sink that counts the bytes the functions log (instead of printing them over the table).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib
import io
import itertools
import json
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

from bench.template import Stack
from infra.local.resources import TWILIO_SECRET_ID, generated_secret_string

REPO_ROOT = Path(__file__).resolve().parent.parent
CODE_PATHS = [REPO_ROOT / "functions", REPO_ROOT / "layers" / "shared" / "python", REPO_ROOT]
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
AGENCY_NUMBER = "+15555550100"
PARAMETER_DEFAULTS = {"TwilioFromNumber": AGENCY_NUMBER, "TwilioMessagingServiceSid": ""}


def use_code_paths() -> None:
    for path in reversed(CODE_PATHS):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


def sample_config() -> dict[str, str]:
    use_code_paths()
    from events import SAMPLE_CONFIG

    return dict(SAMPLE_CONFIG)


# --- resources -------------------------------------------------------------------------------------------


def bring_up(stack: Stack) -> dict[str, str]:
    """Create the template's table, queues, buckets and secrets in moto (mock_aws must be active) and return
    the functions' environment with every reference resolved to what moto made."""
    import boto3

    config = sample_config()
    physical: dict[str, str] = {}
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for logical_id, resource in stack.resources("AWS::DynamoDB::Table").items():
        properties = {k: v for k, v in resource["Properties"].items() if k in _TABLE_ARGUMENTS}
        dynamodb.create_table(TableName=f"bench-{logical_id}", **properties)
        physical[logical_id] = f"bench-{logical_id}"
    sqs = boto3.client("sqs", region_name=REGION)
    for logical_id, resource in stack.resources("AWS::SQS::Queue").items():
        fifo = bool(resource["Properties"].get("FifoQueue"))
        attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "false"} if fifo else {}
        name = f"bench-{logical_id}" + (".fifo" if fifo else "")
        physical[logical_id] = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    s3 = boto3.client("s3", region_name=REGION)
    for logical_id in stack.resources("AWS::S3::Bucket"):
        s3.create_bucket(Bucket=f"bench-{logical_id.lower()}")
        physical[logical_id] = f"bench-{logical_id.lower()}"
    secrets = boto3.client("secretsmanager", region_name=REGION)
    credentials = {"account_sid": config["account_sid"], "auth_token": config["auth_token"]}
    for logical_id, resource in stack.resources("AWS::SecretsManager::Secret").items():
        # Only the Twilio secret holds credentials; the others (the chat token key) their own kind of value.
        value = (
            json.dumps(credentials)
            if logical_id == TWILIO_SECRET_ID
            else generated_secret_string(resource["Properties"])
        )
        secrets.create_secret(Name=f"bench-{logical_id}", SecretString=value)
        physical[logical_id] = f"bench-{logical_id}"

    return resolve_environment(stack, physical)


def resolve_environment(stack: Stack, physical: dict[str, str] | None = None) -> dict[str, str]:
    """The handlers' environment variables (merged, as the local stack does), references resolved to
    `physical` names, or to placeholders of the right shape when there is nothing real behind them."""
    config = sample_config()
    resources = stack.template["Resources"]

    def placeholder(logical_id: str) -> str:
        resource_type = resources.get(logical_id, {}).get("Type", "")
        if resource_type == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{logical_id}"
        return f"bench-{logical_id}"

    parameters = stack.template.get("Parameters", {})

    def arn(logical_id: str) -> str:
        resource_type = resources.get(logical_id, {}).get("Type", "")
        name = (physical or {}).get(logical_id, f"bench-{logical_id}").rsplit("/", 1)[-1]
        service = resource_type.split("::")[1].lower() if resource_type.count("::") == 2 else "bench"
        if service == "iam":
            return f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"
        if service == "dynamodb":
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
        return f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{name}"

    def resolve(value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and "Ref" in value:
            ref = value["Ref"]
            if ref in PARAMETER_DEFAULTS:
                return PARAMETER_DEFAULTS[ref]
            if ref in parameters:
                return str(parameters[ref].get("Default", ""))
            return (physical or {}).get(ref) or placeholder(ref)
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            logical_id, attribute = value["Fn::GetAtt"]
            if attribute == "ApiEndpoint":
                return config["PUBLIC_API_URL"]
            if attribute == "Arn":
                return arn(logical_id)
        return ""

    environment = {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "POWERTOOLS_TRACE_DISABLED": "true",
        # The bench's residents and agency number are +1 555 (not in service), like the local stack's.
        "SWITCHBOARD_FICTIONAL_NUMBERS": "1",
    }
    for function in stack.app_functions():
        environment.update({name: resolve(value) for name, value in function.environment.items()})
    return environment


_TABLE_ARGUMENTS = {"AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode"}


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """`values` set for the block; endpoint overrides (a local stack's) removed so moto's mock sees AWS."""
    endpoints = [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL")]
    saved = {name: os.environ.get(name) for name in [*values, *endpoints]}
    for name in endpoints:
        del os.environ[name]
    os.environ.update(values)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def load_handlers(stack: Stack) -> dict[str, ModuleType]:
    """Import (or re-import, for a fresh environment) each function's handler module, by logical id; the
    secrets cache is cleared so nothing leaks from an earlier moto."""
    use_code_paths()
    modules = {}
    for function in stack.app_functions():
        name = function.handler.rsplit(".", 1)[0]
        module = sys.modules.get(name)
        modules[function.logical_id] = importlib.reload(module) if module else importlib.import_module(name)
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()
    return modules


# --- bulk data --------------------------------------------------------------------------------------------


def write_items(table_name: str, items: list[dict[str, Any]]) -> float:
    """Write `items` into a local stack's table; the seconds it took. The local stack's moto runs in this
    process, so they go straight into moto's backend (the same Table.put_item a BatchWriteItem ends in, the
    local stack's index maps included): 808,318 items took 3,162 s through HTTP BatchWriteItem beside the
    running stack and take minutes this way. A table this process cannot see is written over HTTP."""
    from boto3.dynamodb.types import TypeSerializer

    from infra.local.template import ACCOUNT_ID as LOCAL_ACCOUNT
    from infra.local.template import REGION as LOCAL_REGION

    started = time.perf_counter()
    table = _moto_table(LOCAL_ACCOUNT, LOCAL_REGION, table_name)
    if table is None:
        _write_over_http(table_name, items)
        return time.perf_counter() - started
    serialize = TypeSerializer().serialize
    for item in items:
        table.put_item({name: serialize(value) for name, value in item.items()})
    return time.perf_counter() - started


def _moto_table(account_id: str, region: str, table_name: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    try:
        return dynamodb_backends[account_id][region].get_table(table_name)
    except Exception:  # noqa: BLE001 - moto's ResourceNotFound: the table lives in another process
        return None


def _write_over_http(table_name: str, items: list[dict[str, Any]]) -> None:
    import boto3

    chunks = [items[i : i + 2500] for i in range(0, len(items), 2500)]

    def write(chunk: list[dict[str, Any]]) -> None:
        table = boto3.resource("dynamodb").Table(table_name)
        with table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for item in chunk:
                batch.put_item(Item=item)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, chunks))


# --- events ----------------------------------------------------------------------------------------------


class LambdaContext:
    function_name = "switchboard-bench"
    function_version = "$LATEST"
    invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:switchboard-bench"
    memory_limit_in_mb = 256
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/switchboard-bench"
    log_stream_name = "2026/11/24/[$LATEST]bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


_sequence = itertools.count(1)


def new_sid(prefix: str = "SM") -> str:
    return prefix + hashlib.md5(f"bench-{next(_sequence)}".encode(), usedforsecurity=False).hexdigest()


def resident_number(index: int) -> str:
    return f"+1555{2000000 + index:07d}"


def inbound_form(
    sid: str, from_number: str, body: str, account_sid: str | None = None
) -> list[tuple[str, str]]:
    """The fields Twilio posts for an inbound SMS (blank ones included: they are signed too)."""
    return [
        ("ToCountry", "US"),
        ("ToState", "CA"),
        ("SmsMessageSid", sid),
        ("NumMedia", "0"),
        ("ToCity", ""),
        ("FromZip", ""),
        ("SmsSid", sid),
        ("FromState", "CA"),
        ("SmsStatus", "received"),
        ("FromCity", ""),
        ("Body", body),
        ("FromCountry", "US"),
        ("To", AGENCY_NUMBER),
        ("ToZip", ""),
        ("NumSegments", "1"),
        ("MessageSid", sid),
        ("AccountSid", account_sid or sample_config()["account_sid"]),
        ("From", from_number),
        ("ApiVersion", "2010-04-01"),
    ]


def status_form(sid: str, status: str, to_number: str) -> list[tuple[str, str]]:
    config = sample_config()
    return [
        ("SmsSid", sid),
        ("SmsStatus", status),
        ("MessageStatus", status),
        ("To", to_number),
        ("MessageSid", sid),
        ("AccountSid", config["account_sid"]),
        ("From", AGENCY_NUMBER),
        ("ApiVersion", "2010-04-01"),
    ]


def twilio_signature(url: str, form: list[tuple[str, str]], auth_token: str | None = None) -> str:
    use_code_paths()
    from switchboard.twilio_signature import FormBody, compute_signature

    token = auth_token or sample_config()["auth_token"]
    return str(compute_signature(token, url, FormBody(pairs=tuple(form))))


def webhook_event(
    route_path: str,
    form: list[tuple[str, str]],
    public_api_url: str | None = None,
    auth_token: str | None = None,
) -> dict[str, Any]:
    """An HTTP API (payload 2.0) event of a Twilio POST to `route_path`, signed as Twilio signs it (for
    the sample account unless another base URL and token are given)."""
    use_code_paths()
    from events import load_event

    messages = route_path == "/twilio/messages"
    event = load_event("apigw/twilio_messages_sms.json" if messages else "apigw/twilio_status_delivered.json")
    body = urlencode(form)
    event["body"] = base64.b64encode(body.encode("utf-8")).decode("ascii")
    event["isBase64Encoded"] = True
    event["headers"]["content-length"] = str(len(body))
    signed_url = (public_api_url or sample_config()["PUBLIC_API_URL"]) + route_path
    event["headers"]["x-twilio-signature"] = twilio_signature(signed_url, form, auth_token)
    return event


def reply_event(thread_id: str, body: str) -> dict[str, Any]:
    use_code_paths()
    from events import load_event

    event = load_event("apigw/api_reply.json")
    path = f"/api/threads/{thread_id}/messages"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"proxy": path.removeprefix("/api/")}
    event["body"] = json.dumps({"body": body})
    return event


def delete_handled(sqs: Any, queue_url: str, event: dict[str, Any], result: dict[str, Any] | None) -> None:
    """What the event source mapping does after an invocation: delete every record not reported failed."""
    failed = {item["itemIdentifier"] for item in (result or {}).get("batchItemFailures", [])}
    entries = [
        {"Id": str(i), "ReceiptHandle": record["receiptHandle"]}
        for i, record in enumerate(event["Records"])
        if record["messageId"] not in failed
    ]
    for start in range(0, len(entries), 10):
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries[start : start + 10])


def empty_queue(sqs: Any, queue_url: str) -> None:
    """Receive and delete until nothing comes back (PurgeQueue allows one call a minute)."""
    while (event := sqs_event(sqs, queue_url, 10))["Records"]:
        delete_handled(sqs, queue_url, event, None)


def sqs_event(sqs: Any, queue_url: str, limit: int) -> dict[str, Any]:
    """Up to `limit` messages from the queue, shaped as Lambda's SQS event source mapping delivers them."""
    records: list[dict[str, Any]] = []
    while len(records) < limit:
        response = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=min(10, limit - len(records)),
            MessageSystemAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            break
        for message in messages:
            records.append(
                {
                    "messageId": message["MessageId"],
                    "receiptHandle": message["ReceiptHandle"],
                    "body": message["Body"],
                    "attributes": message.get("Attributes", {}),
                    "messageAttributes": {},
                    "md5OfBody": message["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue_url.rsplit('/', 1)[-1]}",
                    "awsRegion": REGION,
                }
            )
    return {"Records": records}


# --- Twilio REST and logs ----------------------------------------------------------------------------------


def fake_twilio_transport() -> Any:
    """The transport under the real twilio `Client`: answers every messages.create with a new SID."""
    use_code_paths()
    from twilio.http import HttpClient
    from twilio.http.response import Response

    class FakeTwilio(HttpClient):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(logger=None, is_async=False)
            self.sent: list[dict[str, Any]] = []

        def request(self, method: str, url: str, params: Any = None, data: Any = None, **_: Any) -> Response:
            data = dict(data or {})
            sid = new_sid()
            self.sent.append({"sid": sid, **data})
            account = sample_config()["account_sid"]
            body = {
                "sid": sid,
                "status": "queued",
                "account_sid": account,
                "to": data.get("To"),
                "from": data.get("From"),
                "body": data.get("Body"),
                "num_segments": "1",
            }
            return Response(201, json.dumps(body))

    return FakeTwilio()


class ByteSink(io.TextIOBase):
    """A text stream that only counts the UTF-8 bytes written to it."""

    def __init__(self) -> None:
        self.bytes = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.bytes += len(text.encode("utf-8"))
        return len(text)


@contextlib.contextmanager
def logs_into(sink: io.TextIOBase) -> Iterator[None]:
    """Send the functions' Powertools log lines and EMF metrics (stdout) into `sink`."""
    use_code_paths()
    import logging

    from switchboard.observability import logger

    handlers = [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    streams = [h.setStream(sink) for h in handlers]
    try:
        with contextlib.redirect_stdout(sink):
            yield
    finally:
        for handler, stream in zip(handlers, streams, strict=True):
            if stream is not None:
                handler.setStream(stream)
