"""Alertmanager time intervals (noise/time_intervals.py): Alertmanager's own cases (timeinterval_test.go), the
schema's validation, exact DST examples, and property tests of `contains` and `next_change` against a brute-force
oracle that reads the wall clock minute by minute, in the zones the schedule tests use, around real DST changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from noise.time_intervals import (
    MONTHS,
    WEEKDAYS,
    TimeInterval,
    TimeIntervalSpec,
    TimeRange,
    contains,
    next_change,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
SYDNEY = ZoneInfo("Australia/Sydney")
MINUTE = timedelta(minutes=1)
MICROSECOND = timedelta(microseconds=1)


def interval(*specs: dict[str, Any], name: str = "ti") -> TimeInterval:
    return TimeInterval.model_validate({"name": name, "time_intervals": list(specs)})


def rfc822z(text: str) -> datetime:
    """Go's time.RFC822Z layout ("02 Jan 06 15:04 -0700"), as Alertmanager's tests write instants."""
    return datetime.strptime(text, "%d %b %y %H:%M %z")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- Alertmanager's cases (timeinterval/timeinterval_test.go), written as the YAML they parse to. ---

BUSINESS_HOURS = {"times": [{"start_time": "09:00", "end_time": "17:00"}], "weekdays": ["monday:friday"]}

# (spec, instants it contains, instants it excludes): timeIntervalTestCases and yamlUnmarshalTestCases.
ALERTMANAGER_CASES: list[tuple[dict[str, Any], list[str], list[str]]] = [
    ({}, ["02 Jan 06 15:04 +0000", "03 Jan 07 10:04 +0000", "04 Jan 06 09:04 +0000"], []),
    (
        BUSINESS_HOURS,
        ["04 May 20 15:04 +0000", "05 May 20 10:04 +0000", "09 Jun 20 09:04 +0000"],
        ["03 May 20 15:04 +0000", "04 May 20 08:59 +0000", "05 May 20 05:00 +0000"],
    ),
    (  # Easter 2020
        {"days_of_month": ["4:6"], "months": ["4"], "years": ["2020"]},
        ["04 Apr 20 15:04 +0000", "05 Apr 20 00:00 +0000", "06 Apr 20 23:05 +0000"],
        [
            "03 May 18 15:04 +0000",
            "03 Apr 20 23:59 +0000",
            "04 Jun 20 23:59 +0000",
            "06 Apr 19 23:59 +0000",
            "07 Apr 20 00:00 +0000",
        ],
    ),
    (  # the last 3 days of each month
        {"days_of_month": ["-3:-1"]},
        [
            "31 Jan 20 15:04 +0000",
            "30 Jan 20 15:04 +0000",
            "29 Jan 20 15:04 +0000",
            "30 Jun 20 00:00 +0000",
            "29 Feb 20 23:05 +0000",
        ],
        [
            "03 May 18 15:04 +0000",
            "27 Jan 20 15:04 +0000",
            "03 Apr 20 23:59 +0000",
            "04 Jun 20 23:59 +0000",
            "06 Apr 19 23:59 +0000",
            "07 Apr 20 00:00 +0000",
            "01 Mar 20 00:00 +0000",
        ],
    ),
    # Out-of-bound days are clamped to the month. (Alertmanager's test builds -31:31 as a struct; its parser, like
    # ours, refuses that text, so each end is tried on its own.)
    (
        {"months": ["6"], "days_of_month": ["-31:-1"]},
        ["30 Jun 20 00:00 +0000", "01 Jun 20 00:00 +0000"],
        ["31 May 20 00:00 +0000", "1 Jul 20 00:00 +0000"],
    ),
    (
        {"months": ["6"], "days_of_month": ["1:31"]},
        ["30 Jun 20 00:00 +0000", "01 Jun 20 00:00 +0000"],
        ["31 May 20 00:00 +0000", "1 Jul 20 00:00 +0000"],
    ),
    (  # 9 to 5, Monday to Friday, in Sydney
        BUSINESS_HOURS | {"location": "Australia/Sydney"},
        ["06 Apr 21 13:00 +1000"],
        ["06 Apr 21 13:00 +0000"],
    ),
    (  # the same during Sydney's daylight saving time
        BUSINESS_HOURS | {"months": ["11"], "location": "Australia/Sydney"},
        ["01 Nov 21 09:00 +1100", "31 Oct 21 22:00 +0000"],
        ["31 Oct 21 21:00 +0000"],
    ),
    (  # the last day does not shift in a spring-forward month
        {"days_of_month": ["-1"], "location": "America/New_York"},
        ["31 Mar 21 12:00 -0400"],
        ["30 Mar 21 12:00 -0400"],
    ),
    (BUSINESS_HOURS, ["08 Jul 20 09:00 +0000", "08 Jul 20 16:59 +0000", "01 Apr 21 13:00 +0000"], []),
    (BUSINESS_HOURS, [], ["08 Jul 20 05:00 +0000", "08 Jul 20 08:59 +0000"]),
    (  # the last week, but Saturday, of the first quarter, in business hours, 2020-2025 and 2030-2035
        {
            "weekdays": ["monday:friday", "sunday"],
            "months": ["january:march"],
            "days_of_month": ["-7:-1"],
            "years": ["2020:2025", "2030:2035"],
            "times": [{"start_time": "09:00", "end_time": "17:00"}],
        },
        [
            "27 Jan 21 09:00 +0000",
            "28 Jan 21 16:59 +0000",
            "29 Jan 21 13:00 +0000",
            "31 Mar 25 13:00 +0000",
            "31 Jan 35 13:00 +0000",
        ],
        ["30 Jan 21 13:00 +0000", "01 Apr 21 13:00 +0000", "30 Jan 26 13:00 +0000", "31 Jan 35 17:01 +0000"],
    ),
    (  # completeTestCases
        {
            "weekdays": ["monday:wednesday", "saturday", "sunday"],
            "times": [{"start_time": "13:00", "end_time": "15:00"}],
            "days_of_month": ["1", "10", "20:-1"],
            "years": ["2020:2023"],
            "months": ["january:march"],
        },
        ["10 Jan 21 13:00 +0000", "30 Jan 21 14:24 +0000"],
        ["09 Jan 21 13:00 +0000", "20 Jan 21 12:59 +0000", "02 Feb 21 13:00 +0000"],
    ),
    (  # a range that starts after the month's end is not clamped into it
        {"days_of_month": ["30:31"], "years": ["2020:2023"], "months": ["february"]},
        [],
        ["28 Feb 21 13:00 +0000"],
    ),
]


@pytest.mark.parametrize(("spec", "inside", "outside"), ALERTMANAGER_CASES)
def test_alertmanager_contains_cases(spec: dict[str, Any], inside: list[str], outside: list[str]) -> None:
    ti = interval(spec)
    for text in inside:
        assert contains(ti, rfc822z(text)), text
    for text in outside:
        assert not contains(ti, rfc822z(text)), text


def test_alertmanager_parses_ranges_as_it_does() -> None:
    spec = TimeIntervalSpec.model_validate(
        {
            "weekdays": ["monday:friday", "sunday"],
            "months": ["January:december", "1:3", 5],
            "days_of_month": ["1:-1", -7, "-7:-1"],
            "years": ["2020:2025", 2030],
            "times": [{"start_time": "00:00", "end_time": "24:00"}, {"start_time": "01:35", "end_time": "17:39"}],
            "location": "Australia/Sydney",
        }
    )
    assert [(w.begin, w.end) for w in spec.weekdays or []] == [(1, 5), (0, 0)]
    assert [(m.begin, m.end) for m in spec.months or []] == [(1, 12), (1, 3), (5, 5)]
    assert [(d.begin, d.end) for d in spec.days_of_month or []] == [(1, -1), (-7, -7), (-7, -1)]
    assert [(y.begin, y.end) for y in spec.years or []] == [(2020, 2025), (2030, 2030)]
    assert [(t.start_minute, t.end_minute) for t in spec.times or []] == [(0, 1440), (95, 1059)]
    assert spec.zone == SYDNEY
    # Written back as Alertmanager's shapes (names lower-cased, as Alertmanager reads them), and read back the same.
    dumped = spec.model_dump(exclude_none=True)
    assert dumped["weekdays"] == ["monday:friday", "sunday"]
    assert dumped["months"] == ["january:december", "1:3", "5"]
    assert dumped["times"][0] == {"start_time": "00:00", "end_time": "24:00"}
    assert TimeIntervalSpec.model_validate(dumped) == spec
    assert TimeIntervalSpec.model_validate_json(spec.model_dump_json()) == spec


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [("00:00", "24:00", (0, 1440)), ("01:35", "17:39", (95, 1059)), ("09:35", "09:39", (575, 579))],
)
def test_alertmanager_time_strings(start: str, end: str, minutes: tuple[int, int]) -> None:
    r = TimeRange(start_time=start, end_time=end)
    assert (r.start_minute, r.end_minute) == minutes


def test_alertmanager_intervener_cases() -> None:
    """TestIntervener_Mutes: evenings and weekends in Sydney, asked at Sydney and UTC instants."""
    evenings = interval(
        {
            "times": [{"start_time": "00:00", "end_time": "09:00"}, {"start_time": "17:00", "end_time": "24:00"}],
            "location": "Australia/Sydney",
        },
        name="evenings",
    )
    weekends = interval({"weekdays": ["saturday", "sunday"], "location": "Australia/Sydney"}, name="weekends")
    cases = [
        (datetime(2024, 1, 1, 0, tzinfo=SYDNEY), {"evenings"}),
        (datetime(2024, 1, 1, 9, tzinfo=SYDNEY), set()),
        (datetime(2024, 1, 6, 10, tzinfo=SYDNEY), {"weekends"}),
        (datetime(2024, 1, 6, 17, tzinfo=SYDNEY), {"evenings", "weekends"}),
        (utc(2024, 1, 1, 10), {"evenings"}),
        (utc(2024, 1, 6, 10), {"evenings", "weekends"}),
    ]
    for at, muted_by in cases:
        assert {ti.name for ti in (evenings, weekends) if contains(ti, at)} == muted_by, at


def test_json_schema_describes_the_written_shapes() -> None:
    """The OpenAPI document will show ranges as the strings (or numbers) Alertmanager's YAML holds."""
    spec = TimeInterval.model_json_schema()["$defs"]["TimeIntervalSpec"]["properties"]
    assert spec["weekdays"]["anyOf"][0]["items"]["type"] == "string"
    for field in ("days_of_month", "months", "years"):
        assert spec[field]["anyOf"][0]["items"]["anyOf"] == [{"type": "string"}, {"type": "integer"}], field
    assert TimeInterval.model_json_schema()["$defs"]["TimeRange"]["required"] == ["start_time", "end_time"]


