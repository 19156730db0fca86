"""Web chat's items in the one table: sessions, rate counters, typing marks; and reads of the thread."""

from __future__ import annotations

import json
from typing import Any

from boto3.dynamodb.conditions import Key
from inbox.dal.inbox_views_table import thread_postings
from inbox.logic.search_terms import name_terms
from switchboard.dynamodb import put_if, update_if
from switchboard.rate_windows import TableCounters
from switchboard.table_keys import MESSAGE_SK_PREFIX, RESIDENT_SK, THREAD_META_SK, resident_pk, thread_pk

SESSION_SK = "SESSION"
TYPING_SK_PREFIX = "TYPING#"


def session_pk(session_id: str) -> str:
    return f"WEBCHAT#{session_id}"


class ChatTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    # --- rate counters (logic.rate_limits.Counters) ------------------------------------------------------

    def increment(self, key: str, expires_at: int) -> int:
        return TableCounters(self._table).increment(key, expires_at)  # the same RATE# items as public texts

    # --- sessions ---------------------------------------------------------------------------------------

    def create_session(
        self, session_id: str, created_at: str, expires_at: int, contact: dict[str, str]
    ) -> None:
        item = {
            "pk": session_pk(session_id),
            "sk": SESSION_SK,
            "created_at": created_at,
            "expires_at": expires_at,
        }
        item.update(contact)
        put_if(self._table, item, "attribute_not_exists(pk)")

    def save_contact(self, session_id: str, contact: dict[str, str]) -> None:
        if not contact:
            return
        names = {f"#{key}": key for key in contact}
        values = {f":{key}": value for key, value in contact.items()}
        self._table.update_item(
            Key={"pk": session_pk(session_id), "sk": SESSION_SK},
            UpdateExpression="SET " + ", ".join(f"#{key} = :{key}" for key in contact),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def contact(self, session_id: str) -> dict[str, Any]:
        item = self._table.get_item(Key={"pk": session_pk(session_id), "sk": SESSION_SK}).get("Item") or {}
        return {key: item[key] for key in ("name", "email", "phone") if item.get(key)}

    def name_thread(self, thread_id: str, name: str) -> bool:
        """The name the resident gave becomes the thread's resident name unless staff named them (a name staff
        set has no `resident_name_source`), and the thread is findable by it; True if the thread was named."""
        named = update_if(
            self._table,
            {"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
            UpdateExpression="SET resident_name = :name, resident_name_source = :webchat",
            ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(resident_name) "
            "OR resident_name_source = :webchat) AND NOT resident_name = :name",
            ExpressionAttributeValues={":name": name, ":webchat": "webchat"},
        )
        if named is None:
            return False
        postings = thread_postings(thread_id, name_terms(name))
        if postings:
            with self._table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
                for posting in postings:
                    batch.put_item(Item=posting)
        return True

    # --- the session's thread ---------------------------------------------------------------------------

    def thread_of(self, address: str) -> str | None:
        item = self._table.get_item(Key={"pk": resident_pk(address), "sk": RESIDENT_SK}).get("Item")
        return str(item["thread_id"]) if item else None

    def thread(self, thread_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK}).get("Item")
        return dict(item) if item else None

    def messages_after(self, thread_id: str, after: str | None, limit: int) -> list[dict[str, Any]]:
        """Oldest first, strictly after the sort key `after` (or from the start)."""
        lower = after or MESSAGE_SK_PREFIX
        condition = Key("pk").eq(thread_pk(thread_id)) & Key("sk").between(
            lower, MESSAGE_SK_PREFIX + "\uffff"
        )
        response = self._table.query(KeyConditionExpression=condition, ScanIndexForward=True, Limit=limit + 1)
        return [item for item in response.get("Items", []) if item["sk"] != after][:limit]

    def continue_by_text(self, thread_id: str, phone: str, now: str) -> None:
        """Replies of this thread also go to `phone`; texts from `phone` land in this thread unless that
        number already has a thread of its own."""
        self._table.update_item(
            Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
            UpdateExpression="SET text_to = :phone",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":phone": phone},
        )
        put_if(
            self._table,
            {
                "pk": resident_pk(phone),
                "sk": RESIDENT_SK,
                "thread_id": thread_id,
                "channel": "sms",
                "created_at": now,
            },
            "attribute_not_exists(pk)",
        )

    # --- typing -----------------------------------------------------------------------------------------

    def mark_typing(self, thread_id: str, who: str, until: float) -> None:
        self._table.put_item(
            Item={
                "pk": thread_pk(thread_id),
                "sk": TYPING_SK_PREFIX + who,
                "until": json.dumps(until),
                "expires_at": int(until) + 60,
            }
        )

    def typing_until(self, thread_id: str, who: str) -> float:
        item = self._table.get_item(Key={"pk": thread_pk(thread_id), "sk": TYPING_SK_PREFIX + who}).get(
            "Item"
        )
        return float(json.loads(item["until"])) if item else 0.0
