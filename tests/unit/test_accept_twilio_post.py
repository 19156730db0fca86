"""The webhook's decision, with an in-memory queue: 403 unless signed, 400 unless well-formed, else queued."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest
from channels.logic.accept_twilio_post import (
    INBOUND_MESSAGE,
    INLINE_FIELD_CHARS,
    MAX_TWILIO_POST_BYTES,
    QUEUED_PARAMS_BUDGET,
    STATUS_CALLBACK,
    accept_twilio_post,
    resident_group_id,
)
from channels.models.webhooks import EMPTY_TWIML, TwilioPost
from switchboard.twilio_credentials import TwilioCredentials
from switchboard.twilio_signature import compute_signature, parse_form

from tests.unit.fakes import InMemoryPublisher

BASE = "https://hooks.example.org"
ACCOUNT = TwilioCredentials(account_sid="AC" + "1" * 32, auth_token="token-1")
INBOUND = [
    ("MessageSid", "SM" + "2" * 32),
    ("From", "+15555550123"),
    ("To", "+15555550100"),
    ("AccountSid", ACCOUNT.account_sid),
    ("Body", "hello"),
    ("ToCity", ""),
]
STATUS = [
    ("MessageSid", "SM" + "3" * 32),
    ("MessageStatus", "delivered"),
    ("AccountSid", ACCOUNT.account_sid),
]


def post(
    fields: list[tuple[str, str]], route: str = "/twilio/messages", token: str = ACCOUNT.auth_token
) -> TwilioPost:
    body = urlencode(fields)
    signature = compute_signature(token, BASE + route, parse_form(body))
    return TwilioPost(
        body=base64.b64encode(body.encode()).decode(), is_base64_encoded=True, signature=signature
    )


class CountingCredentials:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> TwilioCredentials:
        self.calls += 1
        return ACCOUNT


def judge(request: TwilioPost, spec=INBOUND_MESSAGE) -> tuple[int, InMemoryPublisher, CountingCredentials]:  # type: ignore[no-untyped-def]
    publisher, credentials = InMemoryPublisher(), CountingCredentials()
    reply = accept_twilio_post(
        request, spec, credentials=credentials, public_api_url=BASE, publisher=publisher, received_at="T"
    )
    return reply.status_code, publisher, credentials


def test_signed_inbound_message_is_queued_in_its_residents_group() -> None:
    status, publisher, _ = judge(post(INBOUND))

    assert status == 200
    [event] = publisher.events
    assert event.body() == {"kind": "twilio.inbound", "received_at": "T", "params": dict(INBOUND)}
    assert event.group_id == resident_group_id("+15555550123") and len(event.group_id) == 32
    assert event.deduplication_id == "SM" + "2" * 32


def test_success_answers_with_empty_twiml() -> None:
    reply = accept_twilio_post(
        post(INBOUND),
        INBOUND_MESSAGE,
        credentials=lambda: ACCOUNT,
        public_api_url=BASE,
        publisher=InMemoryPublisher(),
        received_at="T",
    )

    assert (reply.body, reply.content_type) == (EMPTY_TWIML, "text/xml")


def test_status_callback_goes_to_a_standard_queue_without_group() -> None:
    status, publisher, _ = judge(post(STATUS, "/twilio/status"), STATUS_CALLBACK)

    assert status == 200
    assert publisher.events[0].group_id is None and publisher.events[0].deduplication_id is None


def test_unsigned_post_costs_no_secret_lookup() -> None:
    request = post(INBOUND)
    status, publisher, credentials = judge(TwilioPost(request.body, True, signature=None))

    assert (status, publisher.events, credentials.calls) == (403, [], 0)


@pytest.mark.parametrize(
    "request_",
    [
        post(INBOUND, token="token-2"),
        post(INBOUND, route="/twilio/status"),
        TwilioPost(post(INBOUND).body, True, signature=post(INBOUND[:-1]).signature),
    ],
    ids=["other-token", "other-route", "other-form"],
)
def test_bad_signature_is_forbidden_and_nothing_is_queued(request_: TwilioPost) -> None:
    status, publisher, _ = judge(request_)

    assert (status, publisher.events) == (403, [])


@pytest.mark.parametrize("missing", ["MessageSid", "From", "To", "AccountSid"])
def test_missing_required_field_is_a_bad_request(missing: str) -> None:
    status, publisher, _ = judge(post([(k, v) for k, v in INBOUND if k != missing]))

    assert (status, publisher.events) == (400, [])


def test_status_callback_needs_its_status() -> None:
    status, _, _ = judge(post(STATUS[:1] + STATUS[2:], "/twilio/status"), STATUS_CALLBACK)

    assert status == 400


def test_malformed_sid_is_a_bad_request() -> None:
    status, _, _ = judge(post([(k, "SM/../x" if k == "MessageSid" else v) for k, v in INBOUND]))

    assert status == 400


def test_other_account_is_forbidden() -> None:
    status, publisher, _ = judge(post([(k, "AC" + "9" * 32 if k == "AccountSid" else v) for k, v in INBOUND]))

    assert (status, publisher.events) == (403, [])


def test_undecodable_body_is_a_bad_request() -> None:
    status, publisher, _ = judge(TwilioPost(body="!!", is_base64_encoded=True, signature="sig"))

    assert (status, publisher.events) == (400, [])


def test_signature_header_is_found_whatever_its_case() -> None:
    request = post(INBOUND)
    event = {
        "body": request.body,
        "isBase64Encoded": True,
        "headers": {"X-Twilio-Signature": request.signature},
    }

    assert TwilioPost.from_http_api_event(event).signature == request.signature


class InMemoryOversizeStore:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, content: bytes) -> None:
        self.objects[key] = content


def judge_with_oversize(request: TwilioPost) -> tuple[int, InMemoryPublisher, InMemoryOversizeStore]:
    publisher, store = InMemoryPublisher(), InMemoryOversizeStore()
    reply = accept_twilio_post(
        request,
        INBOUND_MESSAGE,
        credentials=lambda: ACCOUNT,
        public_api_url=BASE,
        publisher=publisher,
        received_at="T",
        oversize=store,
    )
    return reply.status_code, publisher, store


def test_a_post_over_the_cap_is_refused_before_its_signature_is_looked_at() -> None:
    # Given a post one byte over the cap, signed or not
    fields = [*INBOUND[:-2], ("Body", "x" * MAX_TWILIO_POST_BYTES)]
    status, publisher, credentials = judge(post(fields))

    assert (status, publisher.events, credentials.calls) == (413, [], 0)


def test_a_short_post_is_queued_whole_and_nothing_is_set_aside() -> None:
    status, publisher, store = judge_with_oversize(post(INBOUND))

    assert status == 200 and store.objects == {}
    assert publisher.events[0].body()["params"] == dict(INBOUND)
    assert "oversize" not in publisher.events[0].body()


def test_a_long_body_is_kept_whole_aside_and_queued_as_its_start() -> None:
    # Given a signed post whose Body is 900 KB (Twilio sent it: our account signed it)
    long_body = "é" + "long text " * 90_000
    fields = [*INBOUND[:-2], ("Body", long_body), ("ToCity", "")]
    status, publisher, store = judge_with_oversize(post(fields))

    assert status == 200
    [event] = publisher.events
    sid = dict(INBOUND)["MessageSid"]
    assert event.params["Body"] == long_body[:INLINE_FIELD_CHARS]
    assert event.body()["oversize"] == {
        "key": f"oversize/twilio.inbound/{sid}.json",
        "fields": {"Body": len(long_body)},
    }
    assert json.loads(store.objects[f"oversize/twilio.inbound/{sid}.json"]) == dict(fields)


def test_many_fields_just_under_the_cut_are_set_aside_until_the_message_fits() -> None:
    # Given 60 extra fields of 4,000 quote characters (JSON doubles each): 480 KB in a queue message
    extra = [(f"Extra{i}", '"' * 4000) for i in range(60)]
    status, publisher, store = judge_with_oversize(post([*INBOUND, *extra]))

    assert status == 200 and len(store.objects) == 1
    event = publisher.events[0]
    assert len(json.dumps(event.body()).encode()) <= QUEUED_PARAMS_BUDGET + 1024
    assert {event.params[name] for name in ("MessageSid", "From", "To", "AccountSid")} == {
        value for name, value in INBOUND if name in ("MessageSid", "From", "To", "AccountSid")
    }
    assert set(event.body()["oversize"]["fields"]) <= {name for name, _ in extra}


@pytest.mark.parametrize("missing", ["MessageSid", "MessageStatus", "AccountSid"])
def test_a_status_callback_missing_any_required_field_is_a_bad_request(missing: str) -> None:
    fields = [(k, v) for k, v in STATUS if k != missing]
    status, publisher, _ = judge(post(fields, "/twilio/status"), STATUS_CALLBACK)

    assert (status, publisher.events) == (400, [])