# --- Validation: every error names its field and what is wrong. ---


@pytest.mark.parametrize(
    ("spec", "loc", "message"),
    [
        ({"times": [{"start_time": "01:99", "end_time": "23:59"}]}, ("times", 0, "start_time"), "'01:99'"),
        ({"times": [{"start_time": "00:00", "end_time": "99:99"}]}, ("times", 0, "end_time"), "'99:99'"),
        ({"times": [{"start_time": "12:30", "end_time": "24:01"}]}, ("times", 0, "end_time"), "'24:01'"),
        ({"times": [{"start_time": "9:00", "end_time": "17:00"}]}, ("times", 0, "start_time"), "HH:MM"),
        ({"times": [{"start_time": "09:00\n", "end_time": "17:00"}]}, ("times", 0, "start_time"), "HH:MM"),
        ({"times": [{"start_time": "17:31", "end_time": "17:31"}]}, ("times", 0), "must be before end_time"),
        ({"times": [{"start_time": "09:30", "end_time": "07:41"}]}, ("times", 0), "must be before end_time"),
        ({"times": [{"start_time": "24:00", "end_time": "17:41"}]}, ("times", 0), "must be before end_time"),
        ({"times": [{"start_time": "14:03"}]}, ("times", 0, "end_time"), "Field required"),
        ({"weekdays": ["friday:monday"]}, ("weekdays", 0), "start day comes after the end day"),
        ({"weekdays": ["saturday:sunday"]}, ("weekdays", 0), "start day comes after the end day"),
        ({"weekdays": ["blurgsday:flurgsday"]}, ("weekdays", 0), "blurgsday is not a valid weekday"),
        ({"weekdays": ["1:3"]}, ("weekdays", 0), "1 is not a valid weekday"),
        ({"weekdays": ["-2:-1"]}, ("weekdays", 0), "-2 is not a valid weekday"),
        ({"weekdays": ["monday", "mon"]}, ("weekdays", 1), "mon is not a valid weekday"),
        ({"weekdays": ["monday:tuesday:friday"]}, ("weekdays", 0), "invalid format"),
        ({"weekdays": [True]}, ("weekdays", 0), "must be a string"),
        ({"days_of_month": ["0"]}, ("days_of_month", 0), "0 is not a valid day of the month: out of range"),
        ({"days_of_month": ["-50:-20"]}, ("days_of_month", 0), "-50 is not a valid day of the month: out of range"),
        ({"days_of_month": ["1:50"]}, ("days_of_month", 0), "50 is not a valid day of the month: out of range"),
        ({"days_of_month": ["-15:5"]}, ("days_of_month", 0), "end day must be negative if the start day is negative"),
        ({"days_of_month": ["10:-25"]}, ("days_of_month", 0), "end day -25 is always before the start day 10"),
        ({"days_of_month": ["1_0"]}, ("days_of_month", 0), "1_0 is not a valid day of the month"),
        ({"days_of_month": [" 5"]}, ("days_of_month", 0), "5 is not a valid day of the month"),
        ({"months": ["martius:june"]}, ("months", 0), "martius is not a valid month"),
        ({"months": ["march:junius"]}, ("months", 0), "junius is not a valid month"),
        ({"months": ["december:january"]}, ("months", 0), "end month january is before the start month december"),
        ({"months": ["13"]}, ("months", 0), "13 is not a valid month: out of range"),
        ({"months": ["0:3"]}, ("months", 0), "0 is not a valid month: out of range"),
        ({"years": ["2022:2020"]}, ("years", 0), "end year 2020 is before the start year 2022"),
        ({"years": ["0"]}, ("years", 0), "0 is not a valid year: out of range"),
        ({"years": ["twenty"]}, ("years", 0), "twenty is not a valid year"),
        ({"location": "Europe/Londn"}, ("location",), "unknown time zone 'Europe/Londn'"),
        ({"location": "../../etc/passwd"}, ("location",), "unknown time zone"),
        ({"location": "Local"}, ("location",), "'Local'"),
        ({"weekday": ["monday"]}, ("weekday",), "Extra inputs are not permitted"),
    ],
)
def test_bad_specs_name_the_field(spec: dict[str, Any], loc: tuple[str | int, ...], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        interval(spec)
    errors = caught.value.errors()
    assert len(errors) == 1, errors
    assert errors[0]["loc"] == ("time_intervals", 0, *loc)
    assert message in errors[0]["msg"]


def test_named_interval_needs_a_name() -> None:
    with pytest.raises(ValidationError) as caught:
        TimeInterval.model_validate({"name": "", "time_intervals": []})
    assert caught.value.errors()[0]["loc"] == ("name",)


def test_alertmanager_shapes_that_are_accepted() -> None:
    spec = TimeIntervalSpec.model_validate({"days_of_month": ["1:-1", "+5"], "location": "", "years": [2026]})
    assert spec.location == "UTC" and spec.zone == ZoneInfo("UTC")  # Go's LoadLocation("") is UTC
    assert [(d.begin, d.end) for d in spec.days_of_month or []] == [(1, -1), (5, 5)]
    assert TimeInterval.model_validate({"name": "never"}).time_intervals == []


def test_unset_field_matches_anything_and_an_empty_list_nothing() -> None:
    at = utc(2026, 5, 4, 12)
    assert contains(interval({}), at)
    for field in ("times", "weekdays", "days_of_month", "months", "years"):
        assert not contains(interval({field: []}), at), field
    assert not contains(interval(), at)  # no specs: never
    assert next_change(interval(), at, timedelta(days=30)) is None
    assert next_change(interval({}), at, timedelta(days=30)) is None


def test_instants_must_be_aware_and_in_the_era() -> None:
    ti = interval(BUSINESS_HOURS)
    with pytest.raises(ValueError, match="instant must include a UTC offset"):
        contains(ti, datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="after must be between the years 1900 and 2200"):
        next_change(ti, utc(1800, 1, 1), timedelta(days=1))
    with pytest.raises(ValueError, match="horizon must be positive"):
        next_change(ti, utc(2026, 1, 1), timedelta(0))
    # A horizon past the era's end is cut there, not an overflow.
    assert next_change(interval({"years": ["2030"]}), utc(2199, 1, 1), timedelta(days=3_000_000)) is None


def test_a_timer_armed_for_the_answer_wakes_on_the_change() -> None:
    ti = interval(BUSINESS_HOURS | {"location": "Europe/London"})
    friday_evening = datetime(2026, 5, 8, 18, tzinfo=LONDON)
    monday_morning = next_change(ti, friday_evening, timedelta(days=7))
    assert monday_morning == datetime(2026, 5, 11, 8, tzinfo=UTC)  # 09:00 BST
    assert contains(ti, monday_morning) and not contains(ti, monday_morning - MICROSECOND)
    assert next_change(ti, monday_morning, timedelta(days=7)) == datetime(2026, 5, 11, 16, tzinfo=UTC)
    assert next_change(ti, friday_evening, timedelta(days=2)) is None  # beyond the horizon
    # The horizon is inclusive: a change exactly at it is found.
    assert next_change(ti, friday_evening, monday_morning - friday_evening) == monday_morning
    # Years away: the first instant of 2030 on the interval's clock.
    later = interval({"years": ["2030:2031"], "location": "America/New_York"})
    assert next_change(later, utc(2026, 6, 1), timedelta(days=5 * 366)) == datetime(2030, 1, 1, 5, tzinfo=UTC)


# --- DST: judged on the wall clock at the instant (Go's t.In(location)). ---


def changes(ti: TimeInterval, start: datetime, end: datetime) -> list[tuple[datetime, bool]]:
    found, at = [], start
    while at < end and (at_next := next_change(ti, at, end - at)) is not None:
        found.append((at_next, contains(ti, at_next)))
        at = at_next
    return found


def test_a_skipped_hour_is_never_inside() -> None:
    # New York springs forward at 02:00 EST (07:00 UTC) on 8 March 2026: no instant reads 02:xx.
    ti = interval({"times": [{"start_time": "02:00", "end_time": "03:00"}], "location": "America/New_York"})
    assert changes(ti, utc(2026, 3, 7, 6), utc(2026, 3, 9, 12)) == [
        (utc(2026, 3, 7, 7), True),  # 02:00 EST on the day before
        (utc(2026, 3, 7, 8), False),
        (utc(2026, 3, 9, 6), True),  # 02:00 EDT on the day after
        (utc(2026, 3, 9, 7), False),
    ]
    assert not any(contains(ti, utc(2026, 3, 8) + k * MINUTE) for k in range(24 * 60))


def test_an_interval_starting_in_the_gap_starts_at_the_jump() -> None:
    ti = interval({"times": [{"start_time": "02:30", "end_time": "04:00"}], "location": "America/New_York"})
    assert changes(ti, utc(2026, 3, 8), utc(2026, 3, 8, 12)) == [
        (utc(2026, 3, 8, 7), True),
        (utc(2026, 3, 8, 8), False),
    ]


def test_a_repeated_hour_is_inside_on_both_passes() -> None:
    # New York falls back at 02:00 EDT (06:00 UTC) on 1 November 2026: 01:00-02:00 is read twice.
    whole = interval({"times": [{"start_time": "01:00", "end_time": "02:00"}], "location": "America/New_York"})
    assert changes(whole, utc(2026, 11, 1), utc(2026, 11, 1, 12)) == [
        (utc(2026, 11, 1, 5), True),
        (utc(2026, 11, 1, 7), False),  # two real hours
    ]
    # A range that the backward jump crosses ends at the jump and starts again when the clock reads its start again.
    half = interval({"times": [{"start_time": "01:30", "end_time": "03:00"}], "location": "America/New_York"})
    assert changes(half, utc(2026, 11, 1), utc(2026, 11, 1, 12)) == [
        (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), True),  # 01:30 EDT
        (utc(2026, 11, 1, 6), False),  # the clock goes back from 01:59:59 EDT to 01:00 EST
        (datetime(2026, 11, 1, 6, 30, tzinfo=UTC), True),  # 01:30 EST
        (utc(2026, 11, 1, 8), False),  # 03:00 EST
    ]


