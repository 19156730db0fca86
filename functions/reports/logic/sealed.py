"""Sealed days: a finished day of a scope read as one small item instead of its wide cells.

The recorder adds counters to a day's cells (four shards of the day cell, one cell per agent) and, in the
same transaction, 1 to the scope's day version (`RPTS#{scope}` / `{day}#V`). The first report that needs a
finished day (before today, UTC) whose summary is missing or older than its version reads the day's cells
once, sums the shards, and writes one summary item (`{day}#S`, beside the version): the day's totals and
each agent's counters, histograms kept apart, compressed into one binary attribute, with the version it read
*before* reading the cells. Reports then read a period's versions and summaries in one narrow Query, and
today's live cells.

Exact by construction: a summary is used only when its version equals the day's version now, so a late
event for a sealed day (its version moved) sends the next report back to the cells, which re-seals the day.
A summary written from cells that already held a later event records the older version and is merely redone.
Summaries are put only over a missing or older one (a condition), so concurrent compactions are harmless;
a redelivered event is refused by its marker and moves no version. Days without a version item (no event
counted since versions began, or since they moved to `RPTS#`: the days are then sealed once more) are
version 0: sealed the same way.
"""

from __future__ import annotations

import json
import zlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from reports.dal.report_table import counters_of

# A DynamoDB item holds at most 400 KB: a day whose summary would be larger stays read from its cells.
MAX_SUMMARY_BYTES = 350_000


class SealedReader(Protocol):
    def cells(self, scope: str, kind: str, first_day: str, last_day: str) -> list[dict[str, Any]]: ...

    def sealed(self, scope: str, first_day: str, last_day: str) -> list[dict[str, Any]]: ...

    def put_summary(self, scope: str, day: str, version: int, blob: bytes) -> bool: ...


HISTOGRAM_KINDS = ("fc", "fb", "rc", "rb")  # first response and resolution, calendar and business seconds
Histograms = dict[str, dict[int, int]]  # kind -> bucket -> conversations


@dataclass
class DayFigures:
    """One day of a scope: its plain counters summed over the shards and its duration histograms by kind
    and bucket; the same for each agent. A day holds one counter per bucket (thousands at crisis scale):
    they are parsed once here, when a day is read from its cells or its summary, not by every figure."""

    totals: dict[str, int] = field(default_factory=dict)
    agents: dict[str, dict[str, int]] = field(default_factory=dict)
    hists: Histograms = field(default_factory=dict)
    agent_hists: dict[str, Histograms] = field(default_factory=dict)


def add_counts(into: dict[Any, int], counts: Mapping[Any, int]) -> None:
    for key, value in counts.items():
        into[key] = into.get(key, 0) + value


def split(counters: Mapping[str, int]) -> tuple[dict[str, int], Histograms]:
    """Flat cell counters (`fc240` is one conversation first answered in 240 s) as plain counters and
    histograms."""
    plain: dict[str, int] = {}
    hists: Histograms = {kind: {} for kind in HISTOGRAM_KINDS}
    for name, count in counters.items():
        into = hists.get(name[:2])
        if into is not None and name[2:].isdigit():
            into[int(name[2:])] = count
        else:
            plain[name] = count
    return plain, hists


def _from_flat(totals: Mapping[str, int], agents: Mapping[str, Mapping[str, int]]) -> DayFigures:
    figures = DayFigures()
    figures.totals, figures.hists = split(totals)
    for agent, counters in agents.items():
        figures.agents[agent], figures.agent_hists[agent] = split(counters)
    return figures


def from_cells(cells: list[dict[str, Any]]) -> dict[str, DayFigures]:
    """Day (D) and agent (A) cells, by day."""
    totals: dict[str, dict[str, int]] = {}
    agents: dict[str, dict[str, dict[str, int]]] = {}
    for cell in cells:
        kind, day, rest = str(cell["sk"]).split("#", 2)
        if kind == "D":
            add_counts(totals.setdefault(day, {}), counters_of(cell))
        elif kind == "A":
            add_counts(agents.setdefault(day, {}).setdefault(rest, {}), counters_of(cell))
    return {day: _from_flat(totals.get(day, {}), agents.get(day, {})) for day in {*totals, *agents}}


