"""A service request as stored, and the Open311 GeoReport v2 view of it (never the resident's number)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["open", "closed"]
AttributeAnswer = str | list[str]


class ServiceRequestRecord(BaseModel):
    """Everything Switchboard keeps about a request. `resident` and `thread_id` stay inside the stack."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    service_request_id: str
    service_code: str
    service_name: str
    status: Status = "open"
    status_notes: str | None = None
    description: str | None = Field(default=None, max_length=4000)
    requested_datetime: str
    updated_datetime: str | None = None
    expected_datetime: str | None = None
    address: str | None = Field(default=None, max_length=500)
    address_id: str | None = Field(default=None, max_length=64)
    zipcode: str | None = Field(default=None, max_length=16)
    lat: float | None = Field(default=None, ge=-90, le=90)
    long: float | None = Field(default=None, ge=-180, le=180)
    attributes: dict[str, AttributeAnswer] = Field(default_factory=dict)
    media_keys: list[str] = Field(default_factory=list)  # S3 keys of re-encoded photos
    department: str | None = None
    source: Literal["open311", "sms", "whatsapp", "webchat", "staff"] = "open311"
    token: str | None = None
    # Inside the stack only: who to tell about status changes, and where the conversation is.
    resident: str | None = None
    thread_id: str | None = None
    api_key_id: str | None = None


OPEN311_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


def open311_view(record: ServiceRequestRecord, *, agency: str, media_url: str | None) -> dict[str, Any]:
    """The GeoReport v2 `request` object: an allow-list of fields, so nothing private can leak by accident."""
    view: dict[str, Any] = {
        "service_request_id": record.service_request_id,
        "status": record.status,
        "status_notes": record.status_notes,
        "service_name": record.service_name,
        "service_code": record.service_code,
        "description": record.description,
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": _open311_time(record.requested_datetime),
        "updated_datetime": _open311_time(record.updated_datetime),
        "expected_datetime": _open311_time(record.expected_datetime),
        "address": record.address,
        "address_id": record.address_id,
        "zipcode": record.zipcode,
        "lat": record.lat,
        "long": record.long,
        "media_url": media_url,
    }
    return view


def _open311_time(stored: str | None) -> str | None:
    """'2026-03-03T19:30:05.123456Z' -> '2026-03-03T19:30:05Z' (the spec's examples carry whole seconds)."""
    if not stored:
        return None
    return stored[:19] + "Z"