def test_london_and_lord_howe() -> None:
    # London's clocks go back at 02:00 BST (01:00 UTC) on 25 October 2026; a 23:00-24:00 interval on Saturdays.
    saturday_night = interval(
        {"times": [{"start_time": "23:00", "end_time": "24:00"}], "weekdays": ["saturday"], "location": "Europe/London"}
    )
    assert changes(saturday_night, utc(2026, 10, 24), utc(2026, 10, 26)) == [
        (utc(2026, 10, 24, 22), True),
        (utc(2026, 10, 24, 23), False),
    ]
    # Lord Howe moves by 30 minutes: on 4 October 2026 its clock jumps from 02:00 to 02:30 (15:30 UTC on the 3rd), so
    # 02:00-02:30 is skipped that night and next read at 02:00 (UTC+11) the night after.
    ti = interval({"times": [{"start_time": "02:00", "end_time": "02:30"}], "location": "Australia/Lord_Howe"})
    assert next_change(ti, utc(2026, 10, 3, 12), timedelta(days=1)) is None
    assert next_change(ti, utc(2026, 10, 3, 12), timedelta(days=2)) == utc(2026, 10, 4, 15)
    # ... and back from 02:00 to 01:30 on 5 April 2026 (15:00 UTC on the 4th): 01:30-02:00 is read twice.
    twice = interval({"times": [{"start_time": "01:30", "end_time": "02:00"}], "location": "Australia/Lord_Howe"})
    assert changes(twice, utc(2026, 4, 4, 12), utc(2026, 4, 4, 18)) == [
        (datetime(2026, 4, 4, 14, 30, tzinfo=UTC), True),
        (datetime(2026, 4, 4, 15, 30, tzinfo=UTC), False),
    ]


