"""The two message webhooks' settings: plain dataclasses, checked and reported as the pydantic settings are,
and no pydantic on those webhooks' cold start (issue 19 item 5)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from switchboard.settings import InboundWebhookSettings, SettingsError, StatusWebhookSettings, load_settings

ROOT = Path(__file__).resolve().parents[2]
INBOUND = {
    "TWILIO_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:twilio-AbCdEf",
    "PUBLIC_API_URL": " https://api.example.org/ ",
    "MEDIA_BUCKET": "media",
    "INBOUND_QUEUE_URL": " https://sqs.us-east-1.amazonaws.com/123456789012/inbound.fifo ",
}


def test_values_are_stripped_and_the_url_loses_its_trailing_slash() -> None:
    settings = load_settings(InboundWebhookSettings, INBOUND)

    assert settings.public_api_url == "https://api.example.org"
    assert settings.inbound_queue_url == "https://sqs.us-east-1.amazonaws.com/123456789012/inbound.fifo"
    assert settings == InboundWebhookSettings.from_environ(INBOUND)


def test_every_missing_variable_is_named_at_once() -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(StatusWebhookSettings, {"MEDIA_BUCKET": "media"})

    assert str(error.value) == (
        "StatusWebhookSettings: missing environment variable(s): "
        "TWILIO_SECRET_ARN, PUBLIC_API_URL, STATUS_QUEUE_URL"
    )


def test_blank_and_malformed_values_are_named_with_the_reason() -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(
            InboundWebhookSettings, {**INBOUND, "INBOUND_QUEUE_URL": "  ", "PUBLIC_API_URL": "ftp://x"}
        )

    assert str(error.value) == (
        "InboundWebhookSettings: invalid environment variable(s): PUBLIC_API_URL (must be an http(s) URL); "
        "INBOUND_QUEUE_URL (String should have at least 1 character)"
    )


def test_the_environment_is_read_when_none_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in INBOUND.items():
        monkeypatch.setenv(name, value)

    assert InboundWebhookSettings.from_environ().media_bucket == "media"


@pytest.mark.parametrize("module", ["channels.handlers.twilio_webhook", "channels.handlers.twilio_status"])
def test_the_message_webhooks_start_without_pydantic(module: str) -> None:
    environment = {
        **os.environ,
        **INBOUND,
        "STATUS_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/status.fifo",
        "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("functions", "layers/shared/python")),
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    probe = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'))"
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", probe],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )

    assert result.stdout.strip() == "[]"
