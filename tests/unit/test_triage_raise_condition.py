"""Triage's skip of a thread update that would change nothing: `_would_raise` must read a thread item exactly
as DynamoDB reads `raise_thread`'s condition (checked here against moto, case by case)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from triage.dal.triage_table import TriageTable, _would_raise, triage_order
from triage.models.score import Score

from tests.unit.moto_table import pk_sk_table

AT = "2026-12-07T10:00:00.000000Z"
EARLIER, LATER = "2026-12-07T09:00:00.000000Z", "2026-12-07T11:00:00.000000Z"

THREADS: list[dict[str, Any]] = [
    {},
    {"waiting_since": EARLIER},
    {"waiting_since": LATER},
    {"waiting_since": AT},
    {"waiting_since": EARLIER, "triage_level": "normal", "triage_order": "2"},
    {"waiting_since": EARLIER, "triage_level": "high", "triage_order": "1"},
    {"waiting_since": EARLIER, "triage_level": "critical", "triage_order": "0"},
    {
        "waiting_since": EARLIER,
        "triage_level": "high",
        "triage_order": "1",
        "triage_override": {"at": EARLIER},
    },
    {"waiting_since": EARLIER, "triage_level": "high", "triage_order": "1", "triage_override": {"at": LATER}},
    {"waiting_since": EARLIER, "triage_override": {"by": "someone"}},
]


@pytest.fixture
def table() -> Iterator[Any]:
    with pk_sk_table() as made:
        yield made


@pytest.mark.parametrize("level", ["normal", "high", "critical"])
@pytest.mark.parametrize("index", range(len(THREADS)))
def test_the_skip_agrees_with_dynamodbs_condition(table: Any, level: str, index: int) -> None:
    thread_id = f"t{index}"
    thread = {"pk": f"THREAD#{thread_id}", "sk": "META", **THREADS[index]}
    table.put_item(Item=thread)
    score = Score(level=level, rules_version=1)  # type: ignore[arg-type]

    predicted = _would_raise(THREADS[index], triage_order(score), AT)
    applied = TriageTable(table).raise_thread(thread_id, score, AT)  # a plain table: never skips

    assert predicted == applied
