"""A report for a period, a department, a channel and an agent, from the cells the recorder wrote (a few
Queries, never a Scan), shaped as figures plus one table per chart (the page's table view and the CSV)."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from inbox.logic.transcripts import safe_cell
from switchboard.clock import format_timestamp
from switchboard.report_keys import ALERTS_SCOPE, ALL_SCOPE, NONE, SUBSCRIBERS_SCOPE, gauge_agent_sk

from reports.dal.report_table import counters_of, sum_counters
from reports.logic.durations import percentile
from reports.logic.recorder import CALL_FIGURES, DEPARTMENT_COUNTERS
from reports.logic.sealed import HISTOGRAM_KINDS, Histograms, add_counts, day_figures

UNIT_COSTS_PATH = Path(__file__).parent.parent / "data" / "unit_costs.json"
MAX_DAYS = 92
WAITING_CAP = 2000
AGENT_GAUGES = gauge_agent_sk("")
AGENT_COLUMNS = ("assigned", "replies", "resolved")  # the agents table's counts
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
RECENT_S = 24 * 3600  # the waiting items read for the age bands; older ones are counted, not read
AGE_BANDS = ((3600, "under 1 h"), (4 * 3600, "1-4 h"), (RECENT_S, "4-24 h"), (None, "over 24 h"))
DURATION_KINDS = dict(
    zip(
        HISTOGRAM_KINDS,
        ("first_response_calendar", "first_response_business", "resolution_calendar", "resolution_business"),
        strict=True,
    )
)


class ReportReader(Protocol):
    def cells(self, scope: str, kind: str, first_day: str, last_day: str) -> list[dict[str, Any]]: ...

    def sealed(self, scope: str, first_day: str, last_day: str) -> list[dict[str, Any]]: ...

    def put_summary(self, scope: str, day: str, version: int, blob: bytes) -> bool: ...

    def gauges(self, scope: str) -> list[dict[str, Any]]: ...

    def waiting_since(
        self, scope: str, agent: str | None, *, newer_than: str | None, oldest_first: bool, limit: int
    ) -> list[str]: ...


class InvalidPeriod(ValueError):
    pass


@dataclass(frozen=True)
class ReportFilter:
    first_day: date
    last_day: date
    department: str | None = None
    channel: str | None = None
    agent: str | None = None

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise InvalidPeriod("the period ends before it starts")
        if (self.last_day - self.first_day).days + 1 > MAX_DAYS:
            raise InvalidPeriod(f"a report covers at most {MAX_DAYS} days")

    @property
    def scope(self) -> str:
        parts = []
        if self.department:
            parts.append(f"d={self.department}")
        if self.channel:
            parts.append(f"c={self.channel}")
        return "|".join(parts) or ALL_SCOPE

    def days(self) -> list[str]:
        count = (self.last_day - self.first_day).days + 1
        return [(self.first_day + timedelta(days=i)).isoformat() for i in range(count)]


def _day_of(sk: str) -> str:
    return sk.split("#")[1]


def duration_figures(hists: Mapping[str, Mapping[int, int]]) -> dict[str, dict[str, int | None]]:
    out: dict[str, dict[str, int | None]] = {}
    for kind, name in DURATION_KINDS.items():
        counts = hists.get(kind, {})
        out[name] = {
            "count": sum(counts.values()),
            "median_s": percentile(counts, 0.5),
            "p90_s": percentile(counts, 0.9),
        }
    return out


def csat_figures(counters: Mapping[str, int]) -> dict[str, Any]:
    """Satisfaction = ratings 4-5 / responses; response rate = responses / surveys sent."""
    sent = counters.get("csat_sent", 0)
    distribution = {str(r): counters.get(f"csat_r{r}", 0) for r in range(1, 6)}
    responses = sum(distribution.values())
    happy = distribution["4"] + distribution["5"]
    return {
        "sent": sent,
        "responses": responses,
        "response_rate": round(responses / sent, 4) if sent else None,
        "satisfaction": round(happy / responses, 4) if responses else None,
        "distribution": distribution,
        "with_words": counters.get("csat_words", 0),
    }


@cache
def unit_costs(path: Path = UNIT_COSTS_PATH) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def cost_figures(counters: Mapping[str, int], alert_texts: int, costs: Mapping[str, Any]) -> dict[str, Any]:
    """Dollars from counts x the bench's unit costs (bench/report_costs.py writes them from the model)."""
    conversations = counters.get("opened", 0) + counters.get("reopened", 0)
    messages_in, replies = counters.get("messages_in", 0), counters.get("replies", 0)
    spent = messages_in * (costs["aws_usd_per_inbound_message"] + costs["twilio_usd_per_inbound_segment"]) + (
        replies * (costs["aws_usd_per_agent_reply"] + costs["twilio_usd_per_outbound_segment"])
    )
    per_recipient = costs["aws_usd_per_alert_recipient"] + costs["twilio_usd_per_outbound_segment"]
    return {
        "conversations": conversations,
        "usd_total": round(spent, 4),
        "usd_per_conversation": round(spent / conversations, 4) if conversations else None,
        "alert_texts": alert_texts,
        "usd_per_alert_recipient": round(per_recipient, 5),
        "anchors": costs["anchors"],
        "basis": costs["basis"],
    }