def test_whole_days_last_as_long_as_the_clock_says() -> None:
    # Sunday 29 March 2026 in London has 23 hours, Sunday 25 October 25.
    sundays = interval({"weekdays": ["sunday"], "location": "Europe/London"})
    assert changes(sundays, utc(2026, 3, 28), utc(2026, 3, 31)) == [
        (utc(2026, 3, 29), True),
        (utc(2026, 3, 29, 23), False),
    ]
    assert changes(sundays, utc(2026, 10, 24), utc(2026, 10, 27)) == [
        (utc(2026, 10, 24, 23), True),
        (utc(2026, 10, 26), False),
    ]


def test_days_in_month_follow_gos_normalisation() -> None:
    """Pacific/Kiritimati skipped 31 December 1994 (UTC-10 to UTC+14). Alertmanager counts December's days as
    time.Date(1994, 13, 0, 12, 0, 0, 0, loc).Day(): Go normalises the missing noon to 1 January, so December 1994 has
    one day there and -1 (the last day) is 1 December; we follow Go. Other months, and other zones, are the calendar."""
    kiritimati = ZoneInfo("Pacific/Kiritimati")
    last_day = interval({"days_of_month": ["-1"], "location": "Pacific/Kiritimati"})
    assert contains(last_day, datetime(1994, 12, 1, 12, tzinfo=kiritimati))
    assert not contains(last_day, datetime(1994, 12, 30, 12, tzinfo=kiritimati))
    assert contains(last_day, datetime(1994, 11, 30, 12, tzinfo=kiritimati))
    assert contains(last_day, datetime(1995, 12, 31, 12, tzinfo=kiritimati))
    london_last_day = interval({"days_of_month": ["-1"], "location": "Europe/London"})
    assert contains(london_last_day, datetime(2024, 2, 29, 12, tzinfo=LONDON))
    assert not contains(london_last_day, datetime(2024, 2, 28, 12, tzinfo=LONDON))


