"""The reads behind "is anybody there": enabled staff from the staff index, their presence from routing."""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.conditions import Key
from switchboard.table_keys import STAFF_GSI_PK, THREADS_GSI

from routing.dal.routing_table import RoutingTable


class StaffPresence:
    def __init__(self, table: Any) -> None:
        self._table = table
        self._routing = RoutingTable(table)

    def enabled_staff(self) -> list[str]:
        subs: list[str] = []
        query: dict[str, Any] = {
            "IndexName": THREADS_GSI,
            "KeyConditionExpression": Key("gsi1pk").eq(STAFF_GSI_PK),
        }
        while True:
            response = self._table.query(**query)
            subs += [str(i["sub"]) for i in response.get("Items", []) if i.get("enabled", True)]
            if not response.get("LastEvaluatedKey"):
                return subs
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def presence(self, subs: list[str]) -> dict[str, dict[str, Any]]:
        return self._routing.presence(subs)
