"""Consent on the local stack: a resident's STOP through the signed webhook is confirmed through the local
Twilio endpoint, and a later non-transactional message to them is refused by the sender."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key

from infra.local.stack import DEMO_AGENCY_NAME, REGION, LocalStack

pytestmark = pytest.mark.e2e


def resident() -> str:
    return "+1555" + "".join(secrets.choice("0123456789") for _ in range(7))


def eventually(check: Callable[[], Any], timeout_s: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def bodies_to(stack: LocalStack, address: str) -> list[str]:
    return [m["body"] for m in stack.twilio.messages_to(address)]


def table(stack: LocalStack) -> Any:
    dynamodb = boto3.resource("dynamodb", endpoint_url=stack.moto_url, region_name=REGION)
    return dynamodb.Table(stack.outputs["TableName"])


def queue_alert(stack: LocalStack, address: str, body: str, topic: str | None = None) -> tuple[str, str]:
    """What an alert fan-out will do: store it in the resident's thread, queue it non-transactional."""
    from inbox.dal.inbox_table import InboxTable
    from inbox.integrations.reply_queue import SqsReplyQueue
    from inbox.models.conversations import Message
    from inbox.models.records import ThreadActivity, new_id
    from switchboard.clock import utc_now_iso
    from switchboard.phone import parse_address
    from switchboard.table_keys import message_sk

    inbox = InboxTable(table(stack))
    thread_id = inbox.thread_for_resident(parse_address(address), new_id(), utc_now_iso())
    at, message_id = utc_now_iso(), new_id()
    alert = Message(
        message_id=message_id, thread_id=thread_id, direction="out", body=body, status="accepted",
        created_at=at, author="alerts",
    )  # fmt: skip
    assert inbox.store_reply(alert, ThreadActivity(thread_id, parse_address(address), at, body, "out"))
    sqs = boto3.client("sqs", endpoint_url=stack.moto_url, region_name=REGION)
    SqsReplyQueue(sqs, stack.outputs["OutboundQueueUrl"]).enqueue(
        thread_id, message_id, message_sk(at, message_id), category="non_transactional", topic=topic
    )
    return thread_id, message_sk(at, message_id)


def stored(stack: LocalStack, thread_id: str, sk: str) -> dict[str, Any]:
    return dict(table(stack).get_item(Key={"pk": f"THREAD#{thread_id}", "sk": sk})["Item"])


def test_stop_is_confirmed_and_a_later_alert_is_refused(local_stack: LocalStack) -> None:
    address = resident()
    local_stack.send_inbound(address, "JOIN WATER")
    eventually(lambda: any("subscribed to Water service" in b for b in bodies_to(local_stack, address)))
    # An alert before the STOP goes out
    thread_id, before = queue_alert(local_stack, address, "Boil water notice for Elm St.", "WATER")
    eventually(lambda: "Boil water notice for Elm St." in bodies_to(local_stack, address))

    status, _ = local_stack.send_inbound(address, "  stop. ")
    assert status == 200
    confirmation = eventually(
        lambda: [b for b in bodies_to(local_stack, address) if "You are unsubscribed" in b]
    )
    assert confirmation[0].startswith(f"{DEMO_AGENCY_NAME}: ")

    _, after = queue_alert(local_stack, address, "Boil water notice lifted.", "WATER")
    refused = eventually(lambda: (m := stored(local_stack, thread_id, after))["status"] == "failed" and m)
    assert refused["error_code"] == "opted_out"
    local_stack.wait_until_idle()
    assert "Boil water notice lifted." not in bodies_to(local_stack, address)
    assert stored(local_stack, thread_id, before)["status"] in ("sent", "delivered")

    # START resumes: the next alert goes out again
    local_stack.send_inbound(address, "START")
    eventually(lambda: any("resubscribed" in b for b in bodies_to(local_stack, address)))
    queue_alert(local_stack, address, "Water main repaired.", "WATER")
    eventually(lambda: "Water main repaired." in bodies_to(local_stack, address))


