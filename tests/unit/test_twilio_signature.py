"""Twilio signature checks against the known breakers: blank params, base64 bodies, URL, port, query order."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from switchboard.twilio_signature import (
    FormBody,
    MalformedBody,
    compute_signature,
    decode_body,
    is_valid_signature,
    parse_form,
    parse_form_body,
    signed_url,
)
from twilio.request_validator import RequestValidator

from events import SAMPLE_CONFIG, load_event

TOKEN = SAMPLE_CONFIG["auth_token"]
BASE = SAMPLE_CONFIG["PUBLIC_API_URL"]
URL = BASE + "/twilio/messages"
FORM = parse_form("MessageSid=SM1&Body=hello+there&ToCity=&FromZip=&From=%2B15555550123")


def test_the_signed_samples_validate_as_api_gateway_delivers_them() -> None:
    for name in [
        "twilio_messages_sms",
        "twilio_messages_mms",
        "twilio_messages_whatsapp",
        "twilio_status_delivered",
    ]:
        event = load_event(f"apigw/{name}.json")
        form = parse_form_body(event["body"], event["isBase64Encoded"])
        url = signed_url(BASE, event["rawPath"], event["rawQueryString"])
        assert is_valid_signature(TOKEN, url, form, event["headers"]["x-twilio-signature"]), name


def test_blank_parameters_are_kept_because_twilio_signs_them() -> None:
    signature = compute_signature(TOKEN, URL, FORM)
    without_blanks = FormBody(tuple((k, v) for k, v in FORM.pairs if v))

    assert ("ToCity", "") in FORM.pairs
    assert is_valid_signature(TOKEN, URL, FORM, signature)
    assert not is_valid_signature(TOKEN, URL, without_blanks, signature)


def test_base64_body_is_decoded_before_parsing() -> None:
    raw = "Body=caf%C3%A9&MessageSid=SM1&ToZip="
    encoded = base64.b64encode(raw.encode()).decode()

    assert parse_form_body(encoded, True) == parse_form_body(raw, False)
    assert parse_form_body(encoded, True).first("Body") == "café"


@pytest.mark.parametrize(
    "url",
    [
        "http://abc123def4.execute-api.us-east-1.amazonaws.com/twilio/messages",  # scheme
        BASE + ":8443/twilio/messages",  # port
        BASE + "/prod/twilio/messages",  # stage path
        BASE + "/twilio/messages/",  # trailing slash
        "https://evil.example/twilio/messages",  # host
    ],
)
def test_a_signature_over_another_url_is_refused(url: str) -> None:
    # Twilio signed what it called; we check against the configured public URL, never the request's Host.
    assert not is_valid_signature(TOKEN, URL, FORM, compute_signature(TOKEN, url, FORM))


def test_configured_url_with_a_port_must_match_the_port_twilio_called() -> None:
    local = "http://127.0.0.1:8787/twilio/messages"

    assert is_valid_signature(TOKEN, local, FORM, compute_signature(TOKEN, local, FORM))
    assert not is_valid_signature(
        TOKEN, local, FORM, compute_signature(TOKEN, local.replace("8787", "8788"), FORM)
    )


def test_the_default_port_is_equivalent_either_way() -> None:
    # Twilio's signing is inconsistent about :443; the SDK accepts both, and so do we.
    signature = compute_signature(TOKEN, BASE + ":443/twilio/messages", FORM)

    assert is_valid_signature(TOKEN, URL, FORM, signature)


def test_the_query_string_is_signed_in_the_order_received() -> None:
    signature = compute_signature(TOKEN, URL + "?b=2&a=1", FORM)

    assert is_valid_signature(TOKEN, signed_url(BASE, "/twilio/messages", "b=2&a=1"), FORM, signature)
    assert not is_valid_signature(TOKEN, signed_url(BASE, "/twilio/messages", "a=1&b=2"), FORM, signature)
    assert not is_valid_signature(TOKEN, signed_url(BASE, "/twilio/messages"), FORM, signature)


@pytest.mark.parametrize("signature", [None, "", "garbage", "A" * 28])
def test_missing_or_garbage_signature_fails_closed(signature: str | None) -> None:
    assert not is_valid_signature(TOKEN, URL, FORM, signature)


def test_wrong_token_or_changed_field_fails() -> None:
    signature = compute_signature(TOKEN, URL, FORM)
    changed = FormBody(tuple((k, "bye" if k == "Body" else v) for k, v in FORM.pairs))

    assert not is_valid_signature("other-token", URL, FORM, signature)
    assert not is_valid_signature("", URL, FORM, signature)
    assert not is_valid_signature(TOKEN, URL, changed, signature)


def test_repeated_fields_are_all_signed() -> None:
    form = parse_form("a=1&a=2&b=3")
    signature = compute_signature(TOKEN, URL, form)

    assert form.first("a") == "1" and form.as_dict() == {"a": "1", "b": "3"}
    assert is_valid_signature(TOKEN, URL, form, signature)
    assert not is_valid_signature(TOKEN, URL, parse_form("a=1&b=3"), signature)


@pytest.mark.parametrize(
    "body, is_base64",
    [("@@@", True), ("//79", True), ("a=%FF", False), ("novalue", False), ("a=1&&b=2", False)],
)
def test_malformed_bodies_raise_malformed_body(body: str, is_base64: bool) -> None:
    with pytest.raises(MalformedBody):
        parse_form_body(body, is_base64)


def test_no_body_is_an_empty_form() -> None:
    assert parse_form_body(None, False).pairs == ()
    assert decode_body(None, True) == ""


field_names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=20)
field_values = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
pairs = st.lists(st.tuples(field_names, field_values), max_size=30)


@given(pairs)
def test_any_form_survives_encoding_and_parsing_unchanged(fields: list[tuple[str, str]]) -> None:
    body = urlencode(fields)

    assert list(parse_form_body(body, False).pairs) == fields
    assert list(parse_form_body(base64.b64encode(body.encode()).decode(), True).pairs) == fields


@given(pairs)
def test_any_form_signed_by_twilio_validates(fields: list[tuple[str, str]]) -> None:
    form = parse_form(urlencode(fields))

    assert is_valid_signature(TOKEN, URL, form, compute_signature(TOKEN, URL, form))


@given(st.text(max_size=200), st.booleans())
def test_arbitrary_bodies_parse_or_raise_malformed_body_only(body: str, is_base64: bool) -> None:
    try:
        form = parse_form_body(body, is_base64)
    except MalformedBody:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in form.pairs)


@given(st.one_of(st.binary(max_size=200), pairs.map(lambda fields: urlencode(fields).encode())))
def test_a_base64_body_parses_exactly_as_its_decoded_text(raw: bytes) -> None:
    # Base64 is only a wrapping: the form is what the UTF-8 text inside says, and bytes that are not
    # UTF-8 (or not a form) are MalformedBody, never another error and never a partial form.
    try:
        text = raw.decode("utf-8")
        expected: FormBody | None = parse_form(text)
    except (UnicodeDecodeError, MalformedBody):
        expected = None
    try:
        parsed: FormBody | None = parse_form_body(base64.b64encode(raw).decode(), True)
    except MalformedBody:
        parsed = None
    assert parsed == expected


def test_an_empty_auth_token_refuses_even_a_signature_made_with_it() -> None:
    # An unset token must not turn into an HMAC key anyone can use: "" signs as well as any other key.
    signature = compute_signature("", URL, FORM)
    assert not is_valid_signature("", URL, FORM, signature)


def test_an_error_inside_validation_fails_closed() -> None:
    # A URL whose port is not a number makes Twilio's validator raise (urlparse().port): that is "not signed".
    url = "https://api.example.gov:port/twilio/messages"
    signature = compute_signature(TOKEN, url, FORM)
    with pytest.raises(ValueError, match="Port"):
        RequestValidator(TOKEN).validate(url, {}, signature)
    assert is_valid_signature(TOKEN, url, FORM, signature) is False


def test_a_form_of_more_than_512_fields_is_malformed_and_512_is_not() -> None:
    assert len(parse_form("&".join(f"f{n}=x" for n in range(512))).pairs) == 512
    with pytest.raises(MalformedBody):
        parse_form("&".join(f"f{n}=x" for n in range(513)))
