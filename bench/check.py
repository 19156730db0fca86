"""`make bench-check`: a fresh quick run's ratios against the committed bench/results.json; exit 1 when any
ratio is more than 25% worse.

Only ratios are compared, never raw times: a ratio divides a figure by its floor measured in the same run on
the same machine (webhook ack / SendMessage alone, a handler's import / `import boto3`, requests / the floor's
requests, dollars / the floor's dollars), so a slower or busier machine moves both sides. Every ratio here is
oriented so that higher is worse (the alert rate is turned into configured / achieved). A ratio missing on
either side (a section that failed or was not run) is listed, not failed: the run's own status says why.

`python -m bench.check` runs the quick bench (BENCH_QUICK=1) without touching bench/results.json;
`python -m bench.check FRESH.json` compares a results file already written instead.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

COMMITTED = Path(__file__).with_name("results.json")
TOLERANCE = 1.25  # a fresh ratio above 1.25 x the committed one is a regression


def ratios(figures: dict[str, Any]) -> dict[str, float]:
    """Every figure-to-floor ratio in a run, higher = worse, by a stable name."""
    found: dict[str, float] = {}

    def ok(section: Any) -> bool:
        return isinstance(section, dict) and section.get("status", "ok") == "ok"

    ack = figures.get("webhook_ack", {})
    if ok(ack) and "ratio_p50" in ack:
        found["webhook_ack.p50"] = float(ack["ratio_p50"])
    latency = figures.get("latency", {})
    if ok(latency) and "ratio_p50" in latency:
        found["latency.steady_p50"] = float(latency["ratio_p50"])
    cold = figures.get("cold_start", {})
    if ok(cold):
        for name, row in cold.get("functions", {}).items():
            found[f"cold_start.{name}"] = float(row["ratio_to_floor"])
    requests = figures.get("requests", {})
    if ok(requests):
        for name, scenario in requests.items():
            if not ok(scenario) or not scenario.get("floor_requests_per_unit"):
                continue
            total = scenario.get("requests_per_unit_total", scenario.get("aws_calls_per_unit_counted_total"))
            if total is not None:
                found[f"requests.{name}"] = float(total) / float(scenario["floor_requests_per_unit"])
            if scenario.get("floor_usd_per_million") and "usd_per_million_requests_only" in scenario:
                found[f"cost.{name}"] = float(scenario["usd_per_million_requests_only"]) / float(
                    scenario["floor_usd_per_million"]
                )
    idle = figures.get("idle_cost", {})
    if ok(idle) and "usd_month_without_waf" in idle:
        found["idle_cost.vs_5_usd"] = float(idle["usd_month_without_waf"]) / 5
    alerts = figures.get("alerts", {})
    if ok(alerts) and alerts.get("sent_per_second"):
        found["alerts.configured_over_sent_rate"] = float(alerts["configured_rate"]) / float(
            alerts["sent_per_second"]
        )
    paced = figures.get("pacer", {})
    if ok(paced):
        for rate, row in paced.get("rates", {}).items():
            if row.get("sent_per_second"):
                found[f"pacer.{rate}.rate_over_sent"] = float(row["rate"]) / float(row["sent_per_second"])
    return found


def compare(committed: dict[str, float], fresh: dict[str, float]) -> tuple[list[str], list[str]]:
    """(regressions, notes): a regression is a fresh ratio above TOLERANCE x its committed value."""
    regressions: list[str] = []
    notes: list[str] = []
    for name in sorted(committed.keys() | fresh.keys()):
        if name not in fresh or name not in committed:
            notes.append(f"{name}: only in the {'committed' if name in committed else 'fresh'} run")
            continue
        before, now = committed[name], fresh[name]
        line = f"{name}: committed {before:.2f}, fresh {now:.2f}"
        if before > 0 and now > before * TOLERANCE:
            regressions.append(f"{line} ({now / before - 1:+.0%}, more than {TOLERANCE - 1:.0%} worse)")
        else:
            notes.append(line)
    return regressions, notes


def _fresh_figures(argv: list[str]) -> dict[str, Any]:
    if argv:
        return dict(json.loads(Path(argv[0]).read_text(encoding="utf-8"))["figures"])
    os.environ["BENCH_QUICK"] = "1"
    from bench.__main__ import collect

    return collect()


def main(argv: list[str]) -> int:
    committed = ratios(json.loads(COMMITTED.read_text(encoding="utf-8"))["figures"])
    fresh = ratios(_fresh_figures(argv))
    regressions, notes = compare(committed, fresh)
    for line in notes:
        print("  ok   " + line)
    for line in regressions:
        print("  FAIL " + line)
    compared = len(committed.keys() & fresh.keys())
    print(f"bench-check: {compared} ratios compared, {len(regressions)} more than 25% worse")
    return 1 if regressions or not compared else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
