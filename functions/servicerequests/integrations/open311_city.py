"""A city's Open311 GeoReport v2 endpoint, as a client: POST requests.json, GET tokens/{token}.json and
requests.json?service_request_id=... (JSON format). Every call has a timeout; any failure is one exception."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

USER_AGENT = "Switchboard-Open311-client/1"
MAX_RESPONSE_BYTES = 2_000_000


class CityCallFailed(RuntimeError):
    """The city did not answer usefully: an HTTP error (`status`), a timeout, or a body that is not JSON."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


class Open311City:
    def __init__(self, endpoint: str, *, timeout_s: float) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.timeout_s = timeout_s

    def _call(self, path: str, form: Sequence[tuple[str, str]] | None = None) -> Any:
        data = urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(  # noqa: S310 - https, or http to 127.0.0.1 (models.city)
            f"{self.endpoint}/{path}",
            data=data,
            method="POST" if data is not None else "GET",
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )
        try:
            # The endpoint was checked when the admin saved it: https, or http to this machine only.
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
                body = response.read(MAX_RESPONSE_BYTES)
        except urllib.error.HTTPError as error:
            raise CityCallFailed("http error", error.code) from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise CityCallFailed(f"unreachable: {type(error).__name__}") from None
        try:
            return json.loads(body)
        except ValueError:
            raise CityCallFailed("not json") from None

    def post_request(self, form: Sequence[tuple[str, str]]) -> tuple[str | None, str | None]:
        """(service_request_id, token): a realtime city gives the id, a batch city a token to poll."""
        answer = self._call("requests.json", form)
        first = answer[0] if isinstance(answer, list) and answer else answer
        if not isinstance(first, dict):
            raise CityCallFailed("unexpected answer")
        request_id, token = first.get("service_request_id"), first.get("token")
        if not request_id and not token:
            raise CityCallFailed("answer without id or token")
        return (str(request_id) if request_id else None, str(token) if token else None)

    def token(self, token: str) -> str | None:
        """The request id the token yielded, or None while the city has not made it yet."""
        answer = self._call(f"tokens/{quote(token, safe='')}.json")
        first = answer[0] if isinstance(answer, list) and answer else answer
        if isinstance(first, dict) and first.get("service_request_id"):
            return str(first["service_request_id"])
        return None

    def requests(self, request_ids: Sequence[str], jurisdiction_id: str | None) -> list[dict[str, Any]]:
        query = [("service_request_id", ",".join(request_ids))]
        if jurisdiction_id:
            query.append(("jurisdiction_id", jurisdiction_id))
        answer = self._call(f"requests.json?{urlencode(query)}")
        if not isinstance(answer, list):
            raise CityCallFailed("unexpected answer")
        return [item for item in answer if isinstance(item, dict)]
