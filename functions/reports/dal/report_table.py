"""The reports' items in the one table: per-conversation state, event markers and counter cells.

Writes are one TransactWriteItems per event: a marker keyed by the event id (a redelivered message or a
repeated callback counts nothing twice), the conversation's state when it moves (guarded by its version, so
two events of one conversation cannot both open or close it), and ADD on every cell the event counts in.
Reads are Queries on a cell partition over a day range: a 30-day report never scans.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from boto3.dynamodb.conditions import Key
from switchboard.dynamodb import TransactionConflict, transact_write
from switchboard.report_keys import gauge_pk, report_pk, sealed_pk, summary_sk, waiting_pk

STATE_SK = "STATE"
WAITING_PAGE = 2000
MARKER_TTL_S = 14 * 24 * 3600  # redeliveries come within minutes; SQS keeps a message 4 days at most


def state_pk(thread_id: str) -> str:
    return f"RPTCONV#{thread_id}"


def marker_pk(event_id: str) -> str:
    return f"RPTSEEN#{event_id}"


class DuplicateEvent(Exception):
    """The event's marker exists: it was counted before."""


class StaleState(Exception):
    """The conversation's state moved since it was read: read again and retry."""


class ReportTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    # --- writes ----------------------------------------------------------------------------------------

    def conversation_state(self, thread_id: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": state_pk(thread_id), "sk": STATE_SK}, ConsistentRead=True).get(
            "Item"
        )
        return dict(item) if item else None

    def record(
        self,
        event_id: str,
        expires_at: int,
        counts: Mapping[tuple[str, str], Mapping[str, int]],
        *,
        state: dict[str, Any] | None = None,
        previous_version: int | None = None,
        puts: Collection[Mapping[str, Any]] = (),
        deletes: Collection[tuple[str, str]] = (),
    ) -> None:
        """Count one event once. DuplicateEvent if its marker exists, StaleState if `state` was written by
        someone else since `previous_version` (None: it must not exist yet), TransactionConflict otherwise.
        `puts` and `deletes`: the waiting items the event moves (reports.logic.running)."""
        name = self._table.name
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": name,
                    "Item": {"pk": marker_pk(event_id), "sk": "SEEN", "expires_at": expires_at},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        ]
        if state is not None:
            guard: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
            if previous_version is not None:
                guard = {
                    "ConditionExpression": "version = :version",
                    "ExpressionAttributeValues": {":version": previous_version},
                }
            item = {"pk": state_pk(state["thread_id"]), "sk": STATE_SK, **state}
            items.append({"Put": {"TableName": name, "Item": item, **guard}})
        items += [_add(name, pk, sk, counters) for (pk, sk), counters in counts.items() if counters]
        items += [{"Put": {"TableName": name, "Item": dict(item)}} for item in puts]
        items += [{"Delete": {"TableName": name, "Key": {"pk": pk, "sk": sk}}} for pk, sk in deletes]
        codes = transact_write(self._table, items)
        if codes is None:
            return
        if codes[0] == "ConditionalCheckFailed":
            raise DuplicateEvent(event_id)
        if state is not None and codes[1] == "ConditionalCheckFailed":
            raise StaleState(state["thread_id"])
        raise TransactionConflict(f"report transaction cancelled: {codes}")

    # --- reads -----------------------------------------------------------------------------------------

    def cells(self, scope: str, kind: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
        """Every cell of `kind` (D, A, P, T) in `scope` from `first_day` to `last_day` (inclusive)."""
        condition = Key("pk").eq(report_pk(scope)) & Key("sk").between(
            f"{kind}#{first_day}", f"{kind}#{last_day}#\uffff"
        )
        # Consistent: a day's cells are read after its version (logic.sealed).
        return self._query(KeyConditionExpression=condition, ConsistentRead=True)

    def sealed(self, scope: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
        """The day versions and summaries of `scope` from `first_day` to `last_day` (inclusive): one Query."""
        condition = Key("pk").eq(sealed_pk(scope)) & Key("sk").between(first_day, f"{last_day}#\uffff")
        # Consistent: a summary is used only when its version is the day's version now (logic.sealed).
        return self._query(KeyConditionExpression=condition, ConsistentRead=True)

    def _query(self, **request: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            response = self._table.query(**request)
            items.extend(response.get("Items", []))
            last = response.get("LastEvaluatedKey")
            if not last:
                return items
            request["ExclusiveStartKey"] = last

    def put_summary(self, scope: str, day: str, version: int, blob: bytes) -> bool:
        """Seal a day of `scope` (reports.logic.sealed): put its summary unless one of this version or a
        later one is there already (another report sealed it meanwhile: harmless). True if written."""
        try:
            self._table.put_item(
                Item={"pk": sealed_pk(scope), "sk": summary_sk(day), "v": version, "blob": blob},
                ConditionExpression="attribute_not_exists(pk) OR v < :v",
                ExpressionAttributeValues={":v": version},
            )
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def gauges(self, scope: str) -> list[dict[str, Any]]:
        """The running counts of `scope`: its shards' totals and every agent's cell (a few dozen items)."""
        return self._query(KeyConditionExpression=Key("pk").eq(gauge_pk(scope)))

    def waiting_since(
        self, scope: str, agent: str | None, *, newer_than: str | None, oldest_first: bool, limit: int
    ) -> list[str]:
        """When the conversations waiting now in `scope` (one agent's, or everyone's) began waiting, oldest
        or newest first, at most `limit`; newest first, only those that began after `newer_than` (the sort
        key starts with the instant, so the older ones are never read). Pages of up to WAITING_PAGE items
        (~100 bytes each: far under a Query's 1 MB)."""
        condition = Key("pk").eq(waiting_pk(scope, agent))
        if newer_than is not None and not oldest_first:
            condition = condition & Key("sk").gt(f"{newer_than}#\uffff")
        request: dict[str, Any] = {
            "KeyConditionExpression": condition,
            "ProjectionExpression": "since",
            "ScanIndexForward": oldest_first,
        }
        found: list[str] = []
        while len(found) < limit:
            response = self._table.query(**request, Limit=min(limit - len(found), WAITING_PAGE))
            for item in response.get("Items", []):
                since = str(item["since"])
                if newer_than is not None and not oldest_first and since <= newer_than:
                    return found
                found.append(since)
            last = response.get("LastEvaluatedKey")
            if not last:
                break
            request["ExclusiveStartKey"] = last
        return found

    def departments(self) -> list[str]:
        items = self._query(
            IndexName="gsi1",
            KeyConditionExpression=Key("gsi1pk").eq("DEPARTMENTS"),
            ProjectionExpression="sk, gsi1sk",
        )
        return sorted(str(item["gsi1sk"]) for item in items)


def _add(table_name: str, pk: str, sk: str, counters: Mapping[str, int]) -> dict[str, Any]:
    names = {f"#n{i}": name for i, name in enumerate(counters)}
    values = {f":v{i}": int(value) for i, value in enumerate(counters.values())}
    expression = "ADD " + ", ".join(f"#n{i} :v{i}" for i in range(len(counters)))
    return {
        "Update": {
            "TableName": table_name,
            "Key": {"pk": pk, "sk": sk},
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def counters_of(item: Mapping[str, Any]) -> dict[str, int]:
    return {k: int(v) for k, v in item.items() if k not in ("pk", "sk") and not isinstance(v, str)}


def sum_counters(items: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for item in items:
        for name, value in counters_of(item).items():
            total[name] = total.get(name, 0) + value
    return total
