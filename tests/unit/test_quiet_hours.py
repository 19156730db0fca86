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
