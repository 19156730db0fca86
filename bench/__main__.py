"""`python -m bench`: run every benchmark, print one table, write bench/results.json.

Sections run in order and each one's failure is recorded, not fatal, so the table always prints; the exit
status is 1 if any section failed. BENCH_QUICK=1 shrinks every sample (a smoke run, about a minute).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    alert_fanout,
    booked_callback,
    cold_start,
    idle_cost,
    inbox_scale,
    latency,
    memory_sizes,
    pacer,
    planner_shards,
    report_scale,
    requests_count,
    service_request_intake,
    triage_rescore,
    triage_view,
    webhook_ack,
)
from bench.cost_model import PriceBook
from bench.stats import quick
from bench.template import Stack, synthesize

RESULTS_PATH = Path(__file__).with_name("results.json")


def _section(name: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    print(f"bench: {name}...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        result = run()
    except Exception as error:  # noqa: BLE001 - one broken figure must not hide the others
        traceback.print_exc()
        result = {"status": f"error: {type(error).__name__}: {error}"}
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def collect() -> dict[str, Any]:
    prices = PriceBook.load()
    figures: dict[str, Any] = {}
    stack_holder: dict[str, Stack] = {}

    def synth() -> dict[str, Any]:
        stack_holder["stack"] = synthesize()
        return {"status": "ok"}

    figures["synth"] = _section("synthesizing the CDK app", synth)
    stack = stack_holder.get("stack")

    def needs_stack(run: Callable[[Stack], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
        def guarded() -> dict[str, Any]:
            if stack is None:
                return {"status": "not measured: synth failed"}
            return run(stack)

        return guarded

    figures.update(_local_stack_figures(stack))
    figures["cold_start"] = _section("cold start", needs_stack(cold_start.run))
    figures["requests"] = _section(
        "requests per unit of work", needs_stack(lambda s: requests_count.run(s, prices))
    )
    figures["memory_sizes"] = _section(
        "memory size per function (a model)", needs_stack(lambda s: memory_sizes.run(s, prices))
    )
    # Measured on the local stack (the workflow must run), reported with the other request figures.
    booked = figures.pop("booked_callback")
    if figures["requests"].get("status", "ok") == "ok" and "inbound_message" in figures["requests"]:
        figures["requests"]["booked_callback"] = booked
    figures["idle_cost"] = _section("idle cost", needs_stack(lambda s: idle_cost.run(s.template, prices)))
    figures["service_request_intake"] = _section(
        "311 intake by text", needs_stack(service_request_intake.run)
    )
    figures["pacer"] = _section("alert pacer, in-memory fakes", pacer.run)
    figures["planner_shards"] = _section("alert planner shards, in-memory fakes", planner_shards.run)
    # Its own local stack: the send rate is a template parameter (AlertSendRate). Every text delivered, at a
    # size this machine sends in minutes; then, when asked for, the size (BENCH_ALERT_RECIPIENTS),
    # sampled when BENCH_ALERT_SEND_WINDOW_S is set (see bench/alert_fanout.py).
    delivered_size = alert_fanout.QUICK_RECIPIENTS if quick() else alert_fanout.DEFAULT_RECIPIENTS
    figures["alerts"] = _section(
        "alert fan-out, every text delivered", lambda: alert_fanout.run(delivered_size, window_s=0)
    )
    # In-process moto, as bench/triage_rescore.py runs alone; after the local stack has stopped.
    figures["triage_rescore"] = _section("re-scoring every open thread", triage_rescore.run)
    at_scale = os.environ.get("BENCH_ALERT_RECIPIENTS")
    if at_scale:
        figures["alerts_at_scale"] = _section(
            f"alert fan-out to {int(at_scale):,}", lambda: alert_fanout.run(int(at_scale))
        )
    alerts = figures["alerts"]
    if alerts.get("status") == "ok" and figures["requests"].get("status", "ok") == "ok":
        figures["requests"]["alert_recipient"] = {
            "status": "ok",
            "aws_calls_per_unit_counted_total": alerts["aws_requests_per_recipient"],
            "aws_calls_per_unit_counted": alerts["aws_requests_by_operation"],
            "floor_requests_per_unit": alerts["floor_requests_per_recipient"],
            "usd_per_million_requests_only": alerts["counted_aws_cost_per_million_recipients_usd"],
            "floor_usd_per_million": alerts["floor_usd_per_million_recipients"],
            "twilio_usd_per_million": alerts["twilio_usd_per_million_recipients"],
            "source": f"the alert fan-out to {alerts['recipients']:,} on the local stack (Alerts figures)",
        }
    return figures


def _local_stack_figures(stack: Stack | None) -> dict[str, Any]:
    """Webhook ack and latency share one local stack; without it the ack runs on in-process moto."""
    if stack is None:
        return {
            name: {"status": "not measured: synth failed"}
            for name in (
                "webhook_ack",
                "latency",
                "booked_callback",
                "inbox_scale",
                "triage_view",
                "report_scale",
            )
        }
    local_stack = latency.local_stack_class()
    if local_stack is None:
        return {
            "webhook_ack": _section(
                "webhook acknowledgement", lambda: webhook_ack.run_in_process_moto(stack)
            ),
            "latency": {"status": "not measured: the local stack (infra/local LocalStack) has not landed"},
            "booked_callback": {
                "status": "not measured: the local stack (infra/local LocalStack) has not landed"
            },
            "inbox_scale": {
                "status": "not measured: the local stack (infra/local LocalStack) has not landed"
            },
            "triage_view": {
                "status": "not measured: the local stack (infra/local LocalStack) has not landed"
            },
            "report_scale": {
                "status": "not measured: the local stack (infra/local LocalStack) has not landed"
            },
        }
    print("bench: starting the local stack...", file=sys.stderr, flush=True)
    local = local_stack()
    try:
        local.start()
    except Exception as error:  # noqa: BLE001 - report it in the table, measure the rest
        traceback.print_exc()
        failed = {"status": f"error: local stack did not start: {type(error).__name__}: {error}"}
        return {
            "webhook_ack": failed,
            "latency": dict(failed),
            "booked_callback": dict(failed),
            "inbox_scale": dict(failed),
            "triage_view": dict(failed),
            "report_scale": dict(failed),
        }
    try:
        return {
            "webhook_ack": _section("webhook acknowledgement", lambda: webhook_ack.run_on(local, stack)),
            "latency": _section("resident-to-agent latency", lambda: latency.run_on(local)),
            "booked_callback": _section(
                "requests per booked callback", lambda: booked_callback.run_on(local, PriceBook.load())
            ),
            # Last: it fills the stack with 10,000 threads.
            "inbox_scale": _section(
                "inbox views and search at crisis scale", lambda: inbox_scale.run_on(local)
            ),
            # Its own 10,000 waiting threads (ids apart from inbox_scale's, which have no urgency).
            "triage_view": _section('"Most urgent first" at crisis scale', lambda: triage_view.run_on(local)),
            # After inbox_scale: its 10,000 threads are in the table the reports read from.
            "report_scale": _section("a 30-day report at crisis scale", lambda: report_scale.run_on(local)),
        }
    finally:
        local.stop()


# --- the table --------------------------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def _usd(value: float) -> str:
    return f"${value:,.2f}"


def _status_row(figure: str, section: dict[str, Any]) -> list[str]:
    return [figure, section.get("status", "?"), "", "", ""]


def _ack_rows(ack: dict[str, Any]) -> list[list[str]]:
    if ack.get("status") != "ok":
        return [_status_row("Webhook ack, warm p50 / p99", ack)]
    handler, floor = ack["handler"], ack["floor_send_message"]
    return [
        [
            "Webhook ack, warm p50 / p99",
            f"{_ms(handler['p50_ms'])} / {_ms(handler['p99_ms'])}",
            f"SendMessage alone {_ms(floor['p50_ms'])} / {_ms(floor['p99_ms'])}",
            f"{ack['ratio_p50']}x / {ack['ratio_p99']}x",
            f"n={handler['n']}, {ack['backend']}",
        ]
    ]


def _latency_rows(result: dict[str, Any]) -> list[list[str]]:
    if result.get("status") != "ok":
        return [_status_row("Resident -> agent latency p50 / p95", result)]
    steady, burst = result["steady"], result["burst"]
    return [
        [
            "Resident -> agent latency p50 / p95",
            f"{_ms(steady['p50_ms'])} / {_ms(steady['p95_ms'])}",
            f"webhook POST alone {_ms(result['floor']['p50_ms'])}",
            f"{result['ratio_p50']}x",
            f"n={steady['n']} one at a time, over HTTP, read through the agent API",
        ],
        [
            f"Burst of {burst['messages']} sent at once",
            (
                f"drained in {burst['drain_s']:.1f} s, {burst['lost']} lost"
                if burst.get("not_visible_by_timeout", 0) == 0
                else f"{burst['not_visible_by_timeout']} not shown within {burst['timeout_s']} s; "
                f"{burst['lost']} lost once drained"
            ),
            f"per message p50 / p95 {_ms(burst['latency']['p50_ms'])} / {_ms(burst['latency']['p95_ms'])}",
            "",
            f"{burst['senders']} concurrent senders, {burst['residents']} residents; "
            + _concurrency_note(burst),
        ],
    ]


def _concurrency_note(section: dict[str, Any]) -> str:
    """Each mapping's batches in flight at most / its maximum, and the cores the section kept busy."""
    used = ", ".join(f"{name} {value}" for name, value in section.get("concurrency", {}).items())
    note = f"concurrency used/max: {used or 'none'}"
    cpu = section.get("cpu")
    if cpu:
        note += (
            f"; instances in processes, {cpu['cores_busy']} cores busy (stack {cpu['stack_process_cpu_s']} s "
            f"+ instances {cpu['instances_cpu_s']} s CPU in {cpu['wall_s']} s)"
        )
    return note


