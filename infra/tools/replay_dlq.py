"""Re-drive a dead-letter queue to its source queue.

    python -m infra.tools.replay_dlq InboundQueue          # cloud: SQS StartMessageMoveTask
    python -m infra.tools.replay_dlq InboundQueue --local  # local stack at AWS_ENDPOINT_URL: receive, re-send

The source queue is found by its logical name (the CDK construct id, e.g. InboundQueue): from the
CloudFormation stack's outputs or resources when the stack exists, else by queue name. Its DLQ is the one its
RedrivePolicy names. Locally each message is re-sent with its MessageGroupId and MessageDeduplicationId (FIFO)
and deleted from the DLQ only after the send succeeded; the first failure stops the run, so FIFO order within
a group is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

DEFAULT_STACK = "Switchboard"
_DLQ_NAME = re.compile(r"dlq|deadletter", re.IGNORECASE)


class ReplayError(RuntimeError):
    pass


@dataclass(frozen=True)
class QueuePair:
    source_url: str
    source_arn: str
    dlq_url: str
    dlq_arn: str

    @property
    def fifo(self) -> bool:
        return self.source_url.endswith(".fifo")


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _from_stack(cloudformation: Any, stack: str, logical_name: str) -> str | None:
    """The source queue URL from the stack's outputs (`<Name>Url`) or resources, if the stack exists."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack).get("Stacks", [])
    except (ClientError, BotoCoreError):
        return None
    wanted = _squash(logical_name)
    for output in stacks[0].get("Outputs", []) if stacks else []:
        key = _squash(output.get("OutputKey", ""))
        if key.startswith(wanted) and key.endswith("url") and not _DLQ_NAME.search(key):
            return str(output["OutputValue"])
    paginator = cloudformation.get_paginator("list_stack_resources")
    candidates = [
        resource["PhysicalResourceId"]
        for page in paginator.paginate(StackName=stack)
        for resource in page["StackResourceSummaries"]
        if resource["ResourceType"] == "AWS::SQS::Queue"
        and wanted in _squash(resource["LogicalResourceId"])
        and not _DLQ_NAME.search(resource["LogicalResourceId"])
    ]
    return candidates[0] if len(candidates) == 1 else None


def _from_queue_names(sqs: Any, logical_name: str) -> str:
    wanted = _squash(logical_name)
    urls = [
        url
        for page in sqs.get_paginator("list_queues").paginate()
        for url in page.get("QueueUrls", [])
        if wanted in _squash(url.rsplit("/", 1)[-1]) and not _DLQ_NAME.search(url.rsplit("/", 1)[-1])
    ]
    if len(urls) != 1:
        raise ReplayError(f"expected one queue named like {logical_name!r}, found {len(urls)}: {urls}")
    return urls[0]


def find_queue_pair(
    sqs: Any, cloudformation: Any, logical_name: str, stack: str = DEFAULT_STACK
) -> QueuePair:
    source_url = _from_stack(cloudformation, stack, logical_name) or _from_queue_names(sqs, logical_name)
    attributes = sqs.get_queue_attributes(QueueUrl=source_url, AttributeNames=["QueueArn", "RedrivePolicy"])[
        "Attributes"
    ]
    if "RedrivePolicy" not in attributes:
        raise ReplayError(f"{source_url} has no dead-letter queue")
    dlq_arn = json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"]
    _, _, _, _, account, dlq_name = dlq_arn.split(":", 5)
    dlq_url = sqs.get_queue_url(QueueName=dlq_name, QueueOwnerAWSAccountId=account)["QueueUrl"]
    return QueuePair(
        source_url=source_url, source_arn=attributes["QueueArn"], dlq_url=dlq_url, dlq_arn=dlq_arn
    )


def start_move_task(sqs: Any, pair: QueuePair) -> str:
    """SQS moves the messages itself (FIFO included), keeping their attributes; returns the task handle."""
    return str(
        sqs.start_message_move_task(SourceArn=pair.dlq_arn, DestinationArn=pair.source_arn)["TaskHandle"]
    )


def _attributes_to_send(attributes: dict[str, Any]) -> dict[str, Any]:
    # receive_message answers with list fields that send_message does not accept.
    keep = ("DataType", "StringValue", "BinaryValue")
    return {name: {k: v for k, v in value.items() if k in keep} for name, value in attributes.items()}


def replay_locally(sqs: Any, pair: QueuePair, max_messages: int = 1000) -> int:
    """Receive from the DLQ, re-send to the source, delete after each successful send; returns the count."""
    moved = 0
    while moved < max_messages:
        received = sqs.receive_message(
            QueueUrl=pair.dlq_url,
            MaxNumberOfMessages=min(10, max_messages - moved),
            WaitTimeSeconds=0,
            VisibilityTimeout=60,
            MessageSystemAttributeNames=["MessageGroupId", "MessageDeduplicationId"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return moved
        for message in received:
            request: dict[str, Any] = {"QueueUrl": pair.source_url, "MessageBody": message["Body"]}
            if message.get("MessageAttributes"):
                request["MessageAttributes"] = _attributes_to_send(message["MessageAttributes"])
            if pair.fifo:
                system = message.get("Attributes", {})
                request["MessageGroupId"] = system["MessageGroupId"]
                # The original id: a message replayed within SQS's 5-minute window would be dropped as a
                # duplicate, but a DLQ only receives a message after maxReceiveCount visibility timeouts.
                if system.get("MessageDeduplicationId"):
                    request["MessageDeduplicationId"] = system["MessageDeduplicationId"]
            sqs.send_message(**request)  # raises: the message stays in the DLQ and reappears after 60 s
            sqs.delete_message(QueueUrl=pair.dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.tools.replay_dlq", description=__doc__.split("\n")[0]
    )
    parser.add_argument("queue", help="logical name of the source queue, e.g. InboundQueue")
    parser.add_argument("--local", action="store_true", help="the local stack at AWS_ENDPOINT_URL")
    parser.add_argument("--stack", default=os.environ.get("SWITCHBOARD_STACK_NAME", DEFAULT_STACK))
    parser.add_argument("--max-messages", type=int, default=1000, help="locally: stop after this many")
    args = parser.parse_args(argv)

    endpoint = os.environ.get("AWS_ENDPOINT_URL") if args.local else None
    if args.local and not endpoint:
        parser.error("--local needs AWS_ENDPOINT_URL (the local stack's moto server)")
    session = boto3.session.Session()
    region = session.region_name or "us-east-1"
    sqs = session.client("sqs", region_name=region, endpoint_url=endpoint)
    cloudformation = session.client("cloudformation", region_name=region, endpoint_url=endpoint)
    try:
        pair = find_queue_pair(sqs, cloudformation, args.queue, args.stack)
        if args.local:
            moved = replay_locally(sqs, pair, args.max_messages)
            print(f"moved {moved} message(s) from {pair.dlq_url} to {pair.source_url}")
        else:
            handle = start_move_task(sqs, pair)
            print(f"started moving {pair.dlq_arn} -> {pair.source_arn} (task {handle})")
    except (ReplayError, ClientError, BotoCoreError) as error:
        print(f"replay failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
