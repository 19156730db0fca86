"""The agency's name as residents see it: the admin's setting (GET/PUT /api/admin/settings) when there is one,
else the deploy-time AGENCY_NAME (CDK parameter AgencyName)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from switchboard.table_keys import AGENCY_SETTINGS_SK, SETTINGS_PK

SETTINGS_TTL_S = 60.0


class AgencyName:
    def __init__(self, table: Any, default: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._table = table
        self._default = default
        self._clock = clock
        self._cached: tuple[float, str] | None = None

    def __call__(self) -> str:
        now = self._clock()
        if self._cached is None or now - self._cached[0] > SETTINGS_TTL_S:
            item = self._table.get_item(Key={"pk": SETTINGS_PK, "sk": AGENCY_SETTINGS_SK}).get("Item") or {}
            name = str(item.get("agency_name") or "").strip()
            self._cached = (now, name or self._default)
        return self._cached[1]
