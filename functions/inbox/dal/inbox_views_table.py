"""The inbox's views, counts and search on the one table (docs/architecture.md, "The inbox at crisis scale").

Every read here is a Query on one index partition (or a handful: one per department, three for a search), a
page at a time, or a GetItem: its cost follows the page asked for, not the number of threads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key
from switchboard.table_keys import (
    RESIDENT_SK,
    STAFF_SK,
    THREAD_META_SK,
    resident_pk,
    staff_pk,
    term_pk,
    thread_pk,
)

MAX_FILTERED_READS = 5  # Query calls one page may take when a filter (label, channel) drops most items
# Items a filtered Query examines: 50 at first (a filter that keeps most, like "unassigned", is done in one
# call), then four times more per call while it finds too few (a label matches a few percent of threads:
# eight calls of 50 found 20 urgent threads out of 3,000), up to 1,000 small thread items, well under
# DynamoDB's 1 MB page.
FILTERED_FIRST_PAGE, FILTERED_GROWTH, FILTERED_MAX_PAGE = 50, 4, 1000
COUNT_CAP = 1000  # counts read at most this many index entries; beyond it the page shows "1000+"
THREAD_POSTING_PREFIX = "THREAD#"
SORT_VALUE_SEPARATOR = "#"  # between the values of a multi-attribute sort key (none of them holds it)
LABEL_MEMBERS_CAP = 2000  # threads read for a label filter; a label on more threads falls back to the indexes


def label_pk(label: str) -> str:
    """The threads carrying a label: `LABEL#{label}` / `THREAD#{thread_id}` (kept by set_labels)."""
    return f"LABEL#{label}"


def label_members(thread_id: str, labels: Iterable[str]) -> list[dict[str, Any]]:
    return [
        {"pk": label_pk(label), "sk": f"{THREAD_POSTING_PREFIX}{thread_id}", "thread_id": thread_id}
        for label in labels
    ]


@dataclass(frozen=True)
class IndexQuery:
    """One index partition: `index` None = the base table; `key` = partition attributes (+ sort condition)."""

    index: str | None
    key: dict[str, str]
    sort_attr: str
    newest_first: bool = True
    filter: ConditionBase | None = None
    then_attrs: tuple[str, ...] = ()  # further sort key attributes of a multi-attribute sort key

    @property
    def sort_attrs(self) -> tuple[str, ...]:
        return (self.sort_attr, *self.then_attrs)

    def sort_value(self, item: dict[str, Any]) -> str:
        """The item's place in the index order, as one string ("2#2026-…" for a two-attribute sort key)."""
        return SORT_VALUE_SEPARATOR.join(str(item.get(name, "")) for name in self.sort_attrs)

    def condition(self) -> ConditionBase:
        items = list(self.key.items())
        condition: ConditionBase = Key(items[0][0]).eq(items[0][1])
        for name, value in items[1:]:
            condition = condition & Key(name).eq(value)
        return condition

    def start_key_of(self, item: dict[str, Any]) -> dict[str, str]:
        """The ExclusiveStartKey that resumes this query right after `item`."""
        names = {"pk", "sk", *self.key, *self.sort_attrs} if self.index else {"pk", "sk"}
        return {name: str(item[name]) for name in names}

    def key_names(self) -> tuple[str, ...]:
        return tuple(sorted({"pk", "sk", *self.key, *self.sort_attrs})) if self.index else ("pk", "sk")


@dataclass(frozen=True)
class Slice:
    items: list[dict[str, Any]]
    last_key: dict[str, Any] | None  # None: the partition is exhausted
    reads: int


@dataclass(frozen=True)
class Count:
    count: int
    capped: bool