def _cold_rows(result: dict[str, Any]) -> list[list[str]]:
    if result.get("status") != "ok":
        return [_status_row("Cold start (import + init)", result)]
    floor = result["floor"]
    rows = []
    for logical_id, row in result["functions"].items():
        top = ", ".join(f"{d['package']} {d['ms']:.0f}" for d in row["dominated_by"][:3])
        rows.append(
            [
                f"Cold start {logical_id}",
                f"{_ms(row['import_ms_median'])}, zip {row['package_zipped_bytes'] / 1e6:.1f} MB",
                f"import {floor['module']} {_ms(floor['import_ms_median'])}",
                f"{row['ratio_to_floor']}x",
                f"median of {result['runs']}; top (ms): {top}",
            ]
        )
    return rows


def _requests_rows(result: dict[str, Any], prices: PriceBook) -> list[list[str]]:
    if result.get("status", "ok") != "ok" or "inbound_message" not in result:
        return [_status_row("AWS requests per unit of work", result)]
    rows = []
    labels = {
        "inbound_message": ("inbound message", "inbound messages"),
        "agent_reply": ("agent reply", "agent replies"),
        "alert_recipient": ("alert recipient", "alert recipients"),
        "booked_callback": ("booked callback", "booked callbacks"),
    }
    for key, (label, plural) in labels.items():
        scenario = result[key]
        if scenario.get("status") != "ok":
            rows.append([f"Requests per {label}", scenario.get("status", "?"), "", "", ""])
            if key == "alert_recipient":
                rows.append([f"AWS cost per 1M {plural}", scenario.get("status", "?"), "", "", ""])
            continue
        calls = ", ".join(
            f"{name} {count:g}" for name, count in scenario["aws_calls_per_unit_counted"].items()
        )
        if key == "alert_recipient":
            rows += _alert_recipient_rows(scenario, calls)
            continue
        rows.append(
            [
                f"Requests per {label}",
                f"{scenario['aws_calls_per_unit_counted_total']:g} counted + "
                f"{scenario['platform_requests_per_unit']:g} platform",
                f"floor {scenario['floor_requests_per_unit']:g}",
                f"{scenario['requests_per_unit_total'] / scenario['floor_requests_per_unit']:.2f}x",
                calls,
            ]
        )
        rows.append(
            [
                f"AWS cost per 1M {plural}",
                f"{_usd(scenario['usd_per_million'])} ({_usd(scenario['usd_per_million_requests_only'])} "
                "without logs/traces)",
                f"floor {_usd(scenario['floor_usd_per_million'])}",
                f"{scenario['usd_per_million_requests_only'] / scenario['floor_usd_per_million']:.2f}x",
                f"Twilio {_usd(scenario['twilio_usd_per_million'])} per 1M segments; "
                f"logs {scenario['log_bytes_per_unit']} B/unit",
            ]
        )
    return rows