# --- Property tests against a brute-force oracle. ---

# Real UTC-offset changes (checked by test_transition_table_is_real); UTC has none, its anchors are arbitrary.
TRANSITIONS: dict[str, list[datetime]] = {
    "Europe/London": [utc(2026, 3, 29, 1), utc(2026, 10, 25, 1)],
    "America/New_York": [utc(2026, 3, 8, 7), utc(2026, 11, 1, 6)],
    "Australia/Lord_Howe": [utc(2026, 4, 4, 15), datetime(2026, 10, 3, 15, 30, tzinfo=UTC)],
    "Asia/Tokyo": [utc(2026, 12, 31, 15)],  # no DST: a month and a year change at local midnight
    "UTC": [utc(2026, 2, 28, 12), utc(2026, 4, 30, 12), utc(2028, 2, 29, 12), utc(2027, 1, 1)],  # month ends
}
QUARTER = timedelta(minutes=15)


def test_transition_table_is_real() -> None:
    for name, instants in TRANSITIONS.items():
        if name in {"UTC", "Asia/Tokyo"}:
            continue
        tz = ZoneInfo(name)
        for at in instants:
            assert (at - MICROSECOND).astimezone(tz).utcoffset() != at.astimezone(tz).utcoffset()


def oracle_contains(ti: TimeInterval, at: datetime) -> bool:
    """Reads the wall clock as text and the month's length from the calendar module: no code shared."""
    import calendar

    for spec in ti.time_intervals:
        local = at.astimezone(ZoneInfo(spec.location or "UTC"))
        clock = local.strftime("%H:%M")
        if spec.times is not None and not any(r.start_time <= clock < r.end_time for r in spec.times):
            continue
        if spec.weekdays is not None:
            names = {WEEKDAYS[d] for w in spec.weekdays for d in range(w.begin, w.end + 1)}
            if local.strftime("%A").lower() not in names:
                continue
        if spec.days_of_month is not None:
            length = calendar.monthrange(local.year, local.month)[1]
            days: set[int] = set()
            for d in spec.days_of_month:
                first = d.begin if d.begin > 0 else length + 1 + d.begin
                last = d.end if d.end > 0 else length + 1 + d.end
                if first <= length:
                    days.update(range(max(first, 1), min(last, length) + 1))
            if local.day not in days:
                continue
        if spec.months is not None:
            if local.strftime("%B").lower() not in {
                MONTHS[m - 1] for r in spec.months for m in range(r.begin, r.end + 1)
            }:
                continue
        if spec.years is not None and not any(y.begin <= local.year <= y.end for y in spec.years):
            continue
        return True
    return False


