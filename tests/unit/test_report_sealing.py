"""Sealed days (issue 18 item 4): a finished day is read from one summary item once a report has compacted
it, and the figures stay exact: a late event for a sealed day, a redelivered one, and two reports sealing
the same day at once."""

from __future__ import annotations

import json
import zlib
from datetime import date
from typing import Any

import pytest
from reports.logic.recorder import Dims, ReportRecorder
from reports.logic.report import ReportFilter, build_report
from reports.logic.sealed import DayFigures, day_figures, decode, encode
from switchboard.report_keys import ALERTS_SCOPE, report_pk, sealed_pk, summary_sk, version_sk

from tests.unit.test_reports import HOURS, NOW, NY, MemoryReports

WATER_SMS = Dims("water", "sms", "agent-1")
MONDAY, TUESDAY = "2026-11-23", "2026-11-24"  # finished days: the frozen clock's today is 2026-11-30
TODAY_ONLY = [("*", "D", "2026-11-30", "2026-11-30"), ("*", "A", "2026-11-30", "2026-11-30")]


class CountingReports(MemoryReports):
    """The in-memory reports, recording the reads of a conversation scope's wide cells (D and A) by day range
    (the alerts' day cells are a few small ones, read as before)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[tuple[str, str, str, str]] = []

    def cells(self, scope: str, kind: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
        self.reads.append((scope, kind, first_day, last_day))
        return super().cells(scope, kind, first_day, last_day)

    def wide_reads(self) -> list[tuple[str, str, str, str]]:
        found = [read for read in self.reads if read[1] in ("D", "A") and read[0] != ALERTS_SCOPE]
        self.reads.clear()
        return found


@pytest.fixture
def store() -> CountingReports:
    return CountingReports()


@pytest.fixture
def recorder(store: CountingReports) -> ReportRecorder:
    return ReportRecorder(store, HOURS, NY)


def report(store: MemoryReports, first: str, last: str, **filters: str) -> dict[str, Any]:
    wanted = ReportFilter(date.fromisoformat(first), date.fromisoformat(last), **filters)
    return build_report(store, wanted, NOW)


def monday_conversation(recorder: ReportRecorder) -> None:
    recorder.message_received("t1", "SM1", "2026-11-23T14:00:00.000000Z", WATER_SMS)  # Mon 09:00 EST
    recorder.staff_replied("t1", "m1", "2026-11-23T14:04:00.000000Z", WATER_SMS)  # 240 s
    recorder.conversation_closed("t1", "2026-11-23T15:00:00.000000Z", WATER_SMS)  # 3,600 s


def test_every_event_moves_its_scopes_day_version_once(
    store: CountingReports, recorder: ReportRecorder
) -> None:
    monday_conversation(recorder)
    recorder.message_received("t1", "SM1", "2026-11-23T14:00:00.000000Z", WATER_SMS)  # redelivered
    for scope in ("*", "d=water", "c=sms", "d=water|c=sms"):
        assert store.counted[(sealed_pk(scope), version_sk(MONDAY))]["v"] == 3


def test_a_finished_day_is_sealed_once_and_then_read_from_its_summary(
    store: CountingReports, recorder: ReportRecorder
) -> None:
    monday_conversation(recorder)
    first = report(store, MONDAY, TUESDAY)
    # The first report read the wide cells from Monday through today, and sealed every finished day
    assert store.wide_reads() == [("*", "D", MONDAY, "2026-11-30"), ("*", "A", MONDAY, "2026-11-30")]
    summary = store.placed[(sealed_pk("*"), summary_sk(MONDAY))]
    assert summary["v"] == 3
    assert decode(summary["blob"]).totals["messages_in"] == 1
    assert (sealed_pk("*"), summary_sk("2026-11-30")) not in store.placed  # today stays live
    # The next reports read only today's cells, and give the same figures (the agent's too)
    second = report(store, MONDAY, TUESDAY)
    assert store.wide_reads() == TODAY_ONLY
    assert {k: v for k, v in second.items() if k != "generated_at"} == {
        k: v for k, v in first.items() if k != "generated_at"
    }
    assert second["figures"]["resolved"] == 1
    assert second["durations"]["first_response_calendar"] == {"count": 1, "median_s": 240, "p90_s": 240}
    by_agent = report(store, MONDAY, MONDAY, agent="agent-1")
    assert (by_agent["figures"]["messages_in"], by_agent["figures"]["replies"]) == (1, 1)
    assert by_agent["tables"]["agents"]["rows"] == [["agent-1", 0, 1, 1, 240]]


def test_a_late_event_for_a_sealed_day_is_counted_and_the_day_sealed_again(
    store: CountingReports, recorder: ReportRecorder
) -> None:
    monday_conversation(recorder)
    report(store, MONDAY, MONDAY)
    store.wide_reads()
    # Given Monday sealed, when a message of Monday is counted late (a redelivery after an outage)
    recorder.message_received("t2", "SM2", "2026-11-23T20:00:00.000000Z", Dims("water", "sms", None))
    result = report(store, MONDAY, MONDAY)
    # Then the report went back to Monday's cells (only Monday's and today's), counts it, and re-seals it
    assert store.wide_reads() == [
        ("*", "D", MONDAY, MONDAY),
        ("*", "A", MONDAY, MONDAY),
        *TODAY_ONLY,
    ]
    assert (result["figures"]["messages_in"], result["figures"]["opened"]) == (2, 2)
    assert store.placed[(sealed_pk("*"), summary_sk(MONDAY))]["v"] == 4
    assert report(store, MONDAY, MONDAY)["figures"]["messages_in"] == 2
    assert store.wide_reads() == TODAY_ONLY


def test_a_redelivered_event_after_sealing_leaves_the_summary_valid(
    store: CountingReports, recorder: ReportRecorder
) -> None:
    monday_conversation(recorder)
    report(store, MONDAY, MONDAY)
    store.wide_reads()
    recorder.message_received("t1", "SM1", "2026-11-23T14:00:00.000000Z", WATER_SMS)
    recorder.staff_replied("t1", "m1", "2026-11-23T14:04:00.000000Z", WATER_SMS)
    result = report(store, MONDAY, MONDAY)
    assert store.wide_reads() == TODAY_ONLY
    assert (result["figures"]["messages_in"], result["figures"]["replies"]) == (1, 1)


def test_concurrent_sealing_keeps_the_newest_version_and_an_older_summary_is_never_used(
    store: CountingReports, recorder: ReportRecorder
) -> None:
    monday_conversation(recorder)
    assert store.put_summary("*", MONDAY, 3, encode(DayFigures({"messages_in": 1}))) is True
    # A second report that read the same version writes nothing; one that read an older version neither
    assert store.put_summary("*", MONDAY, 3, encode(DayFigures({"messages_in": 1}))) is False
    assert store.put_summary("*", MONDAY, 2, encode(DayFigures({"messages_in": 99}))) is False
    # A summary older than the day's version (here: sealed from cells that missed an event) is redone
    store.placed[(sealed_pk("*"), summary_sk(MONDAY))]["v"] = 2
    figures = day_figures(store, "*", [MONDAY], "2026-11-30")[MONDAY]
    assert figures.totals["messages_in"] == 1 and figures.totals["replies"] == 1
    assert store.placed[(sealed_pk("*"), summary_sk(MONDAY))]["v"] == 3


def test_days_counted_before_versions_existed_are_sealed_as_version_0(store: CountingReports) -> None:
    # Cells with no version item (written before this change): read once, sealed as version 0
    pk, sk = report_pk("*"), f"D#{MONDAY}#1"
    store.counted[(pk, sk)] = {"pk": pk, "sk": sk, "opened": 2}
    assert report(store, MONDAY, MONDAY)["figures"]["opened"] == 2
    assert store.placed[(sealed_pk("*"), summary_sk(MONDAY))]["v"] == 0
    store.wide_reads()
    assert report(store, MONDAY, MONDAY)["figures"]["opened"] == 2
    assert store.wide_reads() == TODAY_ONLY


def test_a_summary_sealed_in_the_first_format_reads_as_the_same_figures(
    store: CountingReports, recorder: ReportRecorder
) -> None:
    monday_conversation(recorder)
    from_cells = report(store, MONDAY, MONDAY)
    # Given Monday's summary in the first format (the cells' flat counters, histogram buckets by name)
    summary = store.placed[(sealed_pk("*"), summary_sk(MONDAY))]
    sealed = decode(summary["blob"])
    assert sealed.hists["fc"] == {240: 1} and sealed.agent_hists["agent-1"]["fc"] == {240: 1}
    flat_totals = {**sealed.totals, **{f"{k}{b}": n for k, h in sealed.hists.items() for b, n in h.items()}}
    flat_agents = {
        agent: {**plain, **{f"{k}{b}": n for k, h in sealed.agent_hists[agent].items() for b, n in h.items()}}
        for agent, plain in sealed.agents.items()
    }
    summary["blob"] = zlib.compress(json.dumps({"d": flat_totals, "a": flat_agents}).encode())
    # Then a report reads it (no wide reads but today's) and gives the figures the cells gave
    store.wide_reads()
    from_first_format = report(store, MONDAY, MONDAY)
    assert store.wide_reads() == TODAY_ONLY
    assert {k: v for k, v in from_first_format.items() if k != "generated_at"} == {
        k: v for k, v in from_cells.items() if k != "generated_at"
    }
    assert from_first_format["durations"]["first_response_calendar"]["median_s"] == 240


def test_versions_and_summaries_live_in_a_partition_of_their_own_read_once_per_report(
    store: CountingReports, recorder: ReportRecorder
) -> None:
    monday_conversation(recorder)
    report(store, MONDAY, TUESDAY)
    # The scope's sealed partition holds Monday's version beside its summary, and a summary of every other
    # finished day of the report (Tuesday to Sunday, no event: version 0); the cells' partition none of them
    sealed = sorted(sk for (pk, sk) in {**store.counted, **store.placed} if pk == sealed_pk("*"))
    finished = [f"2026-11-{day}" for day in range(24, 30)]
    assert sealed == [summary_sk(MONDAY), version_sk(MONDAY), *(summary_sk(day) for day in finished)]
    assert not any(sk.startswith(("V#", "S#")) for (pk, sk) in store.counted if pk == report_pk("*"))
    # A report reads them for the whole period in one read
    reads: list[tuple[str, str, str]] = []
    real = store.sealed

    def counted(scope: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
        reads.append((scope, first_day, last_day))
        return real(scope, first_day, last_day)

    store.sealed = counted  # type: ignore[method-assign]
    assert report(store, MONDAY, TUESDAY)["figures"]["messages_in"] == 1
    assert reads == [("*", MONDAY, "2026-11-30")]


def test_decoded_summaries_are_remembered_by_content_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from reports.logic import sealed

    monkeypatch.setattr(sealed, "_decoded", sealed.OrderedDict())
    monkeypatch.setattr(sealed, "DECODED_DAYS", 2)
    one, two, three = (encode(DayFigures({"messages_in": n}, hists={"fc": {240: n}})) for n in (1, 2, 3))
    first = sealed.decode_shared(one)
    # The same content decodes once; another content (a day sealed again after a late event) anew
    assert sealed.decode_shared(bytes(one)) is first
    assert sealed.decode_shared(two).totals == {"messages_in": 2}
    assert sealed.decode_shared(two).hists["fc"] == {240: 2}
    # At most DECODED_DAYS are kept, the least recently used dropped first
    sealed.decode_shared(one)
    sealed.decode_shared(three)
    assert list(sealed._decoded) == [one, three]
    assert sealed.decode_shared(one) is first
