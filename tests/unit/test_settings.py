"""Settings are checked at cold start; a missing variable is named in the error."""

from __future__ import annotations

import pytest
from switchboard.clock import format_timestamp, normalize_timestamp
from switchboard.settings import (
    AgentApiSettings,
    InboundConsumerSettings,
    InboundWebhookSettings,
    SettingsError,
    SmsSenderSettings,
    load_settings,
)

SENDER = {
    "TABLE_NAME": "t",
    "TWILIO_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:twilio-AbCdEf",
    "PUBLIC_API_URL": "https://api.example.org/",
    "TWILIO_FROM_NUMBER": "+15555550100",
}


def test_missing_variable_is_named() -> None:
    with pytest.raises(SettingsError, match=r"missing environment variable\(s\): OUTBOUND_QUEUE_URL"):
        load_settings(AgentApiSettings, {"TABLE_NAME": "t", "MEDIA_BUCKET": "b"})


def test_empty_required_variable_is_invalid_and_named() -> None:
    with pytest.raises(SettingsError, match="INBOUND_QUEUE_URL"):
        load_settings(
            InboundWebhookSettings,
            {"TWILIO_SECRET_ARN": "s", "PUBLIC_API_URL": "https://x", "INBOUND_QUEUE_URL": "  "},
        )


def test_every_missing_variable_is_named_at_once() -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(SmsSenderSettings, {})

    assert all(name in str(error.value) for name in ["TABLE_NAME", "TWILIO_SECRET_ARN", "PUBLIC_API_URL"])


def test_public_url_loses_its_trailing_slash_and_builds_the_status_callback() -> None:
    settings = load_settings(SmsSenderSettings, SENDER)

    assert settings.public_api_url == "https://api.example.org"
    assert settings.status_callback_url == "https://api.example.org/twilio/status"


def test_sender_needs_a_from_number_or_a_messaging_service() -> None:
    with pytest.raises(SettingsError, match="TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID"):
        load_settings(SmsSenderSettings, {**SENDER, "TWILIO_FROM_NUMBER": ""})

    service = "MG" + "0" * 32
    settings = load_settings(
        SmsSenderSettings, {**SENDER, "TWILIO_FROM_NUMBER": "", "TWILIO_MESSAGING_SERVICE_SID": service}
    )
    assert settings.twilio_messaging_service_sid == service


@pytest.mark.parametrize(
    "name, value",
    [
        ("TWILIO_FROM_NUMBER", "555-0100"),
        ("TWILIO_MESSAGING_SERVICE_SID", "MG123"),
        ("PUBLIC_API_URL", "api.example"),
    ],
)
def test_invalid_values_are_named(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings(SmsSenderSettings, {**SENDER, name: value})


def test_empty_optional_base_url_means_unset() -> None:
    env = {
        "TABLE_NAME": "t",
        "MEDIA_BUCKET": "b",
        "TWILIO_SECRET_ARN": "s",
        "TWILIO_API_BASE_URL": "",
        "OUTBOUND_QUEUE_URL": "q",
    }
    assert load_settings(InboundConsumerSettings, env).twilio_api_base_url is None

    env["TWILIO_API_BASE_URL"] = "http://127.0.0.1:8788/"
    assert load_settings(InboundConsumerSettings, env).twilio_api_base_url == "http://127.0.0.1:8788"


def test_timestamps_sort_as_strings() -> None:
    assert normalize_timestamp("2026-11-24T10:15:00+00:00") == "2026-11-24T10:15:00.000000Z"
    assert normalize_timestamp("2026-11-24T05:15:00.5-05:00") == "2026-11-24T10:15:00.500000Z"
    with pytest.raises(ValueError):
        normalize_timestamp("yesterday")
    from datetime import datetime

    with pytest.raises(ValueError):
        format_timestamp(datetime(2026, 1, 1))  # noqa: DTZ001 - the naive datetime is the point
