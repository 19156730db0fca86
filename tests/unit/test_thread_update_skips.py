"""The inbound steps skip a conditional thread update when the thread the pipeline holds shows it would change
nothing. Each skip must agree with DynamoDB: the same thread, updated through a plain table (never skips)
and through a ReadOnceTable holding the thread (may skip), must end the same and answer the same."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from inbox.dal.alert_replies_table import AlertRepliesTable
from inbox.dal.inbox_table import InboxTable
from switchboard.read_once import ReadOnceTable

from tests.unit.moto_table import pk_sk_table

AT = "2026-12-07T10:00:00.000000Z"
START = "2026-12-06T10:00:00.000000Z"
THREADS: list[dict[str, Any]] = [
    {},
    {"staff_text_at": START},
    {"last_alert_id": "a1", "last_alert_title": "Boil water", "last_alert_at": "2026-12-07T09:00:00.000000Z"},
    {"last_alert_id": "a1", "last_alert_at": "2026-12-05T09:00:00.000000Z"},
    {"last_alert_id": "a1", "last_alert_at": "2026-12-07T11:00:00.000000Z"},
    {"last_alert_id": "a1"},
    {"last_alert_at": "2026-12-07T09:00:00.000000Z"},
]


@pytest.fixture
def table() -> Iterator[Any]:
    with pk_sk_table() as made:
        yield made


def both_ways(table: Any, index: int, update: Any) -> tuple[Any, Any]:
    """((answer, item after) through a plain table, (answer, item after) through a ReadOnceTable holding the
    thread), from the same starting thread."""
    outcomes = []
    for way in ("plain", "remembering"):
        thread_id = f"{way}{index}"
        key = {"pk": f"THREAD#{thread_id}", "sk": "META"}
        table.put_item(Item={**key, **THREADS[index]})
        if way == "plain":
            answer = update(table, thread_id)
        else:
            reads = ReadOnceTable(table)
            with reads.scope():
                reads.prefetch([key])
                answer = update(reads, thread_id)
        item = table.get_item(Key=key)["Item"]
        outcomes.append((answer, {k: v for k, v in item.items() if k != "pk"}))
    return outcomes[0], outcomes[1]


@pytest.mark.parametrize("index", range(len(THREADS)))
def test_alert_reply_linking_skips_only_what_dynamodb_would_refuse(table: Any, index: int) -> None:
    plain, remembering = both_ways(
        table, index, lambda t, thread_id: AlertRepliesTable(t).link(thread_id, at=AT, window_start=START)
    )
    assert plain == remembering


@pytest.mark.parametrize("index", range(len(THREADS)))
def test_marking_for_staff_skips_only_what_would_change_nothing(table: Any, index: int) -> None:
    plain, remembering = both_ways(
        table, index, lambda t, thread_id: InboxTable(t).mark_for_staff(thread_id, AT)
    )
    assert plain == remembering


def test_marking_a_missing_thread_changes_nothing_either_way(table: Any) -> None:
    reads = ReadOnceTable(table)
    key = {"pk": "THREAD#none", "sk": "META"}
    with reads.scope():
        reads.prefetch([key])
        InboxTable(reads).mark_for_staff("none", AT)
    InboxTable(table).mark_for_staff("none", AT)
    assert "Item" not in table.get_item(Key=key)
