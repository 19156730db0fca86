"""Which AWS calls a unit of work makes, by key shape and call site: `python -m bench.calls_by_site`.

Runs the request-count scenarios (bench/requests_count.py: inbound messages, agent replies) with every call
the counters count also tallied by its operation, the shape of its key (ids, numbers and times replaced by
`*`) and the innermost frame of our code that made it. This is how docs/requests-per-unit.md names each call
and why it is there. BENCH_QUICK=1 for the small sample.
"""

from __future__ import annotations

import re
import threading
import traceback
from collections import Counter
from collections.abc import Mapping
from typing import Any

from bench import requests_count
from bench.cost_model import PriceBook
from bench.template import synthesize

_ID = re.compile(r"[0-9a-f]{8,}|\+?\d{6,}|\d{4}-\d\d-\d\dT[\d:.]+Z?")


def _shape(value: Any) -> str:
    return _ID.sub("*", str(value))[:90]


def _key(operation: str, params: Mapping[str, Any]) -> str:
    if operation == "TransactWriteItems":
        parts = []
        for item in params.get("TransactItems", []):
            action = next(iter(item.values()))
            key = action.get("Key") or {k: action.get("Item", {}).get(k) for k in ("pk", "sk")}
            parts.append(_shape([v for v in key.values()]))
        return " + ".join(parts)
    if "Key" in params:
        return _shape(params["Key"])
    if "Item" in params:
        return _shape({k: params["Item"].get(k) for k in ("pk", "sk")})
    return ""


def _site() -> str:
    ours = [
        f
        for f in traceback.extract_stack()
        if ("/functions/" in f.filename or "/switchboard/" in f.filename)
        and not f.filename.endswith("read_once.py")  # the caller of the memory is the site
    ]
    return f"{ours[-1].filename.rsplit('/', 1)[-1]}:{ours[-1].name}" if ours else "?"


def tally() -> Counter[str]:
    """Calls by "phase: service.Operation key @ site" (the phase names the scenario's function)."""
    sites: Counter[str] = Counter()
    original = requests_count.RequestCounter.record
    original_call = requests_count.Phase.call
    current: list[str] = []

    def call(self: requests_count.Phase, event: dict[str, Any]) -> Any:
        current.append(self.name)
        try:
            return original_call(self, event)
        finally:
            current.pop()

    def record(
        self: requests_count.RequestCounter,
        service: str,
        operation: str,
        params: Mapping[str, Any],
        parsed: Mapping[str, Any],
    ) -> None:
        if self.only_thread is None or threading.get_ident() == self.only_thread:
            phase = current[-1] if current else "?"
            sites[f"{phase}: {service}.{operation} {_key(operation, params)} @ {_site()}"] += 1
        original(self, service, operation, params, parsed)

    requests_count.RequestCounter.record = record  # type: ignore[method-assign]
    requests_count.Phase.call = call  # type: ignore[method-assign]
    try:
        requests_count.run(synthesize(), PriceBook.load())
    finally:
        requests_count.RequestCounter.record = original  # type: ignore[method-assign]
        requests_count.Phase.call = original_call  # type: ignore[method-assign]
    return sites


if __name__ == "__main__":
    for line, count in sorted(tally().items(), key=lambda item: (-item[1], item[0])):
        print(f"{count:5d}  {line[:400]}")