class InboxViewsTable:
    def __init__(self, table: Any) -> None:
        self._table = table

    # --- views ---------------------------------------------------------------------------------------------

    def read(self, query: IndexQuery, limit: int, start: dict[str, str] | None) -> Slice:
        """Up to `limit` matching items from `start`, in the index's order. With a filter, DynamoDB's Limit
        counts items read before filtering, so this keeps reading (at most MAX_FILTERED_READS calls)."""
        found: list[dict[str, Any]] = []
        last_key: dict[str, Any] | None = start
        reads = 0
        examine = max(limit, FILTERED_FIRST_PAGE)
        while len(found) < limit and reads < MAX_FILTERED_READS:
            request: dict[str, Any] = {
                "KeyConditionExpression": query.condition(),
                "ScanIndexForward": not query.newest_first,
                "Limit": limit - len(found) if query.filter is None else examine,
            }
            examine = min(examine * FILTERED_GROWTH, FILTERED_MAX_PAGE)
            if query.index:
                request["IndexName"] = query.index
            if query.filter is not None:
                request["FilterExpression"] = query.filter
            if last_key:
                request["ExclusiveStartKey"] = last_key
            response = self._table.query(**request)
            reads += 1
            items = response.get("Items", [])
            room = limit - len(found)
            if len(items) > room:
                # A filtered read matched more than the page holds: resume right after the last one kept.
                found.extend(items[:room])
                return Slice(found, query.start_key_of(found[-1]), reads)
            found.extend(items)
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return Slice(found, None, reads)
        return Slice(found, last_key, reads)

    def count(self, query: IndexQuery, cap: int = COUNT_CAP) -> Count:
        request: dict[str, Any] = {
            "KeyConditionExpression": query.condition(),
            "Select": "COUNT",
            "Limit": cap,
        }
        if query.index:
            request["IndexName"] = query.index
        if query.filter is not None:
            request["FilterExpression"] = query.filter
        response = self._table.query(**request)
        return Count(count=int(response.get("Count", 0)), capped=bool(response.get("LastEvaluatedKey")))

    def label_threads(self, label: str, cap: int | None = None) -> tuple[list[str], bool]:
        """Ids of the threads carrying `label` (at most `cap`, LABEL_MEMBERS_CAP by default), and whether
        there were more."""
        cap = LABEL_MEMBERS_CAP if cap is None else cap
        ids: list[str] = []
        query: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(label_pk(label)),
            "ProjectionExpression": "thread_id",
        }
        while True:
            response = self._table.query(**query)
            ids += [str(item["thread_id"]) for item in response.get("Items", [])]
            if len(ids) > cap:
                return ids[:cap], True
            if not response.get("LastEvaluatedKey"):
                return ids, False
            query["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def staff_departments(self, sub: str) -> list[str]:
        item = self._table.get_item(Key={"pk": staff_pk(sub), "sk": STAFF_SK}).get("Item") or {}
        return sorted(str(d) for d in item.get("departments") or [])

    # --- search --------------------------------------------------------------------------------------------

    def resident_thread_ids(self, addresses: Iterable[str]) -> list[str]:
        keys = [{"pk": resident_pk(address), "sk": RESIDENT_SK} for address in addresses]
        return [str(item["thread_id"]) for item in self._batch_get(keys)]

    def postings(
        self, term: str, *, also: list[str], limit: int, max_reads: int = 3
    ) -> tuple[list[str], bool]:
        """Thread ids whose postings under `term` (newest first) also hold every term of `also` in the same
        message; (ids, more) where `more` says the list was cut at `limit` or at `max_reads` calls."""
        thread_ids: dict[str, None] = {}
        start: dict[str, Any] | None = None
        for _ in range(max_reads):
            request: dict[str, Any] = {
                "KeyConditionExpression": Key("pk").eq(term_pk(term)),
                "ScanIndexForward": False,
                "Limit": 200,
                "ProjectionExpression": "thread_id",
            }
            condition: ConditionBase | None = None
            for other in also:
                clause = Attr("terms").contains(other)
                condition = clause if condition is None else condition & clause
            if condition is not None:
                request["FilterExpression"] = condition
            if start:
                request["ExclusiveStartKey"] = start
            response = self._table.query(**request)
            for item in response.get("Items", []):
                thread_ids.setdefault(str(item["thread_id"]), None)
                if len(thread_ids) >= limit:
                    return list(thread_ids), True
            start = response.get("LastEvaluatedKey")
            if not start:
                return list(thread_ids), False
        return list(thread_ids), True

    def threads(self, thread_ids: list[str]) -> list[dict[str, Any]]:
        keys = [{"pk": thread_pk(thread_id), "sk": THREAD_META_SK} for thread_id in thread_ids]
        return self._batch_get(keys)

    def _batch_get(self, keys: list[dict[str, str]]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        name = self._table.name
        client = self._table.meta.client  # a resource's client: plain Python values in and out
        for offset in range(0, len(keys), 100):
            pending: dict[str, Any] = {name: {"Keys": keys[offset : offset + 100]}}
            for _ in range(5):
                response = client.batch_get_item(RequestItems=pending)
                found.extend(dict(item) for item in response.get("Responses", {}).get(name, []))
                pending = response.get("UnprocessedKeys") or {}
                if not pending:
                    break
        return found

    # --- writing postings -----------------------------------------------------------------------------------

    def put_postings(self, items: list[dict[str, Any]]) -> None:
        """Posting items are keyed by what they index, so writing one twice changes nothing."""
        with self._table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for item in items:
                batch.put_item(Item=item)


def message_postings(
    *, thread_id: str, at: str, ref: str, terms: list[str], phone: str | None
) -> list[dict[str, Any]]:
    """Posting items of one message: a word posting per term (newest first under the term, carrying the
    message's terms so a several-word search is one Query with a filter), and the thread's phone posting."""
    items: list[dict[str, Any]] = [
        {"pk": term_pk(term), "sk": f"{at}#{thread_id}#{ref}", "thread_id": thread_id, "terms": terms}
        for term in terms
    ]
    if phone:
        items.append(
            {"pk": term_pk(phone), "sk": f"{THREAD_POSTING_PREFIX}{thread_id}", "thread_id": thread_id}
        )
    return items


def thread_postings(thread_id: str, terms: list[str]) -> list[dict[str, Any]]:
    """Thread-level postings (a resident's name): one per term and thread."""
    return [
        {"pk": term_pk(term), "sk": f"{THREAD_POSTING_PREFIX}{thread_id}", "thread_id": thread_id}
        for term in terms
    ]


__all__ = ["Count", "IndexQuery", "InboxViewsTable", "Slice", "label_members", "label_pk"]
