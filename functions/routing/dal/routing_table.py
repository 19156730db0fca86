"""Presence, routing rules and assignments in the one table (docs/architecture.md, "Presence and routing")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError
from switchboard.table_keys import (
    BY_ASSIGNEE_INDEX,
    BY_DEPARTMENT_WAITING_INDEX,
    PRESENCE_SK,
    STAFF_GSI_PK,
    THREAD_META_SK,
    THREADS_GSI,
    staff_pk,
    thread_pk,
)

ROUTING_PK = "ROUTING"
ROUTING_RULES_SK = "RULES"


class RoutingTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    # --- rules ---------------------------------------------------------------------------------------------

    def rules(self) -> list[dict[str, Any]]:
        item = self._table.get_item(Key={"pk": ROUTING_PK, "sk": ROUTING_RULES_SK}).get("Item") or {}
        return list(item.get("rules") or [])

    def put_rules(self, rules: list[dict[str, Any]], at: str) -> None:
        self._table.put_item(
            Item={"pk": ROUTING_PK, "sk": ROUTING_RULES_SK, "rules": rules, "updated_at": at}
        )

    # --- staff and presence --------------------------------------------------------------------------------

    def department_members(self, department_id: str) -> list[str]:
        members: list[str] = []
        query: dict[str, Any] = {
            "IndexName": THREADS_GSI,
            "KeyConditionExpression": Key("gsi1pk").eq(STAFF_GSI_PK),
        }
        while True:
            response = self._table.query(**query)
            members += [
                str(i["sub"])
                for i in response.get("Items", [])
                if department_id in (i.get("departments") or []) and i.get("enabled", True)
            ]
            if not response.get("LastEvaluatedKey"):
                return members
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def staff_departments(self, sub: str) -> list[str]:
        item = self._table.get_item(Key={"pk": staff_pk(sub), "sk": "PROFILE"}).get("Item") or {}
        return sorted(str(d) for d in item.get("departments") or [])

    def presence(self, subs: list[str]) -> dict[str, dict[str, Any]]:
        if not subs:
            return {}
        client = self._table.meta.client
        found: dict[str, dict[str, Any]] = {}
        for offset in range(0, len(subs), 100):
            keys = [{"pk": staff_pk(sub), "sk": PRESENCE_SK} for sub in subs[offset : offset + 100]]
            pending: dict[str, Any] = {self._table.name: {"Keys": keys, "ConsistentRead": True}}
            while pending:
                response = client.batch_get_item(RequestItems=pending)
                for item in response.get("Responses", {}).get(self._table.name, []):
                    found[str(item["sub"])] = dict(item)
                pending = response.get("UnprocessedKeys") or {}
        return found

    def set_presence(self, sub: str, presence: str, cap: int | None, at: str) -> dict[str, Any]:
        names = {"#presence": "presence", "#updated_at": "updated_at", "#sub": "sub"}
        values: dict[str, Any] = {":presence": presence, ":at": at, ":sub": sub}
        expression = "SET #presence = :presence, #updated_at = :at, #sub = :sub"
        if cap is not None:
            names["#cap"] = "cap"
            values[":cap"] = cap
            expression += ", #cap = :cap"
        response = self._table.update_item(
            Key={"pk": staff_pk(sub), "sk": PRESENCE_SK},
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        return dict(response["Attributes"])

    def forget_assigned(self, sub: str, thread_ids: set[str]) -> None:
        if thread_ids:
            self._table.update_item(
                Key={"pk": staff_pk(sub), "sk": PRESENCE_SK},
                UpdateExpression="DELETE #assigned :gone",
                ExpressionAttributeNames={"#assigned": "assigned"},
                ExpressionAttributeValues={":gone": thread_ids},
            )

    # --- threads -------------------------------------------------------------------------------------------

    def thread(self, thread_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(
            Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK}, ConsistentRead=True
        ).get("Item")
        return dict(item) if item else None

    def threads(self, thread_ids: list[str]) -> list[dict[str, Any]]:
        client = self._table.meta.client
        found: list[dict[str, Any]] = []
        for offset in range(0, len(thread_ids), 100):
            keys = [{"pk": thread_pk(t), "sk": THREAD_META_SK} for t in thread_ids[offset : offset + 100]]
            pending: dict[str, Any] = {self._table.name: {"Keys": keys, "ConsistentRead": True}}
            while pending:
                response = client.batch_get_item(RequestItems=pending)
                found += [dict(i) for i in response.get("Responses", {}).get(self._table.name, [])]
                pending = response.get("UnprocessedKeys") or {}
        return found

    def set_department(self, thread_id: str, department_id: str, language: str | None) -> bool:
        """Only a thread without a department gets one (the first routing wins)."""
        names = {"#department_id": "department_id"}
        values: dict[str, Any] = {":department_id": department_id}
        expression = "SET #department_id = :department_id"
        if language:
            names["#language"] = "language"
            values[":language"] = language
            expression += ", #language = :language"
        try:
            self._table.update_item(
                Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(#department_id)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def assign(self, thread_id: str, sub: str, cap: int, at: str) -> str:
        """Give an unassigned open thread to `sub` if they are available and under `cap`, atomically.

        "assigned", "agent_full" (not available, or at the cap) or "thread_taken" (assigned, closed or gone).
        """
        client = self._table.meta.client
        try:
            client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": self._table.name,
                            "Key": {"pk": staff_pk(sub), "sk": PRESENCE_SK},
                            "UpdateExpression": "ADD #assigned :thread SET #last_assigned_at = :at",
                            "ConditionExpression": "#presence = :available AND "
                            "(attribute_not_exists(#assigned) OR size(#assigned) < :cap)",
                            "ExpressionAttributeNames": {
                                "#assigned": "assigned",
                                "#last_assigned_at": "last_assigned_at",
                                "#presence": "presence",
                            },
                            "ExpressionAttributeValues": {
                                ":thread": {thread_id},
                                ":at": at,
                                ":available": "available",
                                ":cap": cap,
                            },
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table.name,
                            "Key": {"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
                            "UpdateExpression": "SET #assignee = :sub, #assigned_at = :at",
                            "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(#assignee) "
                            "AND #status = :open",
                            "ExpressionAttributeNames": {
                                "#assignee": "assignee",
                                "#assigned_at": "assigned_at",
                                "#status": "status",
                            },
                            "ExpressionAttributeValues": {":sub": sub, ":at": at, ":open": "open"},
                        }
                    },
                ]
            )
        except client.exceptions.TransactionCanceledException as error:
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                return "thread_taken"
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return "agent_full"
            raise  # a conflict with another transaction: SQS or the caller retries
        return "assigned"

    def unassign(self, thread_id: str, sub: str) -> bool:
        """Back to its department's queue, if it is still `sub`'s."""
        try:
            self._table.update_item(
                Key={"pk": thread_pk(thread_id), "sk": THREAD_META_SK},
                UpdateExpression="REMOVE #assignee, #assigned_at",
                ConditionExpression="#assignee = :sub",
                ExpressionAttributeNames={"#assignee": "assignee", "#assigned_at": "assigned_at"},
                ExpressionAttributeValues={":sub": sub},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def open_threads_of(self, sub: str) -> list[str]:
        ids: list[str] = []
        query: dict[str, Any] = {
            "IndexName": BY_ASSIGNEE_INDEX,
            "KeyConditionExpression": Key("assignee").eq(sub) & Key("status").eq("open"),
            "ProjectionExpression": "thread_id",
        }
        while True:
            response = self._table.query(**query)
            ids += [str(i["thread_id"]) for i in response.get("Items", [])]
            if not response.get("LastEvaluatedKey"):
                return ids
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def queued(self, department_id: str, limit: int) -> list[str]:
        """The department's unassigned open threads, oldest waiting first."""
        from boto3.dynamodb.conditions import Attr

        response = self._table.query(
            IndexName=BY_DEPARTMENT_WAITING_INDEX,
            KeyConditionExpression=Key("department_id").eq(department_id) & Key("status").eq("open"),
            FilterExpression=Attr("assignee").not_exists(),
            Limit=max(limit * 4, 50),
        )
        return [str(i["thread_id"]) for i in response.get("Items", [])][:limit]


_batch_rules: ContextVar[dict[str, list[dict[str, Any]]] | None] = ContextVar(
    "routing_batch_rules", default=None
)


@contextmanager
def rules_read_once() -> Iterator[None]:
    """Inside it, `BatchRulesRoutingTable.rules()` reads the rules once: an SQS batch's messages are routed
    by the rules in force when the batch began (an admin's save applies from the next batch). Per thread:
    concurrent batches each read their own."""
    token = _batch_rules.set({})
    try:
        yield
    finally:
        _batch_rules.reset(token)


class BatchRulesRoutingTable(RoutingTable):
    """The inbound pipeline's routing table: inside `rules_read_once()` the rules are read once instead of
    for every message of a thread without a department; outside it, and for everything else, as
    `RoutingTable`."""

    def rules(self) -> list[dict[str, Any]]:
        held = _batch_rules.get()
        if held is None:
            return super().rules()
        if "rules" not in held:
            held["rules"] = super().rules()
        return [dict(rule) for rule in held["rules"]]