def _alert_recipient_rows(scenario: dict[str, Any], calls: str) -> list[list[str]]:
    """Measured on the local stack, where the handlers' SDK calls are counted and the platform's (API
    Gateway, Lambda, event source mappings) are not: both figures and their floor are SDK calls only."""
    counted, floor = scenario["aws_calls_per_unit_counted_total"], scenario["floor_requests_per_unit"]
    usd, floor_usd = scenario["usd_per_million_requests_only"], scenario["floor_usd_per_million"]
    return [
        [
            "Requests per alert recipient",
            f"{counted:g} counted SDK calls",
            f"floor {floor:g}",
            f"{counted / floor:.2f}x",
            calls,
        ],
        [
            "AWS cost per 1M alert recipients",
            f"{_usd(usd)} (SDK calls only)",
            f"floor {_usd(floor_usd)}",
            f"{usd / floor_usd:.2f}x",
            f"Twilio {_usd(scenario['twilio_usd_per_million'])} per 1M segments; {scenario['source']}",
        ],
    ]


def _inbox_rows(result: dict[str, Any]) -> list[list[str]]:
    if result.get("status") != "ok":
        return [_status_row("Inbox views and search at scale", result)]
    scale = f"{result['threads']:,} threads, {result['messages']:,} messages"
    return [
        [
            f"Inbox {name.replace('_', ' ')} p50 / p95",
            f"{_ms(case['p50_ms'])} / {_ms(case['p95_ms'])}",
            "",
            "",
            f"{scale}; n={case['n']} over HTTP"
            + (f", {case['returned']} shown" if "returned" in case else ""),
        ]
        for name, case in result["cases"].items()
    ]


