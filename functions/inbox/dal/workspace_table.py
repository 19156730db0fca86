"""The workspace's items in the one table, as the agent API reads and writes them: departments and staff
profiles (kept by the admin function), the audit log, and the thread actions (assignment, notes, labels,
snooze, close, viewers, canned replies)."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from switchboard.table_keys import (
    DEPARTMENT_SK,
    DEPARTMENTS_GSI_PK,
    STAFF_GSI_PK,
    THREADS_GSI,
    audit_pk,
    department_pk,
)

from inbox.dal.cursors import decode_cursor, encode_cursor
from inbox.models.records import Page


class WorkspaceTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    # --- departments and staff (written by the admin function) ---------------------------------------

    def list_departments(self) -> list[dict[str, Any]]:
        return self._query_all(
            IndexName=THREADS_GSI, KeyConditionExpression=Key("gsi1pk").eq(DEPARTMENTS_GSI_PK)
        )

    def department_exists(self, department_id: str) -> bool:
        key = {"pk": department_pk(department_id), "sk": DEPARTMENT_SK}
        return "Item" in self._table.get_item(Key=key)

    def list_staff(self) -> list[dict[str, Any]]:
        return self._query_all(IndexName=THREADS_GSI, KeyConditionExpression=Key("gsi1pk").eq(STAFF_GSI_PK))

    # --- audit ----------------------------------------------------------------------------------------

    def audit_day(self, day: str, limit: int, cursor: str | None) -> Page:
        """One UTC day of the audit log, newest first."""
        start = decode_cursor(cursor, keys=("pk", "sk"), fixed={"pk": audit_pk(day)})
        query: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(audit_pk(day)),
            "Limit": limit,
            "ScanIndexForward": False,
        }
        if start:
            query["ExclusiveStartKey"] = start
        response = self._table.query(**query)
        return Page(
            items=response.get("Items", []), next_cursor=encode_cursor(response.get("LastEvaluatedKey"))
        )

    def _query_all(self, **query: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            response = self._table.query(**query)
            items.extend(dict(i) for i in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return items
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]
