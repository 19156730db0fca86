"""The agency's link to a city's Open311 GeoReport v2 endpoint, and the forward job on CityForwardQueue."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import BaseModel, ConfigDict, Field, Json, field_validator

ALL_SERVICES = "_all"  # the link used for a service that has no link of its own
LINK_TARGET = r"^(_all|[A-Za-z0-9_.-]{1,64})$"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def checked_endpoint(value: str) -> str:
    """https only (the API key travels in the body); plain http only to this machine (a local city)."""
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if not parts.hostname or parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("endpoint must be a base URL like https://city.example.gov/open311/v2")
    if parts.scheme != "https" and not (parts.scheme == "http" and _loopback(parts.hostname)):
        raise ValueError("endpoint must use https")
    return value


class CityLinkRequest(BaseModel):
    """PUT /api/open311/city/{target}: the city's endpoint and the API key the city gave the agency."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)

    endpoint: str = Field(max_length=300)
    api_key: str = Field(min_length=1, max_length=200)
    jurisdiction_id: str | None = Field(default=None, max_length=100)

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        return checked_endpoint(value)


class CityLink(BaseModel):
    """A stored link: `target` is a service code or `_all`."""

    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    target: str = Field(pattern=LINK_TARGET)
    endpoint: str
    api_key: str
    jurisdiction_id: str | None = None
    updated_at: str
    updated_by: str


class CityLinkView(BaseModel):
    """A link as staff see it: never the key."""

    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    target: str
    endpoint: str
    jurisdiction_id: str | None = None
    updated_at: str
    updated_by: str
    has_api_key: bool = True


class CityLinkList(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built on first use, not at import

    links: list[CityLinkView]


class ForwardJob(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    kind: str = Field(default="servicerequests.forward", pattern=r"^servicerequests\.forward$")
    request_id: str = Field(pattern=r"^[0-9]{1,12}$")


class ForwardRecord(SqsRecordModel):
    model_config = ConfigDict(hide_input_in_errors=True, defer_build=True)

    body: Json[ForwardJob]  # type: ignore[assignment]


def link_target_ok(target: str) -> bool:
    return re.match(LINK_TARGET, target) is not None
