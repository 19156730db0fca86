"""Percentiles and the knobs that size a run (BENCH_QUICK=1 for a smoke run, BENCH_<NAME>=n to override)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any


def quick() -> bool:
    return os.environ.get("BENCH_QUICK", "") not in ("", "0")


def size(name: str, full: int, quick_size: int) -> int:
    """A sample size: BENCH_<NAME> if set, else the quick or full default."""
    override = os.environ.get(f"BENCH_{name.upper()}")
    if override:
        return int(override)
    return quick_size if quick() else full


def percentile(samples: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), q in [0, 100]."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(samples_ms: Sequence[float]) -> dict[str, Any]:
    return {
        "n": len(samples_ms),
        "p50_ms": round(percentile(samples_ms, 50), 3),
        "p95_ms": round(percentile(samples_ms, 95), 3),
        "p99_ms": round(percentile(samples_ms, 99), 3),
        "min_ms": round(min(samples_ms), 3),
        "max_ms": round(max(samples_ms), 3),
    }