def _triage_view_rows(result: dict[str, Any]) -> list[list[str]]:
    if result.get("status") != "ok":
        return [_status_row('"Most urgent first" p50 / p95', result)]
    levels = result["levels"]
    scale = f"{result['threads']:,} waiting ({levels['critical']} critical, {levels['high']} high)"
    scans = f"; Scans: {', '.join(result['scans'])}" if result["scans"] else "; no Scan"
    return [
        [
            f'"Most urgent first" {name.replace("_", " ")} p50 / p95',
            f"{_ms(case['p50_ms'])} / {_ms(case['p95_ms'])}",
            f"target p95 < {result['target_p95_ms']} ms",
            f"{case['p95_ms'] / result['target_p95_ms']:.2f}x",
            f"{scale}; {case['dynamodb_requests_per_view']:g} DynamoDB requests per view{scans}; "
            f"n={case['n']} over HTTP",
        ]
        for name, case in result["cases"].items()
    ]


def _rescore_rows(result: dict[str, Any]) -> list[list[str]]:
    if result.get("status") != "ok":
        return [_status_row("Re-score every open thread", result)]
    return [
        [
            f"Re-score {result['threads']:,} open threads (wall / CPU)",
            f"{result['wall_s']:.0f} s / {result['cpu_s']:.0f} s",
            f"target < {result['target_s']} s",
            f"{result['wall_s'] / result['target_s']:.2f}x",
            f"{result['ms_per_thread_cpu']} ms CPU per thread; "
            f"{result['with_current_rules_version']:,} record the new rules version; in-process moto",
        ]
    ]


def _idle_rows(result: dict[str, Any]) -> list[list[str]]:
    if result.get("status") != "ok":
        return [_status_row("Idle cost per month", result)]
    parts = ", ".join(
        f"{kind.split('::')[-1]} x{slot['count']} {_usd(slot['usd_month'])}"
        + (" (est.)" if slot["estimate"] else "")
        for kind, slot in result["by_type"].items()
    )
    unpriced = result["unpriced_types"]
    waf = result["waf_adds"]
    rows = [
        [
            "Idle cost per month, WAF off",
            _usd(result["usd_month_without_waf"]),
            "aim < $5.00",
            f"{result['usd_month_without_waf'] / 5:.2f}x",
            parts + (f"; UNPRICED: {', '.join(unpriced)}" if unpriced else ""),
        ],
        [
            "WAF adds",
            f"+{_usd(waf['usd_month'])}/month"
            + (
                f" + {_usd(waf['usd_per_million_requests'])}/1M requests"
                if "usd_per_million_requests" in waf
                else ""
            ),
            "",
            "",
            waf["basis"],
        ],
    ]
    return rows


def table_rows(figures: dict[str, Any], prices: PriceBook) -> list[list[str]]:
    rows = [
        *_ack_rows(figures["webhook_ack"]),
        *_latency_rows(figures["latency"]),
        *_inbox_rows(figures.get("inbox_scale", {"status": "not measured"})),
        *_triage_view_rows(figures.get("triage_view", {"status": "not measured"})),
        *_rescore_rows(figures.get("triage_rescore", {"status": "not measured"})),
        *report_scale.table_rows(figures.get("report_scale", {"status": "not measured"})),
        *_cold_rows(figures["cold_start"]),
        *_requests_rows(figures["requests"], prices),
        *_idle_rows(figures["idle_cost"]),
    ]
    rows += _intake_rows(figures.get("service_request_intake", {"status": "not measured"}))
    rows += _pacer_rows(figures.get("pacer", {"status": "not measured"}))
    rows += memory_sizes.table_rows(figures.get("memory_sizes", {"status": "not measured"}))
    rows += planner_shards.table_rows(figures.get("planner_shards", {"status": "not measured"}))
    rows += _alert_rows(figures["alerts"])
    if "alerts_at_scale" in figures:
        rows += _alert_rows(figures["alerts_at_scale"])
    return rows


