"""Reminder records and plans in the one table.

- `REMINDER#{record_id}` / `RECORD`: the record, its planned sends (`sends`: [{at, status, sent_at?}]) and its
  status; listed newest first on gsi1 as `REMINDERS` / `{created_at}#{record_id}`.
- `ADDR#{phone}` / `REMINDER#{record_id}`: a resident's records, for DONE and for replanning.
- `REMINDERPLAN` / `{kind}`: an agency's own plan for a kind (the defaults live in the code).
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from switchboard.dynamodb import put_if, update_if
from switchboard.table_keys import THREADS_GSI, resident_pk

RECORDS_GSI_PK = "REMINDERS"
PLANS_PK = "REMINDERPLAN"


def record_pk(record_id: str) -> str:
    return f"REMINDER#{record_id}"


class RemindersTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    # --- plans ---

    def plans(self) -> list[dict[str, Any]]:
        response = self._table.query(KeyConditionExpression=Key("pk").eq(PLANS_PK))
        return [dict(i) for i in response.get("Items", [])]

    def put_plan(self, plan: dict[str, Any]) -> None:
        self._table.put_item(Item={"pk": PLANS_PK, "sk": plan["kind"], **plan})

    # --- records ---

    def create(self, record: dict[str, Any]) -> bool:
        """The record and its address index entry; False if this record exists (uploaded before)."""
        item = {
            "pk": record_pk(record["record_id"]),
            "sk": "RECORD",
            "gsi1pk": RECORDS_GSI_PK,
            "gsi1sk": f"{record['created_at']}#{record['record_id']}",
            **record,
        }
        if not put_if(self._table, item, "attribute_not_exists(pk)"):
            return False
        self._table.put_item(
            Item={
                "pk": resident_pk(record["phone"]),
                "sk": record_pk(record["record_id"]),
                "record_id": record["record_id"],
                "kind": record["kind"],
                "due_date": record["due_date"],
                "language": record.get("language") or "en",  # DONE is answered in it
            }
        )
        return True

    def get(self, record_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": record_pk(record_id), "sk": "RECORD"}, ConsistentRead=True)
        return dict(item["Item"]) if "Item" in item else None

    def records(self, limit: int) -> list[dict[str, Any]]:
        response = self._table.query(
            IndexName=THREADS_GSI,
            KeyConditionExpression=Key("gsi1pk").eq(RECORDS_GSI_PK),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [dict(i) for i in response.get("Items", [])]

    def of_resident(self, phone: str) -> list[dict[str, Any]]:
        response = self._table.query(
            KeyConditionExpression=Key("pk").eq(resident_pk(phone)) & Key("sk").begins_with("REMINDER#")
        )
        return [dict(i) for i in response.get("Items", [])]

    def set_send(self, record_id: str, index: int, status: str, at: str) -> None:
        self._table.update_item(
            Key={"pk": record_pk(record_id), "sk": "RECORD"},
            UpdateExpression=f"SET sends[{int(index)}].#status = :status, sends[{int(index)}].sent_at = :at",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":status": status, ":at": at},
        )

    def stop(self, record_id: str, status: str, reason: str, at: str) -> bool:
        """A planned record ends (done, completed, replaced, finished, failed); False if it had already."""
        return (
            update_if(
                self._table,
                {"pk": record_pk(record_id), "sk": "RECORD"},
                UpdateExpression="SET #status = :status, stop_reason = :reason, stopped_at = :at",
                ConditionExpression="#status = :planned",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":status": status,
                    ":reason": reason,
                    ":at": at,
                    ":planned": "planned",
                },
            )
            is not None
        )
