"""make bench-check: ratios read from a results file, oriented higher = worse, and a regression is a ratio
more than 25% worse than the committed one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import check


def figures(
    ack: float = 1.07, cold: float = 3.1, requests: float = 10.3, sent: float = 10.0
) -> dict[str, Any]:
    return {
        "webhook_ack": {"status": "ok", "ratio_p50": ack},
        "latency": {"status": "error: local stack did not start"},
        "cold_start": {"status": "ok", "functions": {"InboundConsumerFn": {"ratio_to_floor": cold}}},
        "requests": {
            "inbound_message": {
                "status": "ok",
                "requests_per_unit_total": requests,
                "floor_requests_per_unit": 4.3,
                "usd_per_million_requests_only": 16.19,
                "floor_usd_per_million": 6.82,
            },
            "alert_recipient": {
                "status": "ok",
                "aws_calls_per_unit_counted_total": 14.25,
                "floor_requests_per_unit": 9.15,
            },
        },
        "alerts": {"status": "ok", "configured_rate": 100, "sent_per_second": sent},
    }


def test_ratios_are_figure_over_floor_and_failed_sections_are_left_out() -> None:
    found = check.ratios(figures())
    assert found["webhook_ack.p50"] == 1.07
    assert found["cold_start.InboundConsumerFn"] == 3.1
    assert round(found["requests.inbound_message"], 3) == round(10.3 / 4.3, 3)
    assert round(found["cost.inbound_message"], 3) == round(16.19 / 6.82, 3)
    assert round(found["requests.alert_recipient"], 3) == round(14.25 / 9.15, 3)
    assert found["alerts.configured_over_sent_rate"] == 10.0  # a slower send rate is a higher ratio
    assert "latency.steady_p50" not in found


def test_more_than_25_percent_worse_fails_and_up_to_25_passes() -> None:
    committed = check.ratios(figures())
    regressions, _ = check.compare(committed, check.ratios(figures(cold=3.1 * 1.24, sent=10.0 / 1.2)))
    assert regressions == []
    regressions, _ = check.compare(committed, check.ratios(figures(cold=3.1 * 1.3, sent=10.0 / 1.3)))
    assert [line.split(":")[0] for line in regressions] == [
        "alerts.configured_over_sent_rate",
        "cold_start.InboundConsumerFn",
    ]
    regressions, notes = check.compare(committed, check.ratios(figures(ack=0.5, requests=4.3)))
    assert regressions == []  # better is never a failure
    assert any(line.startswith("webhook_ack.p50") for line in notes)


def test_main_compares_a_results_file_and_exits_1_on_a_regression(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    committed = tmp_path / "committed.json"
    committed.write_text(json.dumps({"figures": figures()}), encoding="utf-8")
    fresh = tmp_path / "fresh.json"
    monkeypatch.setattr(check, "COMMITTED", committed)
    fresh.write_text(json.dumps({"figures": figures(requests=10.3 * 1.1)}), encoding="utf-8")
    assert check.main([str(fresh)]) == 0
    fresh.write_text(json.dumps({"figures": figures(requests=10.3 * 1.5)}), encoding="utf-8")
    assert check.main([str(fresh)]) == 1
