"""Reports (issue 18 items 3-5): figures counted as data arrives, with expected figures written here.

The recorder writes through an in-memory store with the table's semantics (a marker per event, a versioned
conversation state, ADD on cells); the report reads the same cells back."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from reports.dal.report_table import ReportTable, sum_counters
from reports.logic.durations import bucket, business_seconds, calendar_seconds, percentile
from reports.logic.recorder import Dims, ReportRecorder
from reports.logic.report import ReportFilter, build_report, read_waiting, table_csv, unit_costs
from switchboard.report_keys import gauge_pk, report_pk, sealed_pk, summary_sk, waiting_pk
from webchat.logic.hours import parse_hours

from bench.report_costs import UNIT_COSTS_PATH, render
from bench.report_scale import CellStore

HOURS = parse_hours("Mon-Fri 08:00-17:00", "America/New_York")
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a frozen clock for the report's "now"


class MemoryReports(CellStore):
    """The report table's write contract in memory (the bench's store), and its read contract."""

    def cells(self, scope: str, kind: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
        return self._between(scope, f"{kind}#{first_day}", f"{kind}#{last_day}#\uffff")

    def put_summary(self, scope: str, day: str, version: int, blob: bytes) -> bool:
        key = (sealed_pk(scope), summary_sk(day))
        held = self.placed.get(key)
        if held is not None and held["v"] >= version:
            return False
        self.placed[key] = {"pk": key[0], "sk": key[1], "v": version, "blob": blob}
        return True

    def sealed(self, scope: str, first_day: str, last_day: str) -> list[dict[str, Any]]:
        high = f"{last_day}#\uffff"
        return [item for item in self._partition(sealed_pk(scope)) if first_day <= item["sk"] <= high]

    def gauges(self, scope: str) -> list[dict[str, Any]]:
        return self._partition(gauge_pk(scope))

    def waiting_since(
        self, scope: str, agent: str | None, *, newer_than: str | None, oldest_first: bool, limit: int
    ) -> list[str]:
        since = [str(item["since"]) for item in self._partition(waiting_pk(scope, agent))]
        if not oldest_first:
            since = [s for s in reversed(since) if newer_than is None or s > newer_than]
        return since[:limit]

    def _between(self, scope: str, low: str, high: str) -> list[dict[str, Any]]:
        return [item for item in self._partition(report_pk(scope)) if low <= item["sk"] <= high]

    def _partition(self, pk: str) -> list[dict[str, Any]]:
        items = {**self.counted, **self.placed}
        return [dict(item) for (key, _), item in sorted(items.items()) if key == pk]


@pytest.fixture
def store() -> MemoryReports:
    return MemoryReports()


@pytest.fixture
def recorder(store: MemoryReports) -> ReportRecorder:
    return ReportRecorder(store, HOURS, NY)


WATER_SMS = Dims("water", "sms", "agent-1")


def report(store: MemoryReports, first: str, last: str, **filters: str) -> dict[str, Any]:
    wanted = ReportFilter(date.fromisoformat(first), date.fromisoformat(last), **filters)
    return build_report(store, wanted, NOW)


# --- durations ----------------------------------------------------------------------------------------------


def test_friday_1650_answered_monday_0820_is_228600_s_calendar_and_1800_s_in_business_hours() -> None:
    friday = datetime(2026, 11, 20, 16, 50, tzinfo=NY)
    monday = datetime(2026, 11, 23, 8, 20, tzinfo=NY)
    assert calendar_seconds(friday, monday) == 228_600
    assert business_seconds(friday, monday, HOURS) == 1_800


def test_business_seconds_count_nothing_on_a_weekend_and_all_of_an_open_stretch() -> None:
    saturday = datetime(2026, 11, 21, 9, 0, tzinfo=NY)
    assert business_seconds(saturday, saturday.replace(hour=15), HOURS) == 0
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=NY)
    assert business_seconds(monday, monday.replace(hour=10, minute=30), HOURS) == 5_400
    assert business_seconds(monday, monday.replace(hour=10), None) == 3_600  # no hours: always open


def test_buckets_are_exact_under_10000_s_and_keep_4_significant_figures_above() -> None:
    assert [bucket(s) for s in (0, 240, 1_800, 9_999)] == [0, 240, 1_800, 9_999]
    assert bucket(228_600) == 228_600
    assert bucket(228_649) == 228_600
    assert bucket(1_234_567) == 1_235_000


def test_percentiles_are_nearest_rank_over_the_histogram() -> None:
    histogram = {10: 1, 20: 1, 30: 1, 40: 1, 50: 1, 60: 1, 70: 1, 80: 1, 90: 1, 100: 1}
    assert percentile(histogram, 0.5) == 50
    assert percentile(histogram, 0.9) == 90
    assert percentile({}, 0.5) is None


# --- conversations ------------------------------------------------------------------------------------------


def test_inbound_monday_0900_answered_by_staff_at_0904_gives_240_s(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    # Given a resident's message on Monday at 09:00:00 (agency time); the automatic reply at 09:00:01 never
    # reaches the recorder (only the staff reply route counts replies: tests/integration/test_reports.py)
    recorder.message_received("t1", "SM1", "2026-11-23T14:00:00.000000Z", WATER_SMS)
    # When the agent answers at 09:04:00
    recorder.staff_replied("t1", "m1", "2026-11-23T14:04:00.000000Z", WATER_SMS)
    # Then the first response is 240 s, in calendar time and in business hours
    durations = report(store, "2026-11-23", "2026-11-23")["durations"]
    assert durations["first_response_calendar"] == {"count": 1, "median_s": 240, "p90_s": 240}
    assert durations["first_response_business"] == {"count": 1, "median_s": 240, "p90_s": 240}


def test_friday_evening_message_answered_monday_morning_in_the_report(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    recorder.message_received("t2", "SM2", "2026-11-20T21:50:00.000000Z", WATER_SMS)  # Fri 16:50 EST
    recorder.staff_replied("t2", "m2", "2026-11-23T13:20:00.000000Z", WATER_SMS)  # Mon 08:20 EST
    durations = report(store, "2026-11-20", "2026-11-23")["durations"]
    assert durations["first_response_calendar"]["median_s"] == 228_600
    assert durations["first_response_business"]["median_s"] == 1_800


def test_only_the_first_staff_reply_times_the_first_response(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    recorder.message_received("t1", "SM1", "2026-11-23T14:00:00.000000Z", WATER_SMS)
    recorder.staff_replied("t1", "m1", "2026-11-23T14:04:00.000000Z", WATER_SMS)
    recorder.message_received("t1", "SM2", "2026-11-23T14:10:00.000000Z", WATER_SMS)
    recorder.staff_replied("t1", "m2", "2026-11-23T15:10:00.000000Z", WATER_SMS)
    result = report(store, "2026-11-23", "2026-11-23")
    assert result["durations"]["first_response_calendar"]["count"] == 1
    assert result["figures"]["replies"] == 2
    assert result["figures"]["messages_in"] == 2
    assert result["figures"]["opened"] == 1


def test_a_redelivered_message_and_a_repeated_reply_count_once(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    for _ in range(3):
        recorder.message_received("t1", "SM1", "2026-11-23T14:00:00.000000Z", WATER_SMS)
        recorder.staff_replied("t1", "m1", "2026-11-23T14:04:00.000000Z", WATER_SMS)
    figures = report(store, "2026-11-23", "2026-11-23")["figures"]
    assert (figures["messages_in"], figures["opened"], figures["replies"]) == (1, 1, 1)


def test_a_reopened_conversation_counts_a_second_resolution_timed_from_the_reopening(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    recorder.message_received("t1", "SM1", "2026-11-23T14:00:00.000000Z", WATER_SMS)  # Mon 09:00
    recorder.conversation_closed("t1", "2026-11-23T15:00:00.000000Z", WATER_SMS)  # 3,600 s
    recorder.conversation_closed("t1", "2026-11-23T15:30:00.000000Z", WATER_SMS)  # already closed: nothing
    recorder.message_received("t1", "SM2", "2026-11-23T16:00:00.000000Z", WATER_SMS)  # the resident reopens
    recorder.conversation_closed("t1", "2026-11-23T16:02:00.000000Z", WATER_SMS)  # 120 s
    recorder.conversation_reopened("t1", "2026-11-23T17:00:00.000000Z", WATER_SMS)  # staff reopen
    recorder.conversation_closed("t1", "2026-11-23T17:10:00.000000Z", WATER_SMS)  # 600 s
    result = report(store, "2026-11-23", "2026-11-23")
    assert result["figures"]["opened"] == 1
    assert result["figures"]["reopened"] == 2
    assert result["figures"]["resolved"] == 3
    resolution = result["durations"]["resolution_calendar"]
    assert resolution == {"count": 3, "median_s": 600, "p90_s": 3_600}


def test_figures_split_by_department_channel_and_agent(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    recorder.message_received("t1", "SM1", "2026-11-23T14:00:00.000000Z", Dims("water", "sms", "agent-1"))
    recorder.message_received(
        "t2", "SM2", "2026-11-23T14:00:00.000000Z", Dims("roads", "whatsapp", "agent-2")
    )
    recorder.message_received("t3", "SM3", "2026-11-23T14:00:00.000000Z", Dims("water", "whatsapp", None))
    recorder.staff_replied("t3", "m3", "2026-11-23T14:01:00.000000Z", Dims("water", "whatsapp", "agent-2"))
    day = ("2026-11-23", "2026-11-23")
    assert report(store, *day)["figures"]["opened"] == 3
    assert report(store, *day, department="water")["figures"]["opened"] == 2
    assert report(store, *day, channel="whatsapp")["figures"]["opened"] == 2
    assert report(store, *day, department="water", channel="whatsapp")["figures"]["opened"] == 1
    by_agent = report(store, *day, agent="agent-2")
    assert by_agent["figures"]["replies"] == 1
    assert by_agent["figures"]["messages_in"] == 1  # t2 was theirs; t3 was unassigned when it arrived
    agents = {row[0]: row for row in report(store, *day)["tables"]["agents"]["rows"]}
    assert agents["agent-2"][2] == 1  # replies
    assert set(agents) == {"agent-1", "agent-2", "(unassigned)"}
    departments = {row[0]: row[1] for row in report(store, *day)["tables"]["departments"]["rows"]}
    assert departments == {"water": 2, "roads": 1}


def test_a_department_report_shows_the_same_department_row_the_department_cells_give(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    # Given messages, replies, a close and a reopening over two departments, two channels and two days
    water_sms, water_wa = Dims("water", "sms", "agent-1"), Dims("water", "whatsapp", None)
    recorder.message_received("t1", "SM1", "2026-11-23T14:00:00.000000Z", water_sms)
    recorder.staff_replied("t1", "m1", "2026-11-23T14:04:00.000000Z", water_sms)
    recorder.conversation_closed("t1", "2026-11-23T15:00:00.000000Z", water_sms)
    recorder.message_received("t1", "SM2", "2026-11-24T09:00:00.000000Z", water_sms)  # reopened
    recorder.message_received("t2", "SM3", "2026-11-24T10:00:00.000000Z", water_wa)
    recorder.message_received("t3", "SM4", "2026-11-24T10:00:00.000000Z", Dims("roads", "sms", "agent-2"))
    period = ("2026-11-23", "2026-11-24")
    # When a report names a department (its row then comes from the scope's own totals, not a read)
    for department, channel in [("water", None), ("water", "sms"), ("water", "whatsapp"), ("roads", None)]:
        named = {"department": department, **({"channel": channel} if channel else {})}
        rows = report(store, *period, **named)["tables"]["departments"]["rows"]
        # Then its row is the one the department cells give in the report of every department
        every = report(store, *period, **({"channel": channel} if channel else {}))
        expected = [row for row in every["tables"]["departments"]["rows"] if row[0] == department]
        assert rows == expected, (department, channel)
    water = report(store, *period, department="water")["tables"]["departments"]["rows"]
    assert water == [["water", 2, 1, 3, 1, 1]]  # opened, reopened, messages in, replies, resolved
    assert report(store, *period, department="parks")["tables"]["departments"]["rows"] == []


def test_the_heatmap_counts_messages_by_local_weekday_and_hour(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    recorder.message_received("t1", "SM1", "2026-11-23T14:00:00.000000Z", WATER_SMS)  # Mon 09:00 EST
    recorder.message_received("t2", "SM2", "2026-11-24T03:30:00.000000Z", WATER_SMS)  # Mon 22:30 EST
    heat = report(store, "2026-11-23", "2026-11-24")["tables"]["heatmap"]["rows"]
    monday = heat[0]
    assert monday[0] == "Mon"
    assert monday[1 + 9] == 1 and monday[1 + 22] == 1
    assert sum(sum(row[1:]) for row in heat) == 2


def test_backlog_walks_back_from_the_conversations_open_now(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    recorder.message_received("t1", "SM1", "2026-11-28T14:00:00.000000Z", WATER_SMS)
    recorder.message_received("t2", "SM2", "2026-11-29T14:00:00.000000Z", WATER_SMS)
    recorder.conversation_closed("t1", "2026-11-30T10:00:00.000000Z", WATER_SMS)
    result = report(store, "2026-11-28", "2026-11-30")
    assert result["figures"]["open_now"] == 1  # t2, from the running count
    daily = {row[0]: row[6] for row in result["tables"]["daily"]["rows"]}
    assert daily == {"2026-11-28": 1, "2026-11-29": 2, "2026-11-30": 1}


def test_unattended_now_and_their_age(store: MemoryReports, recorder: ReportRecorder) -> None:
    recorder.message_received("a", "SMa", "2026-11-30T11:30:00.000000Z", WATER_SMS)
    recorder.message_received("b", "SMb", "2026-11-30T06:00:00.000000Z", WATER_SMS)
    recorder.message_received("c", "SMc", "2026-11-28T12:00:00.000000Z", Dims("roads", "whatsapp", None))
    recorder.message_received("d", "SMd", "2026-11-27T12:00:00.000000Z", WATER_SMS)
    recorder.staff_replied("d", "out-d", "2026-11-27T12:05:00.000000Z", WATER_SMS)  # answered: not waiting
    result = report(store, "2026-11-30", "2026-11-30")
    assert result["figures"]["unattended_now"] == 3
    assert result["figures"]["open_now"] == 4
    assert result["figures"]["oldest_waiting_s"] == 2 * 86_400
    assert result["figures"]["median_waiting_s"] == 6 * 3600  # b: nearest rank 2 of 3
    assert result["tables"]["unattended"]["rows"] == [
        ["under 1 h", 1],
        ["1-4 h", 0],
        ["4-24 h", 1],
        ["over 24 h", 1],
    ]
    assert report(store, "2026-11-30", "2026-11-30", channel="sms")["figures"]["unattended_now"] == 2
    by_agent = report(store, "2026-11-30", "2026-11-30", agent="agent-1")["figures"]
    assert (by_agent["open_now"], by_agent["unattended_now"], by_agent["oldest_waiting_s"]) == (
        3,
        2,
        6 * 3600,
    )


# --- running counts: open and waiting now ----------------------------------------------------------------


def now_figures(store: MemoryReports, **filters: str) -> tuple[int, int]:
    figures = report(store, "2026-11-30", "2026-11-30", **filters)["figures"]
    return figures["open_now"], figures["unattended_now"]


def test_open_close_reopen_move_the_running_counts_and_a_resident_message_reopens(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    # Given a resident's first message: open and waiting
    recorder.message_received("t1", "SM1", "2026-11-30T09:00:00.000000Z", WATER_SMS)
    assert now_figures(store) == (1, 1)
    # When staff answer: open, nobody waits; a second resident message waits again
    recorder.staff_replied("t1", "out1", "2026-11-30T09:05:00.000000Z", WATER_SMS)
    assert now_figures(store) == (1, 0)
    recorder.message_received("t1", "SM2", "2026-11-30T09:10:00.000000Z", WATER_SMS)
    assert now_figures(store) == (1, 1)
    # Closed: counted nowhere; staff reopening: open again, still waiting on the unanswered message
    recorder.conversation_closed("t1", "2026-11-30T09:20:00.000000Z", WATER_SMS)
    assert now_figures(store) == (0, 0)
    recorder.conversation_reopened("t1", "2026-11-30T09:30:00.000000Z", WATER_SMS)
    assert now_figures(store) == (1, 1)
    recorder.staff_replied("t1", "out2", "2026-11-30T09:35:00.000000Z", WATER_SMS)
    recorder.conversation_closed("t1", "2026-11-30T09:40:00.000000Z", WATER_SMS)
    # A resident writing to the closed conversation reopens it and waits
    recorder.message_received("t1", "SM3", "2026-11-30T10:00:00.000000Z", WATER_SMS)
    assert now_figures(store) == (1, 1)
    assert now_figures(store, department="water", channel="sms") == (1, 1)
    assert now_figures(store, department="roads") == (0, 0)
    assert store.gauges("d=roads") == []


def test_snoozing_leaves_the_conversation_open_and_waiting(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    # Snoozing writes no report event (the inbox keeps the status open): the conversation stays in the
    # backlog and its resident still waits; their next message (which wakes it) changes nothing here either.
    recorder.message_received("t1", "SM1", "2026-11-30T09:00:00.000000Z", WATER_SMS)
    before = now_figures(store)
    recorder.message_received("t1", "SM2", "2026-11-30T11:00:00.000000Z", WATER_SMS)
    assert now_figures(store) == before == (1, 1)
    assert report(store, "2026-11-30", "2026-11-30")["figures"]["oldest_waiting_s"] == 3 * 3600


def test_redelivered_events_move_the_running_counts_once(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    for _ in range(2):
        recorder.message_received("t1", "SM1", "2026-11-30T09:00:00.000000Z", WATER_SMS)
        recorder.message_received("t2", "SM2", "2026-11-30T09:00:00.000000Z", WATER_SMS)
    assert now_figures(store) == (2, 2)
    for _ in range(2):
        recorder.staff_replied("t1", "out1", "2026-11-30T09:05:00.000000Z", WATER_SMS)
        recorder.conversation_closed("t2", "2026-11-30T09:06:00.000000Z", WATER_SMS)
    assert now_figures(store) == (1, 0)
    for _ in range(2):
        recorder.conversation_reopened("t2", "2026-11-30T09:07:00.000000Z", WATER_SMS)
    assert now_figures(store) == (2, 1)
    daily = report(store, "2026-11-30", "2026-11-30")["tables"]["daily"]["rows"]
    assert daily[0][6] == 2  # backlog at day end


def test_a_transfer_moves_the_conversation_to_the_new_agent_and_department(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    recorder.message_received("t1", "SM1", "2026-11-30T09:00:00.000000Z", WATER_SMS)
    assert now_figures(store, agent="agent-1") == (1, 1)
    recorder.assigned("t1", "transfer#1", "2026-11-30T09:02:00.000000Z", Dims("roads", "sms", "agent-2"))
    assert now_figures(store, agent="agent-1") == (0, 0)
    assert now_figures(store, agent="agent-2") == (1, 1)
    assert now_figures(store, department="water") == (0, 0)
    assert now_figures(store, department="roads") == (1, 1)
    assert now_figures(store) == (1, 1)
    # A reply by someone else is theirs, but the conversation stays with its holder
    recorder.staff_replied("t1", "out1", "2026-11-30T09:05:00.000000Z", Dims("roads", "sms", "agent-3"))
    assert now_figures(store, agent="agent-2") == (1, 0)
    assert now_figures(store, agent="agent-3") == (0, 0)
    # The backlog per department moved on the day of the transfer; everyone's backlog did not change
    water = report(store, "2026-11-30", "2026-11-30", department="water")["tables"]["daily"]["rows"]
    everyone = report(store, "2026-11-30", "2026-11-30")["tables"]["daily"]["rows"]
    assert (water[0][6], everyone[0][6]) == (0, 1)


def test_automation_and_survey_answers_leave_nobody_waiting(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    # A conversation a keyword flow handles on its own is not open for staff
    recorder.message_received("k", "SMk", "2026-11-30T09:00:00.000000Z", WATER_SMS, "automatic")
    assert now_figures(store) == (0, 0)
    # ... until the resident writes something for staff
    recorder.message_received("k", "SMk2", "2026-11-30T09:01:00.000000Z", WATER_SMS)
    assert now_figures(store) == (1, 1)
    # A text a flow answered in an open conversation nobody waited on makes nobody wait
    recorder.message_received("o", "SMo", "2026-11-30T09:00:00.000000Z", WATER_SMS)
    recorder.staff_replied("o", "out-o", "2026-11-30T09:02:00.000000Z", WATER_SMS)
    recorder.message_received("o", "SMo2", "2026-11-30T09:03:00.000000Z", WATER_SMS, "answered")
    assert now_figures(store) == (2, 1)
    # A survey's rating to a closed conversation neither reopens nor waits, but is a message in
    recorder.conversation_closed("o", "2026-11-30T09:04:00.000000Z", WATER_SMS)
    recorder.message_received("o", "SMo3", "2026-11-30T09:05:00.000000Z", WATER_SMS, "held")
    figures = report(store, "2026-11-30", "2026-11-30")["figures"]
    assert (figures["open_now"], figures["unattended_now"], figures["reopened"]) == (1, 1, 0)
    assert figures["messages_in"] == 5


# --- feedback, alerts, costs -------------------------------------------------------------------------------


def test_ratings_5_5_4_3_2_1_of_10_sent_give_6_responses_60_percent_rate_50_percent_satisfaction(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    for n in range(10):
        recorder.survey_sent("2026-11-23", "water", "sms", "agent-1", event_id=f"s{n}")
    for n, rating in enumerate([5, 5, 4, 3, 2, 1]):
        recorder.rating_received("2026-11-23", "water", "sms", "agent-1", rating, n == 5, event_id=f"r{n}")
    recorder.rating_received("2026-11-23", "water", "sms", "agent-1", 5, False, event_id="r0")  # a repeat
    csat = report(store, "2026-11-23", "2026-11-23")["csat"]
    assert csat["sent"] == 10
    assert csat["responses"] == 6
    assert csat["response_rate"] == 0.6
    assert csat["satisfaction"] == 0.5
    assert csat["distribution"] == {"1": 1, "2": 1, "3": 1, "4": 1, "5": 2}
    assert csat["with_words"] == 1
    assert report(store, "2026-11-23", "2026-11-23", department="roads")["csat"]["sent"] == 0


def test_a_rating_outside_1_to_5_is_refused(recorder: ReportRecorder) -> None:
    with pytest.raises(ValueError, match="1 to 5"):
        recorder.rating_received("2026-11-23", None, "sms", None, 6, False)


def test_alert_statuses_count_once_per_recipient_and_figure(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    at = "2026-11-23T14:00:00.000000Z"
    recorder.alert_status("A1", "+15550000001", "sent", None, at)
    recorder.alert_status("A1", "+15550000001", "sent", None, at)  # duplicated callback
    recorder.alert_status("A1", "+15550000001", "delivered", None, at)
    recorder.alert_status("A1", "+15550000001", "read", None, at)  # same figure as delivered
    recorder.alert_status("A1", "+15550000002", "failed", "30003", at)
    recorder.alert_status("A1", "+15550000003", "failed", "21610", at)
    recorder.alert_status("A1", "+15550000004", "queued", None, at)  # not a figure
    rows = report(store, "2026-11-23", "2026-11-23")["tables"]["alerts"]["rows"]
    assert rows == [["2026-11-23", 1, 1, 1, 1, 0]]
    assert not any("+1555" in sk or "+1555" in pk for pk, sk in store.counted)
    assert not any("+1555" in marker for marker in store.markers)


def test_calls_answered_deflected_and_booked_by_phone_count_once_per_call_and_figure(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    voice = Dims("water", "voice", None)
    at = "2026-11-24T15:00:00.000000Z"
    for call in ("CA1", "CA2", "CA3"):
        recorder.call_event(call, "answered", at, voice)
    recorder.call_event("CA1", "answered", at, voice)  # a replayed turn
    recorder.call_event("CA1", "deflected", at, voice)
    recorder.call_event("CA2", "callback_booked", at, voice)
    recorder.call_event("CA2", "callback_booked", at, voice)
    figures = report(store, "2026-11-24", "2026-11-24")["figures"]
    assert (figures["calls_answered"], figures["calls_deflected"], figures["calls_callback_booked"]) == (
        3,
        1,
        1,
    )
    rows = report(store, "2026-11-23", "2026-11-24")["tables"]["calls"]["rows"]
    assert rows == [["2026-11-23", 0, 0, 0], ["2026-11-24", 3, 1, 1]]
    assert report(store, "2026-11-24", "2026-11-24", channel="sms")["figures"]["calls_answered"] == 0
    with pytest.raises(ValueError, match="unknown call figure"):
        recorder.call_event("CA4", "hung_up", at, voice)


def test_cost_per_conversation_is_counts_times_the_bench_unit_costs(
    store: MemoryReports, recorder: ReportRecorder
) -> None:
    recorder.message_received("t1", "SM1", "2026-11-23T14:00:00.000000Z", WATER_SMS)
    recorder.message_received("t1", "SM2", "2026-11-23T14:01:00.000000Z", WATER_SMS)
    recorder.staff_replied("t1", "m1", "2026-11-23T14:04:00.000000Z", WATER_SMS)
    costs = unit_costs()
    expected = 2 * (costs["aws_usd_per_inbound_message"] + costs["twilio_usd_per_inbound_segment"]) + (
        costs["aws_usd_per_agent_reply"] + costs["twilio_usd_per_outbound_segment"]
    )
    cost = report(store, "2026-11-23", "2026-11-23")["cost"]
    assert cost["usd_per_conversation"] == round(expected, 4)
    assert cost["anchors"] == {"usd_per_311_phone_call": 3.39, "usd_per_text_contact": 0.6}
    assert 0 < cost["usd_per_alert_recipient"] < 0.6


def test_the_shipped_unit_costs_are_what_the_bench_cost_model_writes() -> None:
    assert UNIT_COSTS_PATH.read_text(encoding="utf-8") == render(), "run python -m bench.report_costs"
    assert json.loads(render())["aws_usd_per_inbound_message"] > 0


def test_every_table_downloads_as_csv_with_formula_cells_quoted(store: MemoryReports) -> None:
    table = {"columns": ["agent", "replies"], "rows": [["=cmd()", 3], ["-", -2], [None, 0]]}
    assert table_csv(table) == "agent,replies\r\n'=cmd(),3\r\n'-,-2\r\n,0\r\n"
    tables = report(store, "2026-11-23", "2026-11-24")["tables"]
    for name, body in tables.items():
        lines = table_csv(body).splitlines()
        assert lines[0].split(",")[0], name
        assert len(lines) == 1 + len(body["rows"])


def test_a_period_is_at_most_92_days_and_ends_after_it_starts() -> None:
    with pytest.raises(ValueError, match="92 days"):
        ReportFilter(date(2026, 1, 1), date(2026, 6, 1))
    with pytest.raises(ValueError, match="ends before"):
        ReportFilter(date(2026, 2, 1), date(2026, 1, 1))


def test_sum_counters_ignores_keys() -> None:
    assert sum_counters([{"pk": "a", "sk": "b", "opened": 1}, {"pk": "c", "sk": "d", "opened": 2}]) == {
        "opened": 3
    }


class PagedPartition:
    """One partition of `since` items answering Query pages in key order (what waiting_since reads)."""

    def __init__(self, since: list[str]) -> None:
        self.items = sorted(
            ({"sk": f"{s}#t{n}", "since": s} for n, s in enumerate(since)), key=lambda i: i["sk"]
        )
        self.pages = 0
        self.read = 0

    def query(self, **request: Any) -> dict[str, Any]:
        self.pages += 1
        ordered = self.items if request["ScanIndexForward"] else self.items[::-1]
        condition = request["KeyConditionExpression"].get_expression()
        if condition["operator"] == "AND":  # pk = ... AND sk > bound
            sk_condition = condition["values"][1].get_expression()
            assert sk_condition["operator"] == ">"
            bound = sk_condition["values"][1]
            ordered = [i for i in ordered if i["sk"] > bound]
        start = request.get("ExclusiveStartKey")
        if start is not None:
            ordered = ordered[[i["sk"] for i in ordered].index(start["sk"]) + 1 :]
        page = ordered[: request["Limit"]]
        more = len(ordered) > len(page)
        self.read += len(page)
        return {
            "Items": [{"since": i["since"]} for i in page],
            **({"LastEvaluatedKey": page[-1]} if more else {}),
        }


def test_waiting_since_reads_only_the_waits_newer_than_asked_in_one_page() -> None:
    # 450 waits over the last day, 1,000 older: the last day's are read in one page, the older ones never
    recent = [f"2026-11-30T{h:02d}:{m:02d}:00.000000Z" for h in range(24) for m in range(0, 60, 2)][:450]
    older = [f"2026-11-2{d}T{h:02d}:00:00.000000Z" for d in range(1, 9) for h in range(24)] * 6
    table = PagedPartition(recent + older[:1000])
    reader = ReportTable(table)
    found = reader.waiting_since(
        "*", None, newer_than="2026-11-29T12:00:00.000000Z", oldest_first=False, limit=2000
    )
    assert sorted(found) == sorted(recent)
    assert (table.pages, table.read) == (1, 450)
    assert reader.waiting_since("*", None, newer_than=None, oldest_first=True, limit=1) == [min(older)]
    assert len(reader.waiting_since("*", None, newer_than=None, oldest_first=True, limit=300)) == 300


def test_waiting_since_pages_past_one_query_page() -> None:
    older = [
        f"2026-11-{d:02d}T{h:02d}:{m:02d}:00.000000Z"
        for d in range(1, 29)
        for h in range(24)
        for m in (0, 15, 30, 45)
    ]
    table = PagedPartition(older[:2500])
    found = ReportTable(table).waiting_since("*", None, newer_than=None, oldest_first=True, limit=2200)
    assert found == sorted(older[:2500])[:2200]
    assert table.pages == 2  # WAITING_PAGE (2,000) + 200


class CountedWaiting:
    """A reader of the waiting partition alone, counting its reads (read_waiting's request count)."""

    def __init__(self, since: list[str]) -> None:
        self.reader = ReportTable(PagedPartition(since))
        self.reads = 0

    def waiting_since(
        self, scope: str, agent: str | None, *, newer_than: str | None, oldest_first: bool, limit: int
    ) -> list[str]:
        self.reads += 1
        return self.reader.waiting_since(
            scope, agent, newer_than=newer_than, oldest_first=oldest_first, limit=limit
        )


def test_waiting_ages_take_two_reads_when_the_median_is_older_than_a_day_and_one_when_all_are_recent() -> (
    None
):
    # Given 3 waiting since the last day (NOW is 2026-11-30 12:00) and 4 older ones
    recent = ["2026-11-30T11:00:00.000000Z", "2026-11-30T08:00:00.000000Z", "2026-11-29T20:00:00.000000Z"]
    older = ["2026-11-29T06:00:00.000000Z", "2026-11-28T12:00:00.000000Z", "2026-11-27T12:00:00.000000Z"]
    reader = CountedWaiting([*recent, *older, "2026-11-20T12:00:00.000000Z"])
    waiting = read_waiting(reader, "*", None, 7, NOW)  # type: ignore[arg-type]
    # Then the median (rank 4 of 7, youngest first: 30 h) and the oldest (10 days) come from one more read
    assert (waiting.median_s, waiting.oldest_s, reader.reads) == (30 * 3600, 10 * 86_400, 2)
    assert waiting.bands == [["under 1 h", 0], ["1-4 h", 1], ["4-24 h", 2], ["over 24 h", 4]]
    # And when every wait began in the last day, the recent read is the only one
    only_recent = CountedWaiting(recent)
    waiting = read_waiting(only_recent, "*", None, 3, NOW)  # type: ignore[arg-type]
    assert (waiting.median_s, waiting.oldest_s, only_recent.reads) == (4 * 3600, 16 * 3600, 1)
