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


# The caps as docs/architecture.md ("Size caps") states them, written out: a test that read them from the
# module would move with them.
POST_CAP_BYTES = 1_048_576  # 1 MiB of form
INLINE_CHARS = 4096  # a WhatsApp text
PARAMS_BUDGET_BYTES = 196_608  # 192 KiB of params in one queue message


def plain_post(body: str) -> TwilioPost:
    """A signed post whose body arrives as it was sent (not base64), so its size is its UTF-8 length."""
    signature = compute_signature(ACCOUNT.auth_token, BASE + "/twilio/messages", parse_form(body))
    return TwilioPost(body=body, is_base64_encoded=False, signature=signature)


@pytest.mark.parametrize(("size", "status"), [(POST_CAP_BYTES, 200), (POST_CAP_BYTES + 1, 413)])
def test_the_post_cap_is_one_mebibyte_exactly(size: int, status: int) -> None:
    start = urlencode(INBOUND[:4]) + "&Body="
    body = start + "x" * (size - len(start))
    assert len(body.encode()) == size

    got, publisher, credentials = judge(plain_post(body))

    assert (got, len(publisher.events), credentials.calls) == ((200, 1, 1) if status == 200 else (413, 0, 0))


def test_a_field_of_exactly_the_inline_length_stays_whole_in_the_message() -> None:
    fields = [*INBOUND[:4], ("Body", "é" * INLINE_CHARS)]
    status, publisher, store = judge_with_oversize(post(fields))

    assert (status, store.objects) == (200, {})
    assert publisher.events[0].params["Body"] == "é" * 4096 and publisher.events[0].oversize is None


def test_one_character_more_keeps_the_form_aside_as_compact_utf8_json() -> None:
    fields = [*INBOUND[:4], ("Body", "é" * (INLINE_CHARS + 1))]
    status, publisher, store = judge_with_oversize(post(fields))

    sid = "SM" + "2" * 32
    key = f"oversize/twilio.inbound/{sid}.json"
    assert status == 200
    assert publisher.events[0].params["Body"] == "é" * 4096
    assert publisher.events[0].oversize == {"key": key, "fields": {"Body": 4097}}
    # The whole form, as written: no spaces, é as its two UTF-8 bytes (not \u00e9).
    assert store.objects == {
        key: (
            '{"MessageSid":"SM22222222222222222222222222222222","From":"+15555550123","To":"+15555550100",'
            '"AccountSid":"AC11111111111111111111111111111111","Body":"' + "é" * 4097 + '"}'
        ).encode("utf-8")
    }


def weight(fields: list[tuple[str, str]]) -> int:
    """What the fields weigh in a queue message, each as `{"name": "value"}` in UTF-8: name + value + 8 bytes,
    for values JSON writes as they are (letters, digits, +, é)."""
    return sum(len(name) + len(value.encode("utf-8")) + 8 for name, value in fields)


def form_weighing(total: int, pad: str) -> list[tuple[str, str]]:
    """INBOUND, 48 fields `Pad00`.. holding `pad` (4,013 bytes each), then smaller `Fill` fields up to
    `total` bytes."""
    fields = [*INBOUND, *[(f"Pad{i:02}", pad) for i in range(48)]]
    rest, n = total - weight(fields), 0
    while rest > 0:
        chunk = min(rest, 3013)  # a 5-letter name and 8 bytes of JSON around the value: 13 bytes
        fields.append((f"Fill{n}", "y" * (chunk - 13)))
        rest, n = rest - chunk, n + 1
    assert weight(fields) == total
    return fields


@pytest.mark.parametrize("pad", ["y" * 4000, "é" * 2000], ids=["ascii", "two-byte"])
@pytest.mark.parametrize(
    ("over", "aside"),
    [(0, []), (1, ["Pad00"]), (4000, ["Pad00"]), (4001, ["Pad00", "Pad01"])],
    ids=["at-budget", "1-over", "4000-over", "4001-over"],
)
def test_the_biggest_fields_go_aside_until_the_params_weigh_at_most_192_kib(
    pad: str, over: int, aside: list[str]
) -> None:
    # Given a form whose params weigh the budget plus `over` bytes (é counts its two UTF-8 bytes, as in the
    # queue message); each field set aside saves its value's 4,000 bytes and stays in the message, empty
    fields = form_weighing(PARAMS_BUDGET_BYTES + over, pad)
    status, publisher, store = judge_with_oversize(post(fields))

    event = publisher.events[0]
    assert status == 200 and len(store.objects) == (1 if aside else 0)
    assert (event.oversize or {}).get("fields", {}) == {name: len(pad) for name in aside}
    assert event.params == {name: "" if name in aside else value for name, value in fields}


def test_required_fields_stay_in_the_message_though_they_are_the_biggest() -> None:
    # Given a To of 4,096 characters (longer than any other field) and params 8,307 bytes over the budget
    to = "+1" + "5" * 4094
    fields = [
        *[(k, to if k == "To" else v) for k, v in INBOUND],
        *[(f"Pad{i:02}", "y" * 4000) for i in range(50)],
    ]
    assert weight(fields) == PARAMS_BUDGET_BYTES + 8307
    status, publisher, _ = judge_with_oversize(post(fields))

    event = publisher.events[0]
    assert status == 200 and event.params["To"] == to
    assert event.oversize is not None
    assert event.oversize["fields"] == {"Pad00": 4000, "Pad01": 4000, "Pad02": 4000}