def _intake_rows(result: dict[str, Any]) -> list[list[str]]:
    if result.get("status") != "ok":
        return [_status_row("311 intake messages per second", result)]
    by_call = result["aws_requests_per_created_request_by_call"]
    calls = ", ".join(f"{name} {count:g}" for name, count in by_call.items())
    return [
        [
            "311 intake messages per second",
            f"{result['intake_messages_per_s_handler_time']:g} (handler time)",
            "",
            "",
            f"{result['intake_messages']} texts, {result['requests_created']} requests, "
            f"{result['intake_messages_per_s_wall']:g}/s wall",
        ],
        [
            "AWS requests per 311 request made",
            f"{result['aws_requests_per_created_request']:g}",
            "",
            "",
            calls,
        ],
    ]


def _pacer_rows(result: dict[str, Any]) -> list[list[str]]:
    if result.get("status") != "ok":
        return [_status_row("Alert pacer", result)]
    return [
        [
            f"Alert pacer at {row['rate']}/s, {row['senders']} senders",
            f"{row['sent_per_second']:g}/s (busiest second {row['max_in_one_second']}, "
            f"quietest {row['min_in_a_whole_second']})",
            f"configured {row['rate']}/s",
            f"{row['ratio_to_rate']}x",
            f"in-memory fakes over {row['seconds']} whole seconds; first text after "
            f"{row['first_text_after_s']} s; {row['store_calls_per_text']} counter writes per text; "
            f"send {row['send_latency_s'] * 1000:g} ms, counter {row['store_latency_s'] * 1000:g} ms",
        ]
        for row in result["rates"].values()
    ]


def _alert_rows(result: dict[str, Any]) -> list[list[str]]:
    if result.get("status") != "ok":
        return [_status_row("Alert fan-out", result)]
    n = result["recipients"]
    sampled = "sent_in_window" in result
    return [
        [
            f"Alert to {n:,} across {result['zones']} zones: send -> all enqueued",
            f"{result['enqueue_s']:.1f} s",
            f"{result['enqueued_per_second']:g} enqueued/s",
            "",
            (result["mode"] if sampled else f"all delivered after {result['all_delivered_s']:.0f} s")
            + "; "
            + _concurrency_note(result),
        ],
        [
            f"Alert texts sent per second ({n:,})",
            f"{result['sent_per_second']:g}/s (busiest second {result['max_in_one_second']})",
            f"configured {result['configured_rate']}/s",
            f"{result['duplicates']} duplicates"
            + (f" among {result['sent_in_window']:,} sent" if sampled else f", {result['missing']} missing"),
            f"{result['aws_requests_per_recipient_estimated']:g} AWS requests per recipient (estimated)"
            if sampled
            else f"{result['aws_requests_per_recipient']:g} AWS requests per recipient",
        ],
    ]


def render(rows: list[list[str]]) -> str:
    header = ["Figure", "Value", "Floor / reference", "Ratio", "Notes"]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(4)]
    lines = []
    for row in [header, None, *rows]:
        if row is None:
            lines.append("-+-".join("-" * w for w in widths) + "-+-" + "-" * 20)
            continue
        cells = [str(cell).ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        lines.append(" | ".join([*cells, str(row[4])]).rstrip())
    return "\n".join(lines)


def main() -> int:
    started = time.perf_counter()
    prices = PriceBook.load()
    figures = collect()
    rows = table_rows(figures, prices)
    text = render(rows)
    print(text)
    results = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "system": platform.platform(),
        },
        "quick": quick(),
        "seconds": round(time.perf_counter() - started, 1),
        "prices": "bench/prices.json",
        "table": [
            dict(zip(["figure", "value", "floor", "ratio", "notes"], row, strict=True)) for row in rows
        ],
        "figures": figures,
    }
    RESULTS_PATH.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten: {RESULTS_PATH}")
    failed = [name for name, section in figures.items() if str(section.get("status", "")).startswith("error")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