def _age(since: str, now: datetime) -> int:
    return max(0, int((now - datetime.fromisoformat(since.replace("Z", "+00:00"))).total_seconds()))


@dataclass(frozen=True)
class Waiting:
    """Who waits for staff now and for how long, from the running counts: the count, the oldest, the ages
    of the last day's (the first age bands) and the median (read oldest first when it is older than a
    day, up to WAITING_CAP items; None past that, `capped`)."""

    count: int
    oldest_s: int | None
    median_s: int | None
    bands: list[list[Any]]
    capped: bool


def read_waiting(reader: ReportReader, scope: str, agent: str | None, count: int, now: datetime) -> Waiting:
    if count <= 0:
        return Waiting(0, None, None, [[label, 0] for _, label in AGE_BANDS], False)
    day_ago = format_timestamp(now - timedelta(seconds=RECENT_S))
    recent = reader.waiting_since(scope, agent, newer_than=day_ago, oldest_first=False, limit=WAITING_CAP)
    ages = sorted(_age(since, now) for since in recent)  # youngest first
    capped = len(recent) >= WAITING_CAP
    bands = []
    lower = 0
    for upper, label in AGE_BANDS:
        if upper is None:
            bands.append([label, count - len(ages) if not capped else None])
        else:
            bands.append([label, sum(1 for age in ages if lower <= age < upper)])
        lower = upper or lower
    rank = max(1, math.ceil(count / 2))  # nearest rank, youngest first (durations.percentile)
    median: int | None = None
    oldest: list[str] | None = None
    if rank <= len(ages):
        median = ages[rank - 1]
    elif count - rank + 1 <= WAITING_CAP:
        # Read oldest first down to the median: the first of these is the oldest as well
        oldest = reader.waiting_since(
            scope, agent, newer_than=None, oldest_first=True, limit=count - rank + 1
        )
        median = _age(oldest[-1], now) if oldest else None
    if oldest is None:
        if recent and not capped and len(recent) >= count:  # everyone waiting began in the last day
            oldest = recent[-1:]
        else:
            oldest = reader.waiting_since(scope, agent, newer_than=None, oldest_first=True, limit=1)
    return Waiting(count, _age(oldest[0], now) if oldest else None, median, bands, capped)


