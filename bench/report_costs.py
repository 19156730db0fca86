"""Unit costs for the Reports page, written from the bench's cost model (never copied by hand).

`python -m bench.report_costs` reads bench/results.json (the dollars per 1M inbound messages, agent
replies and alert recipients that `make bench` measured with bench/cost_model.py) and bench/prices.json
(Twilio's segment prices), and writes functions/reports/data/unit_costs.json (shipped with reports).
tests/unit/test_report_costs.py fails when that file differs from what this would write.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.cost_model import MILLION, PriceBook

RESULTS_PATH = Path(__file__).with_name("results.json")
UNIT_COSTS_PATH = Path(__file__).parent.parent / "functions" / "reports" / "data" / "unit_costs.json"

# A contact's cost today by the seeds (issue 18: a 311 call, a text contact), shown beside ours.
ANCHORS = {
    "usd_per_311_phone_call": 3.39,
    "usd_per_text_contact": 0.60,
}


def unit_costs(results: dict[str, Any], prices: PriceBook) -> dict[str, Any]:
    requests = results["figures"]["requests"]

    def per_unit(figure: str) -> float:
        entry = requests[figure]
        usd = entry.get("usd_per_million", entry.get("usd_per_million_requests_only"))
        return round(float(usd) / MILLION, 10)

    return {
        "aws_usd_per_inbound_message": per_unit("inbound_message"),
        "aws_usd_per_agent_reply": per_unit("agent_reply"),
        "aws_usd_per_alert_recipient": per_unit("alert_recipient"),
        "twilio_usd_per_inbound_segment": prices.usd("twilio_sms_inbound_segment"),
        "twilio_usd_per_outbound_segment": prices.usd("twilio_sms_outbound_segment"),
        "anchors": ANCHORS,
        "basis": (
            f"make bench of {results['generated_at'][:10]} (bench/cost_model.py, bench/prices.json): AWS per "
            "inbound message and per agent reply with logs, per alert recipient (SDK calls); Twilio one SMS "
            "segment each way; carrier fees not included"
        ),
    }


def render(results_path: Path = RESULTS_PATH) -> str:
    results = json.loads(results_path.read_text(encoding="utf-8"))
    return json.dumps(unit_costs(results, PriceBook.load()), indent=2, sort_keys=True) + "\n"


def main() -> None:
    UNIT_COSTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    UNIT_COSTS_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {UNIT_COSTS_PATH}")


if __name__ == "__main__":
    main()
