"""The rules in force (issue 17 item 2): versioned saves, validation before storing, and the step's cache."""

from __future__ import annotations

from typing import Any

import pytest
from triage.logic.rules_store import (
    InvalidRules,
    RulesConflict,
    TableRules,
    current_rules,
    save_rules,
)
from triage.logic.scorer import default_rules


class SavedRulesInMemory:
    def __init__(self) -> None:
        self.current: dict[str, Any] | None = None
        self.history: list[int] = []
        self.reads = 0

    def saved_rules(self) -> dict[str, Any] | None:
        self.reads += 1
        return self.current

    def save_rules(self, rules_json: str, version: int, previous: int | None, by: str, at: str) -> bool:
        if (self.current["version"] if self.current else None) != previous:
            return False
        self.current = {"version": version, "rules": rules_json, "updated_by": by, "updated_at": at}
        self.history.append(version)
        return True


def edited(**change: Any) -> dict[str, Any]:
    document = default_rules().model_dump(mode="json")
    document.update(change)
    return document


def test_the_shipped_rules_are_in_force_until_an_admin_saves() -> None:
    store = SavedRulesInMemory()
    view = current_rules(store)
    assert view.shipped and view.version == default_rules().version


def test_a_save_is_the_next_version_and_a_stale_one_is_refused() -> None:
    store = SavedRulesInMemory()
    shipped = default_rules().version
    rules = save_rules(store, edited(modifier_raises_to="critical"), shipped, "admin", "2026-12-07T09:00:00Z")
    assert rules.version == shipped + 1 and store.history == [shipped + 1]
    assert current_rules(store).rules["modifier_raises_to"] == "critical"
    with pytest.raises(RulesConflict):
        save_rules(store, edited(), shipped, "other admin", "2026-12-07T09:01:00Z")
    assert store.history == [shipped + 1]


def test_invalid_rules_name_the_place_and_store_nothing() -> None:
    store = SavedRulesInMemory()
    document = edited()
    document["rules"][0]["phrases"]["en"].append("... dangling")
    with pytest.raises(InvalidRules) as refused:
        save_rules(store, document, default_rules().version, "admin", "2026-12-07T09:00:00Z")
    assert any(problem.startswith("rules.0.phrases") for problem in refused.value.problems)
    assert store.current is None


def test_the_step_rereads_the_rules_at_most_once_a_minute() -> None:
    store = SavedRulesInMemory()
    now = [1000.0]
    source = TableRules(store, clock=lambda: now[0])
    assert source.scorer().version == default_rules().version
    save_rules(store, edited(), default_rules().version, "admin", "2026-12-07T09:00:00Z")
    now[0] += 59
    assert source.scorer().version == default_rules().version  # cached
    now[0] += 1
    assert source.scorer().version == default_rules().version + 1
    assert store.reads == 2 + 1  # two by the source, one by save_rules