def oracle_next_change(ti: TimeInterval, after: datetime, horizon: timedelta) -> datetime | None:
    """Steps minute by minute: in these zones offsets and their changes fall on whole UTC minutes, so the answer
    is constant over every UTC minute and a change can only happen on one."""
    state = oracle_contains(ti, after)
    at = after.replace(second=0, microsecond=0) + MINUTE
    while at <= after + horizon:
        if oracle_contains(ti, at) != state:
            return at
        at += MINUTE
    return None


@dataclass
class Scenario:
    interval: TimeInterval
    anchor: datetime


def clock_near(wall: datetime) -> st.SearchStrategy[int]:
    """Minutes of the day on quarter hours, often within ±3 h of the change's wall clock (in the gap or fold)."""
    base = wall.hour * 60 + wall.minute
    nearby = st.integers(-12, 12).map(lambda q: (base + 15 * q) % 1440)
    return st.one_of(
        nearby,
        nearby,
        st.integers(0, 96).map(lambda q: q * 15),
        st.integers(0, 1440),
    )


@st.composite
def time_ranges(draw: st.DrawFn, wall: datetime) -> dict[str, str]:
    a, b = draw(clock_near(wall)), draw(clock_near(wall))
    if a == b:
        b = a + 1 if a < 1440 else a - 1
    start, end = min(a, b), max(a, b)
    return {"start_time": f"{start // 60:02d}:{start % 60:02d}", "end_time": f"{end // 60:02d}:{end % 60:02d}"}


