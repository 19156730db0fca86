"""Bodies of the staff routes that manage the catalogue and the Open311 API keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from servicerequests.models.services import Service


class ServiceList(BaseModel):
    services: list[Service]


class KeyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)  # who holds it: "City work orders (Cityworks)"


class KeyView(BaseModel):
    key_id: str
    name: str
    created_at: str
    created_by: str
    revoked_at: str | None = None


class KeyList(BaseModel):
    keys: list[KeyView]


class IssuedKeyView(KeyView):
    api_key: str  # shown once