def test_help_join_and_a_zip_code_by_text(local_stack: LocalStack) -> None:
    address = resident()
    local_stack.send_inbound(address, "HELP")
    help_reply = eventually(lambda: bodies_to(local_stack, address))[0]
    assert help_reply.startswith(f"{DEMO_AGENCY_NAME}: ") and "STOP" in help_reply

    local_stack.send_inbound(address, "Join Water")
    eventually(lambda: any("subscribed to Water service" in b for b in bodies_to(local_stack, address)))
    local_stack.send_inbound(address, "94110")
    eventually(lambda: any("ZIP 94110" in b for b in bodies_to(local_stack, address)))
    subscriber = table(local_stack).get_item(Key={"pk": "SUBS#WATER", "sk": f"ADDR#{address}"})["Item"]
    assert subscriber["zones"] == ["zip:94110"]


def test_after_stop_the_local_twilio_answers_21610_like_twilio_and_staff_replies_are_refused(
    local_stack: LocalStack,
) -> None:
    from switchboard.twilio_client import build_twilio_client
    from switchboard.twilio_credentials import TwilioCredentials
    from twilio.base.exceptions import TwilioRestException

    from infra.local.stack import DEMO_AGENCY_NUMBER, DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD
    from tests.e2e.test_local_stack_api import call, thread_of

    address = resident()
    local_stack.send_inbound(address, "Is the pool open?")
    token = local_stack.sign_in(DEMO_AGENT_EMAIL, DEMO_AGENT_PASSWORD)
    thread = eventually(lambda: thread_of(local_stack, token, address))

    # Given the resident texts STOP: Twilio learns it on the way in, the agency's ledger from the webhook
    local_stack.send_inbound(address, "STOP")
    local_stack.wait_until_idle()

    # Then the agency's own STOP confirmation was answered 21610, recorded, and never retried
    def items(pk: str) -> list[dict[str, Any]]:
        return list(table(local_stack).query(KeyConditionExpression=Key("pk").eq(pk))["Items"])

    def failed_confirmation() -> dict[str, Any] | None:
        thread_items = items(f"THREAD#{thread['thread_id']}")
        return next(
            (m for m in thread_items if "unsubscribed" in str(m.get("body")) and m.get("status") == "failed"),
            None,
        )

    assert eventually(failed_confirmation)["error_code"] == "21610"
    assert not [b for b in bodies_to(local_stack, address) if "unsubscribed" in b]
    sources = {i.get("source") for i in items(f"ADDR#{address}") if str(i["sk"]).startswith("CONSENT#")}
    assert sources == {"keyword", "carrier_error"}

    # And a staff reply is refused by the API with the reason and START, before anything reaches Twilio
    path = f"/api/threads/{thread['thread_id']}/messages"
    status, _, body = call(local_stack, "POST", path, token, body={"body": "We are open until 8."})
    answer = json.loads(body)
    assert status == 409 and answer["error"] == "opted_out" and answer["resume_keyword"] == "START"

    # The local Twilio refuses any send to the number, as Twilio does, until the resident texts START
    client = build_twilio_client(
        TwilioCredentials(local_stack.account_sid, local_stack.auth_token),
        api_base_url=local_stack.twilio.url,
    )
    with pytest.raises(TwilioRestException) as refused:
        client.messages.create(to=address, from_=DEMO_AGENCY_NUMBER, body="Direct")
    assert refused.value.code == 21610 and refused.value.status == 400
    local_stack.send_inbound(address, "START")
    eventually(lambda: any("resubscribed" in b for b in bodies_to(local_stack, address)))
    status, _, _ = call(local_stack, "POST", path, token, body={"body": "We are open until 8."})
    assert status == 202
    eventually(lambda: "We are open until 8." in bodies_to(local_stack, address))
