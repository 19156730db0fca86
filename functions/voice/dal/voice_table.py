"""The IVR's items in the one table.

- call: pk `IVRCALL#{CallSid}`, sk `META`: `started_at`, `language`, `thread_id`, `path` (steps taken).
- turn: pk `IVRCALL#{CallSid}`, sk `TURN#{n:05d}`: claimed before a turn acts; `twiml` once answered.
- timeline entry: pk `THREAD#{id}`, sk `NOTE#{started_at}#ivr-{CallSid}`: a staff-only note of kind
  `ivr_call`, rewritten each turn (one entry per call).

Call and turn items expire after 30 days (TTL `expires_at`): a replay comes within minutes; the timeline entry
stays with the thread.
"""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError
from inbox.dal.consent_table import ConsentTable
from switchboard.table_keys import RESIDENT_SK, THREAD_META_SK, note_sk, resident_pk, thread_pk

from voice.models.voice import CallerProfile, CallRecord

META = "META"
SYSTEM_AUTHOR = "switchboard"  # as automatic replies are authored
KEEP_S = 30 * 24 * 3600
NOTE_KIND = "ivr_call"


def call_pk(call_sid: str) -> str:
    return f"IVRCALL#{call_sid}"


def turn_key(call_sid: str, turn: int) -> dict[str, str]:
    return {"pk": call_pk(call_sid), "sk": f"TURN#{turn:05d}"}


def note_id_of(call_sid: str) -> str:
    return f"ivr-{call_sid}"


def describe_path(path: list[str], words: dict[str, str]) -> str:
    return "Phone call: " + "; ".join(words.get(step, step) for step in path) + "."


class VoiceTable:
    def __init__(self, table: Any, path_words: dict[str, str]) -> None:
        self._table = table
        self._consent = ConsentTable(table)
        self._path_words = path_words

    def caller(self, address: str) -> CallerProfile:
        if not address:
            return CallerProfile()
        resident = self._table.get_item(Key={"pk": resident_pk(address), "sk": RESIDENT_SK}).get("Item")
        thread_id = str(resident["thread_id"]) if resident else None
        state = self._consent.load_state(address)
        language = state.language
        if language is None and thread_id:
            thread = self._table.get_item(Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK}).get("Item")
            language = str(thread["language"]) if thread and thread.get("language") else None
        return CallerProfile(
            thread_id=thread_id,
            language=language,
            zones=state.zones,
            topics=tuple(sorted(state.topics)),
            opted_out=state.opted_out_all,
        )

    def claim_turn(self, call_sid: str, turn: int, now: str) -> bool:
        item = {**turn_key(call_sid, turn), "claimed_at": now, "expires_at": int(time.time()) + KEEP_S}
        try:
            self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
            return True
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise

    def answer_of(self, call_sid: str, turn: int) -> str | None:
        item = self._table.get_item(Key=turn_key(call_sid, turn), ConsistentRead=True).get("Item")
        return str(item["twiml"]) if item and item.get("twiml") else None

    def release_turn(self, call_sid: str, turn: int) -> None:
        self._table.delete_item(Key=turn_key(call_sid, turn))

    def call(self, call_sid: str) -> CallRecord | None:
        item = self._table.get_item(Key={"pk": call_pk(call_sid), "sk": META}, ConsistentRead=True).get(
            "Item"
        )
        if not item:
            return None
        return CallRecord(
            call_sid=call_sid,
            started_at=str(item["started_at"]),
            language=str(item["language"]) if item.get("language") else None,
            thread_id=str(item["thread_id"]) if item.get("thread_id") else None,
            path=[str(step) for step in item.get("path", [])],
        )

    def save_turn(self, call_sid: str, turn: int, twiml: str, record: CallRecord, now: str) -> None:
        """The turn's answer, the call's path and its one timeline entry, in one transaction."""
        name = self._table.name
        expires = int(time.time()) + KEEP_S
        call_item: dict[str, Any] = {
            "pk": call_pk(call_sid),
            "sk": META,
            "started_at": record.started_at,
            "path": record.path,
            "updated_at": now,
            "expires_at": expires,
        }
        if record.language:
            call_item["language"] = record.language
        if record.thread_id:
            call_item["thread_id"] = record.thread_id
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": name,
                    "Item": {
                        **turn_key(call_sid, turn),
                        "twiml": twiml,
                        "answered_at": now,
                        "expires_at": expires,
                    },
                }
            },
            {"Put": {"TableName": name, "Item": call_item}},
        ]
        if record.thread_id:
            note_id = note_id_of(call_sid)
            note = {
                "pk": thread_pk(record.thread_id),
                "sk": note_sk(record.started_at, note_id),
                "note_id": note_id,
                "thread_id": record.thread_id,
                "kind": NOTE_KIND,
                "author_sub": SYSTEM_AUTHOR,
                "created_at": record.started_at,
                "updated_at": now,
                "call_sid": call_sid,
                "path": record.path,
                "body": describe_path(record.path, self._path_words),
            }
            items.append({"Put": {"TableName": name, "Item": note}})
        self._table.meta.client.transact_write_items(TransactItems=items)
