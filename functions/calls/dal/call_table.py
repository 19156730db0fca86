"""Calls in the one table.

| item | pk | sk | notes |
| call | `CALL#{staff leg CallSid}` | `META` | `thread_id`, `agent_sub`, `status`, `resident_status` |
| seen | `CALL#{sid}` | `EVENT#{leg}#{status}` | written with the thread event (repeats add nothing) |
| thread event | `THREAD#{id}` | `NOTE#{at}#{id}` | a staff-only note of kind `call` |
| staff phone | `STAFF#{sub}` | `PROFILE` | attribute `phone` (E.164) on the staff profile |
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from switchboard.dynamodb import transact_write_if
from switchboard.table_keys import STAFF_SK, THREAD_META_SK, note_sk, staff_pk, thread_pk

from calls.models.calls import CallProgress, status_rank

META = "META"


def call_key(call_sid: str) -> dict[str, str]:
    return {"pk": f"CALL#{call_sid}", "sk": META}


class CallTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    def get_thread(self, thread_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK}).get("Item")
        return dict(item) if item else None

    def get_profile(self, sub: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": staff_pk(sub), "sk": STAFF_SK}, ConsistentRead=True).get(
            "Item"
        )
        return dict(item) if item else None

    def set_phone(self, sub: str, phone: str | None, now: str) -> None:
        key = {"pk": staff_pk(sub), "sk": STAFF_SK}
        if phone is None:
            self._table.update_item(
                Key=key,
                UpdateExpression="REMOVE phone SET phone_updated_at = :now",
                ExpressionAttributeValues={":now": now},
            )
            return
        self._table.update_item(
            Key=key,
            UpdateExpression="SET phone = :phone, phone_updated_at = :now, #sub = if_not_exists(#sub, :sub)",
            ExpressionAttributeNames={"#sub": "sub"},
            ExpressionAttributeValues={":phone": phone, ":now": now, ":sub": sub},
        )

    def record_call(self, call: dict[str, Any], note: dict[str, Any]) -> None:
        item = {**call_key(call["call_sid"]), **{k: v for k, v in call.items() if v is not None}}
        self._table.meta.client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": self._table.name, "Item": item}},
                {"Put": {"TableName": self._table.name, "Item": self._note_item(note)}},
            ]
        )

    def get_call(self, call_sid: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key=call_key(call_sid), ConsistentRead=True).get("Item")
        return dict(item) if item else None

    def record_progress(
        self, call_sid: str, progress: CallProgress, note: dict[str, Any] | None, now: str
    ) -> bool:
        seen = {
            "pk": f"CALL#{call_sid}",
            "sk": f"EVENT#{progress.leg}#{progress.status}",
            "call_sid": progress.call_sid,
            "at": now,
        }
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table.name,
                    "Item": seen,
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        if note is not None:
            items.append({"Put": {"TableName": self._table.name, "Item": self._note_item(note)}})
        if not transact_write_if(self._table, items, guarded=0):
            return False
        self._advance(call_sid, progress, now)
        return True

    def _advance(self, call_sid: str, progress: CallProgress, now: str) -> None:
        """The call item's status for that leg moves forward only (callbacks arrive out of order)."""
        field = "status" if progress.leg == "staff" else "resident_status"
        values: dict[str, Any] = {
            ":status": progress.status,
            ":now": now,
            ":rank": status_rank(progress.status),
        }
        sets = "#field = :status, #rank = :rank, updated_at = :now"
        if progress.duration_seconds is not None:
            sets += ", #duration = :duration"
            values[":duration"] = progress.duration_seconds
        try:
            self._table.update_item(
                Key=call_key(call_sid),
                UpdateExpression="SET " + sets,
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(#rank) OR #rank < :rank)",
                ExpressionAttributeNames={
                    "#field": field,
                    "#rank": f"{field}_rank",
                    **(
                        {"#duration": f"{progress.leg}_duration_seconds"}
                        if progress.duration_seconds is not None
                        else {}
                    ),
                },
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    @staticmethod
    def _note_item(note: dict[str, Any]) -> dict[str, Any]:
        return {
            "pk": thread_pk(note["thread_id"]),
            "sk": note_sk(note["created_at"], note["note_id"]),
            **{k: v for k, v in note.items() if v is not None},
        }
