"""A report in progress, one per thread: pk `THREAD#{thread_id}`, sk `INTAKE`.

`session` is the state machine's Session as JSON; `last_sid` and `last_reply` make a redelivered message
answer the same words again instead of moving the report on twice; `request_id` is set once the request is
created (the session then stays as a tombstone until `expires_at`, so a redelivery creates nothing twice).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from switchboard.table_keys import thread_pk

from servicerequests.logic.intake import Place, Session

INTAKE_SK = "INTAKE"


def _session_json(session: Session) -> str:
    return json.dumps(asdict(session), separators=(",", ":"))


def _session(text: str) -> Session:
    data = json.loads(text)
    place = data.pop("place", None)
    return Session(
        **{
            **data,
            "choices": tuple(data.get("choices", ())),
            "photos": tuple(data.get("photos", ())),
            "place": Place(**place) if place else None,
        }
    )


class IntakeTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    def get(self, thread_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": thread_pk(thread_id), "sk": INTAKE_SK}).get("Item")
        if not item:
            return None
        found = dict(item)
        found["session"] = _session(str(item["session"])) if item.get("session") else None
        return found

    def save(
        self,
        thread_id: str,
        session: Session | None,
        *,
        sid: str,
        reply: str | None,
        at: str,
        expires_at: int,
        request_id: str | None = None,
    ) -> None:
        item: dict[str, Any] = {
            "pk": thread_pk(thread_id),
            "sk": INTAKE_SK,
            "last_sid": sid,
            "updated_at": at,
            "expires_at": expires_at,
        }
        if session is not None:
            item["session"] = _session_json(session)
        if reply is not None:
            item["last_reply"] = reply
        if request_id is not None:
            item["request_id"] = request_id
        self._table.put_item(Item=item)