FORMAT = 2  # 2: histograms as [buckets, counts] lists; 1 (no "f"): the cells' flat counters


def _pack(hists: Histograms) -> dict[str, list[list[int]]]:
    return {kind: [list(h), list(h.values())] for kind, h in hists.items() if h}


def _unpack(packed: Mapping[str, list[list[int]]]) -> Histograms:
    hists: Histograms = {kind: {} for kind in HISTOGRAM_KINDS}
    for kind, (buckets, counts) in packed.items():
        hists[kind] = dict(zip(buckets, counts, strict=True))
    return hists


def encode(figures: DayFigures) -> bytes:
    document = {
        "f": FORMAT,
        "d": figures.totals,
        "h": _pack(figures.hists),
        "a": figures.agents,
        "ah": {agent: _pack(hists) for agent, hists in figures.agent_hists.items()},
    }
    return zlib.compress(json.dumps(document, separators=(",", ":"), sort_keys=True).encode(), 6)


DECODED_DAYS = 128  # ~4 scopes x 30 days; a decoded 'all' day at 10,000 threads is ~100-200 KB of objects
_decoded: OrderedDict[bytes, DayFigures] = OrderedDict()


def decode_shared(blob: Any) -> DayFigures:
    """`decode`, remembered per summary content in this process (a warm Lambda answers the next report of
    the same days without decoding them again): a blob is a sealed day's whole content, so it always decodes
    the same. Shared: the caller must not change what it gets."""
    raw = bytes(getattr(blob, "value", blob))
    figures = _decoded.get(raw)
    if figures is None:
        figures = _decoded[raw] = decode(raw)
        if len(_decoded) > DECODED_DAYS:
            _decoded.popitem(last=False)
    else:
        _decoded.move_to_end(raw)
    return figures


def decode(blob: Any) -> DayFigures:
    raw = bytes(getattr(blob, "value", blob))  # boto3 hands back a Binary
    loaded = json.loads(zlib.decompress(raw))
    if loaded.get("f") != FORMAT:  # sealed before histograms were kept apart
        return _from_flat(loaded["d"], loaded["a"])
    return DayFigures(
        loaded["d"],
        loaded["a"],
        _unpack(loaded["h"]),
        {agent: _unpack(packed) for agent, packed in loaded["ah"].items()},
    )


def day_figures(reader: SealedReader, scope: str, days: list[str], today: str) -> dict[str, DayFigures]:
    """Every day of `days` (consecutive, oldest first) of `scope`: from its summary when that holds every
    event counted for the day, else from its cells (and then sealed when the day is before `today`). Days
    from summaries may be shared with other reports (decode_shared): read them, never change them."""
    if not days:
        return {}
    first, last = days[0], days[-1]
    # Versions and summaries in one read, before the cells: cells read after it hold at least the events the
    # versions count. (A summary is used only when its version is the one read with it.)
    versions: dict[str, int] = {}
    summaries: dict[str, dict[str, Any]] = {}
    for item in reader.sealed(scope, first, last):
        day, _, kind = str(item["sk"]).partition("#")
        if kind == "V":
            versions[day] = int(item.get("v", 0))
        elif kind == "S":
            summaries[day] = item
    out: dict[str, DayFigures] = {}
    stale: list[str] = []
    for day in days:
        summary = summaries.get(day)
        if summary is not None and int(summary["v"]) == versions.get(day, 0):
            out[day] = decode_shared(summary["blob"])
        else:
            stale.append(day)
    for start, end in _runs(stale, days):
        read = from_cells(reader.cells(scope, "D", start, end) + reader.cells(scope, "A", start, end))
        for day in days[days.index(start) : days.index(end) + 1]:
            figures = read.get(day, DayFigures())
            out[day] = figures
            if day < today:
                blob = encode(figures)
                if len(blob) <= MAX_SUMMARY_BYTES:
                    reader.put_summary(scope, day, versions.get(day, 0), blob)
    return out


def _runs(stale: list[str], days: list[str]) -> list[tuple[str, str]]:
    """Consecutive stretches of `stale` within `days`: one pair of Queries per stretch, not per day."""
    runs: list[tuple[str, str]] = []
    position = {day: i for i, day in enumerate(days)}
    for day in stale:
        if runs and position[runs[-1][1]] + 1 == position[day]:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs
