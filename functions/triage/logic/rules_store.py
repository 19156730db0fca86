"""The rules in force: an admin's saved rules, else the rules shipped with the package. Edits are versioned
(each save is the next version, refused if someone saved since the version the admin edited), validated
before they are stored, and audited."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import ValidationError

from triage.logic.scorer import Scorer, default_rules
from triage.models.rules import RuleSet
from triage.models.views import RulesView

RULES_CACHE_SECONDS = 60.0  # a warm function picks up an admin's save within a minute


class RulesConflict(RuntimeError):
    """Someone saved another version since the one the admin edited."""


class InvalidRules(ValueError):
    """The rules do not validate; `problems` says where and why (quoting the admin's rules, no resident
    text)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid rules")
        self.problems = problems


class SavedRules(Protocol):
    def saved_rules(self) -> dict[str, Any] | None: ...

    def save_rules(self, rules_json: str, version: int, previous: int | None, by: str, at: str) -> bool: ...


def current_rules(store: SavedRules) -> RulesView:
    saved = store.saved_rules()
    if saved is None:
        shipped = default_rules()
        return RulesView(version=shipped.version, rules=shipped.model_dump(mode="json"), shipped=True)
    return RulesView(
        version=int(saved["version"]),
        rules=json.loads(saved["rules"]),
        updated_at=saved.get("updated_at"),
        updated_by=saved.get("updated_by"),
        shipped=False,
    )


def parse_rules(document: dict[str, Any], version: int) -> RuleSet:
    try:
        return RuleSet.model_validate({**document, "version": version})
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()
        ]
        raise InvalidRules(problems[:20]) from None


def save_rules(store: SavedRules, document: dict[str, Any], based_on: int, by: str, at: str) -> RuleSet:
    """Validate and store the edited rules as the next version; RulesConflict if `based_on` is stale."""
    saved = store.saved_rules()
    current = int(saved["version"]) if saved else default_rules().version
    if based_on != current:
        raise RulesConflict(f"the rules are at version {current}")
    rules = parse_rules(document, current + 1)
    Scorer(rules)  # every phrase compiles before anything is stored
    if not store.save_rules(
        rules.model_dump_json(), rules.version, int(saved["version"]) if saved else None, by, at
    ):
        raise RulesConflict("the rules changed meanwhile")
    return rules


class TableRules:
    """A RulesSource for the inbound step: the saved rules, re-read at most once a minute."""

    def __init__(self, store: SavedRules, clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._clock = clock
        self._scorer: Scorer | None = None
        self._read_at = 0.0

    def scorer(self) -> Scorer:
        now = self._clock()
        if self._scorer is None or now - self._read_at >= RULES_CACHE_SECONDS:
            saved = self._store.saved_rules()
            version = int(saved["version"]) if saved else default_rules().version
            if self._scorer is None or version != self._scorer.version:
                rules = RuleSet.model_validate_json(saved["rules"]) if saved else default_rules()
                self._scorer = Scorer(rules)
            self._read_at = now
        return self._scorer