def build_report(reader: ReportReader, wanted: ReportFilter, now: datetime) -> dict[str, Any]:
    first, last = wanted.first_day.isoformat(), wanted.last_day.isoformat()
    today = now.astimezone(UTC).date()
    # Backlog walks back from the open conversations now, so it reads the days after the period as well.
    through = max(wanted.last_day, today).isoformat()
    span = (date.fromisoformat(through) - wanted.first_day).days + 1
    days = [(wanted.first_day + timedelta(days=i)).isoformat() for i in range(span)]
    sealed = day_figures(reader, wanted.scope, days, today.isoformat())
    # Per day: the scope's totals, or one agent's counters (their cells hold no heatmap counters).
    per_day: dict[str, dict[str, int]] = {
        key: (f.agents.get(wanted.agent, {}) if wanted.agent else f.totals) for key, f in sealed.items()
    }
    totals: dict[str, int] = {}
    hists: Histograms = {kind: {} for kind in DURATION_KINDS}
    day_first_response: dict[str, dict[int, int]] = {}
    agents: dict[str, dict[str, int]] = {}
    agent_first_response: dict[str, dict[int, int]] = {}
    for key in wanted.days():
        held = sealed.get(key)
        if held is None:
            continue
        add_counts(totals, per_day[key])
        day_hists = held.agent_hists.get(wanted.agent, {}) if wanted.agent else held.hists
        day_first_response[key] = day_hists.get("fc", {})
        for kind, kind_counts in hists.items():
            add_counts(kind_counts, day_hists.get(kind, {}))
        for sub, counters in held.agents.items():
            if wanted.agent and sub != wanted.agent:
                continue
            into = agents.setdefault(sub, {})
            for name in AGENT_COLUMNS:
                into[name] = into.get(name, 0) + counters.get(name, 0)
            # The agents' table shows the calendar first response only: 1 of the 4 histograms
            add_counts(agent_first_response.setdefault(sub, {}), held.agent_hists.get(sub, {}).get("fc", {}))

    # Open and waiting now: the running counts (the agent's cell, or the shards' totals).
    gauge = sum_counters(
        g
        for g in reader.gauges(wanted.scope)
        if (g["sk"] == gauge_agent_sk(wanted.agent) if wanted.agent else not g["sk"].startswith(AGENT_GAUGES))
    )
    open_now = gauge.get("open", 0)
    waiting = read_waiting(reader, wanted.scope, wanted.agent, gauge.get("waiting", 0), now)
    # Backlog at the end of each day: open now, less every change to it counted after that day.
    backlog: dict[str, int] = {}
    running = open_now
    day = date.fromisoformat(through)
    while day >= wanted.first_day:
        key = day.isoformat()
        backlog[key] = max(0, running)
        running -= per_day.get(key, {}).get("open_delta", 0)
        day -= timedelta(days=1)

    series_rows = []
    for key in wanted.days():
        counts = per_day.get(key, {})
        fr = day_first_response.get(key, {})
        series_rows.append(
            [
                key,
                counts.get("opened", 0),
                counts.get("reopened", 0),
                counts.get("resolved", 0),
                counts.get("messages_in", 0),
                counts.get("replies", 0),
                backlog.get(key, 0),
                percentile(fr, 0.5),
            ]
        )

    heat = [[totals.get(f"w{d}h{h:02d}", 0) for h in range(24)] for d in range(7)]

    agent_rows = []
    for sub, counts in sorted(agents.items()):
        agent_rows.append(
            [
                sub if sub != NONE else "(unassigned)",
                counts.get("assigned", 0),
                counts.get("replies", 0),
                counts.get("resolved", 0),
                percentile(agent_first_response.get(sub, {}), 0.5),
            ]
        )

    departments: dict[str, dict[str, int]] = {}
    if wanted.department and not wanted.agent:
        # One department's volume is the scope's own totals (the recorder adds an event's volume counters to
        # both, always +1): nothing more to read.
        volume = {name: totals.get(name, 0) for name in DEPARTMENT_COUNTERS}
        if any(volume.values()):
            departments[wanted.department] = volume
    else:
        department_scope = ALL_SCOPE if not wanted.channel else f"c={wanted.channel}"
        for cell in reader.cells(department_scope, "P", first, last):
            name = cell["sk"].split("#")[2]
            if wanted.department and name != wanted.department:
                continue
            add_counts(departments.setdefault(name, {}), counters_of(cell))
    department_rows = [
        [
            name if name != NONE else "(no department)",
            c.get("opened", 0),
            c.get("reopened", 0),
            c.get("messages_in", 0),
            c.get("replies", 0),
            c.get("resolved", 0),
        ]
        for name, c in sorted(departments.items())
    ]

    alert_days: dict[str, dict[str, int]] = {}
    for cell in reader.cells(ALERTS_SCOPE, "D", first, last):
        into = alert_days.setdefault(_day_of(cell["sk"]), {})
        for counter, value in counters_of(cell).items():
            into[counter] = into.get(counter, 0) + value
    alert_figures = ("sent", "delivered", "failed", "opted_out", "clicks")
    alert_rows: list[list[Any]] = [
        [key, *(alert_days.get(key, {}).get(f, 0) for f in alert_figures)] for key in wanted.days()
    ]
    alert_sent = sum(alert_days.get(key, {}).get("sent", 0) for key in wanted.days())

    topics: dict[tuple[str, str], dict[str, int]] = {}
    for cell in reader.cells(SUBSCRIBERS_SCOPE, "T", first, last):
        _, day_key, topic, _shard = cell["sk"].split("#")
        into = topics.setdefault((topic, day_key), {})
        for counter, value in counters_of(cell).items():
            into[counter] = into.get(counter, 0) + value
    topic_rows = [
        [topic, day_key, c.get("joined", 0), c.get("left", 0), c.get("joined", 0) - c.get("left", 0)]
        for (topic, day_key), c in sorted(topics.items())
    ]

    csat = csat_figures(totals)
    durations = duration_figures(hists)
    cost = cost_figures(totals, alert_sent, unit_costs())
    figures = {
        "opened": totals.get("opened", 0),
        "reopened": totals.get("reopened", 0),
        "resolved": totals.get("resolved", 0),
        "messages_in": totals.get("messages_in", 0),
        "replies": totals.get("replies", 0),
        "assigned": totals.get("assigned", 0),
        "open_now": open_now,
        "unattended_now": waiting.count,
        "waiting_ages_capped": waiting.capped,  # the count is exact; its ages were read up to WAITING_CAP
        "oldest_waiting_s": waiting.oldest_s,
        "median_waiting_s": waiting.median_s,
        # Calls to the agency number (voice IVR): answered, moved to text, a callback booked by voice
        **{f"calls_{name}": totals.get(f"calls_{name}", 0) for name in CALL_FIGURES},
    }
    call_rows = [
        [key, *(per_day.get(key, {}).get(f"calls_{name}", 0) for name in CALL_FIGURES)]
        for key in wanted.days()
    ]
    return {
        "filter": {
            "from": first,
            "to": last,
            "department": wanted.department,
            "channel": wanted.channel,
            "agent": wanted.agent,
        },
        "generated_at": now.astimezone(UTC).isoformat(),
        "figures": figures,
        "durations": durations,
        "csat": csat,
        "cost": cost,
        "tables": {
            "daily": _table(
                [
                    "day",
                    "opened",
                    "reopened",
                    "resolved",
                    "messages in",
                    "staff replies",
                    "backlog at day end",
                    "first response median (s)",
                ],
                series_rows,
            ),
            "heatmap": _table(
                ["weekday", *[f"{h:02d}" for h in range(24)]], [[WEEKDAYS[d], *heat[d]] for d in range(7)]
            ),
            "durations": _table(
                ["measure", "conversations", "median (s)", "p90 (s)"],
                [
                    [name.replace("_", " "), f["count"], f["median_s"], f["p90_s"]]
                    for name, f in durations.items()
                ],
            ),
            "agents": _table(
                ["agent", "assigned", "replies", "resolved", "first response median (s)"], agent_rows
            ),
            "departments": _table(
                ["department", "opened", "reopened", "messages in", "staff replies", "resolved"],
                department_rows,
            ),
            "unattended": _table(["waiting for", "conversations"], waiting.bands),
            "csat": _table(["rating", "responses"], [[r, n] for r, n in csat["distribution"].items()]),
            "alerts": _table(["day", "sent", "delivered", "failed", "opted out", "clicks"], alert_rows),
            "subscribers": _table(["topic", "day", "joined", "left", "net"], topic_rows),
            "calls": _table(["day", "calls answered", "deflected to text", "callbacks booked"], call_rows),
        },
    }


def _table(columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"columns": columns, "rows": rows}


def table_csv(table: Mapping[str, Any]) -> str:
    """One report table as CSV (cells that a spreadsheet would run as a formula are quoted as text)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table["columns"])
    for row in table["rows"]:
        writer.writerow([cell if isinstance(cell, int | float) else safe_cell(cell) for cell in row])
    return out.getvalue()