def spans(draw: st.DrawFn, values: st.SearchStrategy[int], name: Any = str) -> str:
    a, b = sorted((draw(values), draw(values)))
    return f"{name(a)}:{name(b)}" if a != b else name(a)


def around(value: int, low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(max(low, value - 1), min(high, value + 1))


def month_days(wall: datetime, negative: bool) -> st.SearchStrategy[int]:
    """Days near the anchor's and near the ends of months (where clamping and short Februaries matter)."""
    if negative:
        return st.one_of(st.integers(-31, -1), st.integers(-4, -1), st.integers(-31, -27))
    ends = st.integers(28, 31)
    return st.one_of(st.integers(1, 31), ends, ends, around(wall.day, 1, 31), st.integers(1, 2))


@st.composite
def specs(draw: st.DrawFn, zone: str, wall: datetime) -> dict[str, Any]:
    spec: dict[str, Any] = {"location": zone}
    if draw(st.integers(0, 2)):
        spec["times"] = draw(st.lists(time_ranges(wall), min_size=1, max_size=2))
    if draw(st.booleans()):
        weekday = (wall.weekday() + 1) % 7
        spec["weekdays"] = [
            spans(draw, around(weekday, 0, 6), lambda d: WEEKDAYS[d]) for _ in range(draw(st.integers(1, 2)))
        ]
    if draw(st.booleans()):
        negative = draw(st.booleans())
        spec["days_of_month"] = [spans(draw, month_days(wall, negative)) for _ in range(draw(st.integers(1, 2)))]
    if draw(st.integers(0, 3)) == 0:
        spec["months"] = [spans(draw, around(wall.month, 1, 12))]
    if draw(st.integers(0, 4)) == 0:
        spec["years"] = [spans(draw, around(wall.year, 1, 9999))]
    return spec


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    zone = draw(st.sampled_from(sorted(TRANSITIONS)))
    anchor = draw(st.sampled_from(TRANSITIONS[zone]))
    wall = anchor.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    # Mostly the anchor's zone; sometimes a second spec in another zone (a named interval mixes locations).
    chosen = [draw(specs(zone, wall))]
    if draw(st.integers(0, 3)) == 0:
        other = draw(st.sampled_from(sorted(TRANSITIONS)))
        chosen.append(draw(specs(other, anchor.astimezone(ZoneInfo(other)).replace(tzinfo=None))))
    return Scenario(interval(*chosen), anchor)


def near(anchor: datetime) -> st.SearchStrategy[datetime]:
    """Instants within ±2 days of `anchor`, often within ±4 h: any second, or on / just before a quarter hour."""

    def quarters(span: int) -> st.SearchStrategy[datetime]:
        nudges = st.sampled_from([timedelta(0), MICROSECOND])
        return st.builds(lambda q, nudge: anchor + q * QUARTER - nudge, st.integers(-span, span), nudges)

    def seconds(span: int) -> st.SearchStrategy[datetime]:
        return st.integers(-span, span).map(lambda s: anchor + timedelta(seconds=s))

    return st.one_of(quarters(16), seconds(4 * 3600), quarters(192), seconds(2 * 86400))


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), data=st.data())
def test_contains_matches_the_oracle(scenario: Scenario, data: st.DataObject) -> None:
    for at in data.draw(st.lists(near(scenario.anchor), min_size=1, max_size=8)):
        expected = oracle_contains(scenario.interval, at)
        assert contains(scenario.interval, at) == expected, at
        # The same instant written in another zone (with fold set inside a repeated hour) is the same instant.
        zone = ZoneInfo(scenario.interval.time_intervals[0].location or "UTC")
        assert contains(scenario.interval, at.astimezone(zone)) == expected, at


@settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), data=st.data())
def test_next_change_matches_the_oracle(scenario: Scenario, data: st.DataObject) -> None:
    after = data.draw(near(scenario.anchor))
    horizon = data.draw(st.one_of(st.integers(1, 6 * 60), st.integers(1, 2 * 24 * 60)).map(lambda m: m * MINUTE))
    expected = oracle_next_change(scenario.interval, after, horizon)
    got = next_change(scenario.interval, after, horizon)
    assert got == expected
    if got is not None:
        assert contains(scenario.interval, got) != contains(scenario.interval, after)
        assert contains(scenario.interval, got - MICROSECOND) == contains(scenario.interval, after)


def oracle_changes(ti: TimeInterval, start: datetime, end: datetime) -> list[tuple[datetime, bool]]:
    found, state = [], oracle_contains(ti, start)
    at = start.replace(second=0, microsecond=0) + MINUTE
    while at <= end:
        if (now := oracle_contains(ti, at)) != state:
            found.append((at, now))
            state = now
        at += MINUTE
    return found


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), data=st.data())
def test_every_change_over_a_window_matches_the_oracle(scenario: Scenario, data: st.DataObject) -> None:
    """A timer re-armed at each answer sees exactly the changes the minute-by-minute oracle sees."""
    hours_back = data.draw(st.one_of(st.integers(0, 6), st.integers(0, 30)))
    start = data.draw(near(scenario.anchor)) - hours_back * timedelta(hours=1)
    end = start + data.draw(st.integers(1, 2 * 24 * 60)) * MINUTE
    assert changes(scenario.interval, start, end) == oracle_changes(scenario.interval, start, end)


@st.composite
def dst_edge_intervals(draw: st.DrawFn) -> Scenario:
    """Times whose ends sit in or next to a DST gap or repeated hour, where mistakes hide."""
    zone = draw(st.sampled_from(["America/New_York", "Australia/Lord_Howe", "Europe/London"]))
    anchor = draw(st.sampled_from(TRANSITIONS[zone]))
    wall = anchor.astimezone(ZoneInfo(zone))
    base = wall.hour * 60 + wall.minute
    clocks = st.integers(-8, 8).map(lambda q: min(1440, max(0, base + 15 * q)))
    ranges = []
    for _ in range(draw(st.integers(1, 2))):
        a, b = sorted((draw(clocks), draw(clocks)))
        if a == b:
            b = a + 15
        ranges.append({"start_time": f"{a // 60:02d}:{a % 60:02d}", "end_time": f"{b // 60:02d}:{b % 60:02d}"})
    return Scenario(interval({"times": ranges, "location": zone}), anchor)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=dst_edge_intervals(), data=st.data())
def test_changes_around_a_dst_change_match_the_oracle(scenario: Scenario, data: st.DataObject) -> None:
    offsets = st.one_of(
        st.integers(0, 16).map(lambda q: q * QUARTER), st.integers(0, 4 * 3600).map(lambda s: timedelta(seconds=s))
    )
    start = scenario.anchor - data.draw(offsets)
    end = scenario.anchor + data.draw(offsets)
    assert changes(scenario.interval, start, end) == oracle_changes(scenario.interval, start, end)
