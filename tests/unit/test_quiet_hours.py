from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from switchboard.quiet_hours import QuietHours, is_valid_zone, parse_clock, zone_for

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
QUIET = QuietHours()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_daytime_sends_now() -> None:
    moment = utc(2026, 6, 1, 16, 0)  # 12:00 in New York
    assert not QUIET.is_quiet(moment, NY)
    assert QUIET.next_allowed(moment, NY) == moment


def test_late_evening_waits_for_eight_next_morning_local() -> None:
    moment = utc(2026, 6, 2, 2, 30)  # 22:30 on 1 June in New York (EDT, UTC-4)
    assert QUIET.is_quiet(moment, NY)
    assert QUIET.next_allowed(moment, NY) == utc(2026, 6, 2, 12, 0)


def test_small_hours_wait_for_eight_the_same_day() -> None:
    moment = utc(2026, 6, 2, 9, 0)  # 05:00 in New York
    assert QUIET.next_allowed(moment, NY) == utc(2026, 6, 2, 12, 0)


def test_same_instant_differs_by_zone() -> None:
    moment = utc(2026, 6, 2, 12, 30)  # 08:30 New York, 05:30 Los Angeles
    assert not QUIET.is_quiet(moment, NY)
    assert QUIET.is_quiet(moment, LA)
    assert QUIET.next_allowed(moment, LA) == utc(2026, 6, 2, 15, 0)


def test_window_edges() -> None:
    assert QUIET.is_quiet(datetime(2026, 6, 1, 21, 0, tzinfo=NY), NY)
    assert not QUIET.is_quiet(datetime(2026, 6, 1, 20, 59, tzinfo=NY), NY)
    assert not QUIET.is_quiet(datetime(2026, 6, 1, 8, 0, tzinfo=NY), NY)
    assert QUIET.is_quiet(datetime(2026, 6, 1, 7, 59, tzinfo=NY), NY)


def test_daylight_saving_day_wakes_at_local_eight() -> None:
    # Clocks go forward on 8 March 2026 (US): 23:00 EST on the 7th → 08:00 EDT on the 8th = 12:00 UTC.
    moment = utc(2026, 3, 8, 4, 0)
    assert QUIET.next_allowed(moment, NY) == utc(2026, 3, 8, 12, 0)
    # The night they go back (1 November 2026): 22:00 EDT on 31 Oct → 08:00 EST on 1 Nov = 13:00 UTC.
    assert QUIET.next_allowed(utc(2026, 11, 1, 2, 0), NY) == utc(2026, 11, 1, 13, 0)


def test_daytime_window_that_does_not_span_midnight() -> None:
    lunch = QuietHours(time(12, 0), time(13, 0))
    assert lunch.is_quiet(datetime(2026, 6, 1, 12, 30, tzinfo=NY), NY)
    assert lunch.next_allowed(datetime(2026, 6, 1, 12, 30, tzinfo=NY), NY) == utc(2026, 6, 1, 17, 0)
    assert not lunch.is_quiet(datetime(2026, 6, 1, 22, 0, tzinfo=NY), NY)


def test_equal_start_and_end_turns_quiet_hours_off() -> None:
    off = QuietHours(time(8, 0), time(8, 0))
    assert not off.is_quiet(utc(2026, 6, 2, 7, 0), NY)


def test_parse() -> None:
    assert QuietHours.parse("22:00", "07:30") == QuietHours(time(22, 0), time(7, 30))
    assert QuietHours.parse(None, "") == QuietHours()
    assert parse_clock(" 9:05 ") == time(9, 5)
    for bad in ("9", "25:00", "nine:00", "9:5"):
        with pytest.raises(ValueError):
            parse_clock(bad)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        QUIET.is_quiet(datetime(2026, 6, 1, 12, 0), NY)


def test_zone_for_takes_the_first_real_zone() -> None:
    assert zone_for(None, "", "Mars/Olympus", "America/Chicago", default="UTC") == ZoneInfo("America/Chicago")
    assert zone_for(None, default="America/New_York") == NY
    assert is_valid_zone("Europe/Paris")
    assert not is_valid_zone("../etc/passwd")


@pytest.mark.parametrize(
    ("local", "quiet"),
    [((20, 59, 59), False), ((21, 0, 0), True), ((23, 59, 59), True), ((0, 0, 0), True),
     ((7, 59, 59), True), ((8, 0, 0), False), ((8, 0, 1), False), ((12, 0, 0), False)],
)  # fmt: skip
def test_the_default_window_is_21_00_inclusive_to_08_00_exclusive(
    local: tuple[int, int, int], quiet: bool
) -> None:
    moment = datetime(2026, 6, 1, *local, tzinfo=NY)
    assert QUIET.is_quiet(moment, NY) is quiet
    assert (QUIET.next_allowed(moment, NY) == moment) is not quiet


@pytest.mark.parametrize(
    ("local", "wake"),
    [((21, 0), utc(2026, 6, 2, 12, 0)), ((23, 59), utc(2026, 6, 2, 12, 0)), ((0, 0), utc(2026, 6, 1, 12, 0)),
     ((7, 59), utc(2026, 6, 1, 12, 0))],
)  # fmt: skip
def test_the_wake_after_each_edge_is_the_next_local_eight(local: tuple[int, int], wake: datetime) -> None:
    assert QUIET.next_allowed(datetime(2026, 6, 1, *local, tzinfo=NY), NY) == wake


@pytest.mark.parametrize(
    ("local", "quiet"), [((11, 59), False), ((12, 0), True), ((12, 59), True), ((13, 0), False)]
)
def test_a_window_inside_one_day_has_the_same_edges(local: tuple[int, int], quiet: bool) -> None:
    lunch = QuietHours(time(12, 0), time(13, 0))
    moment = datetime(2026, 6, 1, *local, tzinfo=NY)
    assert lunch.is_quiet(moment, NY) is quiet
    if quiet:
        assert lunch.next_allowed(moment, NY) == utc(2026, 6, 1, 17, 0)  # 13:00 EDT, the same day


def test_a_window_ending_at_midnight_wakes_the_next_day() -> None:
    evening = QuietHours(time(21, 0), time(0, 0))
    assert evening.is_quiet(datetime(2026, 6, 1, 23, 30, tzinfo=NY), NY)
    assert not evening.is_quiet(datetime(2026, 6, 2, 0, 0, tzinfo=NY), NY)
    assert evening.next_allowed(datetime(2026, 6, 1, 23, 30, tzinfo=NY), NY) == utc(2026, 6, 2, 4, 0)
