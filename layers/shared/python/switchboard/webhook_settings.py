"""The two Twilio message webhooks' settings, checked without pydantic.

Twilio waits on these two functions, and their cold start is held to 1.3x `import boto3` (issue 19):
importing pydantic and building models cost them more than everything else they do at init. Their settings
are four strings, so they are plain frozen dataclasses here, checked by the same rules and reported in the
same words as `switchboard.settings` (which re-exports them; its `load_settings` accepts them).

Each field names its variable with `Field(alias=...)`, as the pydantic models do:
infra/function_environment.py reads those aliases to give each function only the variables it reads.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar


class SettingsError(RuntimeError):
    """A missing or invalid environment variable; the message names it."""


def Field(*, alias: str) -> Any:  # noqa: N802 - spelled as pydantic's, which infra/function_environment.py reads
    """A settings field read from the environment variable `alias`."""
    return dataclasses.field(metadata={"alias": alias})


def base_url(value: str) -> str:
    """An http(s) URL without its trailing slash; ValueError otherwise."""
    value = value.strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", value):
        raise ValueError("must be an http(s) URL")
    return value


def _required(value: str) -> str:
    if not value:
        # pydantic's wording for a `min_length=1` string, which the other settings models report.
        raise ValueError("String should have at least 1 character")
    return value


@dataclasses.dataclass(frozen=True)
class PlainSettings:
    """Every field is a stripped string, required non-empty unless `_checks` gives the field its own rule."""

    _checks: ClassVar[dict[str, Any]] = {}

    @classmethod
    def from_environ(cls: type[PlainT], environ: Mapping[str, str] | None = None) -> PlainT:
        source = os.environ if environ is None else environ
        values: dict[str, str] = {}
        missing: list[str] = []
        invalid: list[str] = []
        for field in dataclasses.fields(cls):
            alias = field.metadata["alias"]
            if alias not in source:
                missing.append(alias)
                continue
            try:
                values[field.name] = cls._checks.get(field.name, _required)(str(source[alias]).strip())
            except ValueError as error:
                invalid.append(f"{alias} ({error})")
        if missing or invalid:
            parts = []
            if missing:
                parts.append("missing environment variable(s): " + ", ".join(missing))
            if invalid:
                parts.append("invalid environment variable(s): " + "; ".join(invalid))
            raise SettingsError(f"{cls.__name__}: " + "; ".join(parts))
        return cls(**values)


PlainT = TypeVar("PlainT", bound=PlainSettings)


@dataclasses.dataclass(frozen=True)
class _QueuedWebhookSettings(PlainSettings):
    _checks: ClassVar[dict[str, Any]] = {"public_api_url": base_url}

    twilio_secret_arn: str = Field(alias="TWILIO_SECRET_ARN")
    # Signatures are checked against this configured URL, never one rebuilt from request headers.
    public_api_url: str = Field(alias="PUBLIC_API_URL")
    # Fields too long for a queue message are kept whole here, under `oversize/`.
    media_bucket: str = Field(alias="MEDIA_BUCKET")


@dataclasses.dataclass(frozen=True)
class InboundWebhookSettings(_QueuedWebhookSettings):
    inbound_queue_url: str = Field(alias="INBOUND_QUEUE_URL")


@dataclasses.dataclass(frozen=True)
class StatusWebhookSettings(_QueuedWebhookSettings):
    status_queue_url: str = Field(alias="STATUS_QUEUE_URL")
