"""On-call schedule maths (models/oncall.py): property tests against an independent brute-force oracle with
instants packed around real DST changes, then exact examples for DST handoffs, restriction windows, overrides,
validation and the iCalendar feed."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from pydantic import BaseModel, ValidationError

from models.oncall import (
    MAX_RANGE,
    WEEKDAYS,
    Layer,
    OnCall,
    Override,
    Restriction,
    ScheduleSpec,
    Shift,
    on_call,
    shifts,
    to_ical,
    zone,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
PEOPLE = ["ann", "bob", "cat", "dan", "eve"]
# Real UTC-offset changes of 2026/2027 (checked by test_transition_table_is_real); UTC has none, so its anchors
# are arbitrary instants.
TRANSITIONS: dict[str, list[datetime]] = {
    "Europe/London": [
        datetime(2026, 3, 29, 1, tzinfo=UTC),
        datetime(2026, 10, 25, 1, tzinfo=UTC),
        datetime(2027, 3, 28, 1, tzinfo=UTC),
        datetime(2027, 10, 31, 1, tzinfo=UTC),
    ],
    "America/New_York": [
        datetime(2026, 3, 8, 7, tzinfo=UTC),
        datetime(2026, 11, 1, 6, tzinfo=UTC),
        datetime(2027, 3, 14, 7, tzinfo=UTC),
        datetime(2027, 11, 7, 6, tzinfo=UTC),
    ],
    "Australia/Lord_Howe": [  # a 30-minute DST shift
        datetime(2026, 4, 4, 15, tzinfo=UTC),
        datetime(2026, 10, 3, 15, 30, tzinfo=UTC),
        datetime(2027, 4, 3, 15, tzinfo=UTC),
        datetime(2027, 10, 2, 15, 30, tzinfo=UTC),
    ],
    "UTC": [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)],
}
QUARTER = timedelta(minutes=15)


def seconds(count: int) -> timedelta:
    return timedelta(seconds=count)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def layer(name: str, participants: list[str], length: int, unit: str, start: datetime, **extra: Any) -> Layer:
    return Layer.model_validate(
        {"name": name, "participants": participants, "shift_length": length, "shift_unit": unit, "start": start} | extra
    )


# --- The oracle: deliberately naive, sharing no code with the module under test. ---


def oracle_in_windows(restrictions: list[Restriction], local: datetime) -> bool:
    """Judges windows by formatting the local wall clock, as a person reading it would."""
    if not restrictions:
        return True
    today = local.strftime("%a").lower()
    yesterday = (local.date() - timedelta(days=1)).strftime("%a").lower()
    clock = local.strftime("%H:%M:%S.%f")
    for r in restrictions:
        start, end = r.start.strftime("%H:%M:%S.%f"), r.end.strftime("%H:%M:%S.%f")
        if start < end:
            if today in r.days and start <= clock < end:
                return True
        elif (today in r.days and clock >= start) or (yesterday in r.days and clock < end):
            return True
    return False


def oracle_layer(rotation: Layer, tz: ZoneInfo, at: datetime) -> str | None:
    """Walks the handoffs from the first one, converting each local boundary with zoneinfo (fold=0)."""
    if not oracle_in_windows(rotation.restrictions, at.astimezone(tz)):
        return None
    if rotation.end is not None and at >= rotation.end.replace(tzinfo=tz).astimezone(UTC):
        return None
    step = {"hours": timedelta(hours=1), "days": timedelta(days=1), "weeks": timedelta(weeks=1)}[rotation.shift_unit]
    step *= rotation.shift_length
    k, boundary = -1, rotation.start
    while boundary.replace(tzinfo=tz).astimezone(UTC) <= at:
        k, boundary = k + 1, boundary + step
    return None if k < 0 else rotation.participants[k % len(rotation.participants)]


def oracle(spec: ScheduleSpec, overrides: list[Override], at: datetime) -> OnCall:
    tz = ZoneInfo(spec.time_zone)
    who = OnCall(None, None)
    for rotation in spec.layers:  # later layers overwrite where they have someone
        user = oracle_layer(rotation, tz, at)
        if user is not None:
            who = OnCall(user, f"layer:{rotation.name}")
    for override in overrides:  # later overrides overwrite
        if override.start <= at < override.end:
            who = OnCall(override.user_id, "override")
    return who


# --- Strategies: schedules around a DST change, with boundaries on quarter hours so they hit gaps exactly. ---


@dataclass
class Scenario:
    spec: ScheduleSpec
    overrides: list[Override]
    anchor: datetime  # a DST change (UTC)


def near(anchor: datetime) -> st.SearchStrategy[datetime]:
    """Instants within ±3 days of `anchor`, often within ±4 h of it: any second, or on / just before a quarter hour."""

    def quarters(span: int) -> st.SearchStrategy[datetime]:
        nudges = st.sampled_from([timedelta(0), timedelta(microseconds=1)])
        return st.builds(lambda q, nudge: anchor + q * QUARTER - nudge, st.integers(-span, span), nudges)

    def seconds(span: int) -> st.SearchStrategy[datetime]:
        return st.integers(-span, span).map(lambda s: anchor + timedelta(seconds=s))

    return st.one_of(quarters(16), seconds(4 * 3600), quarters(288), seconds(3 * 86400))


def wall_near(wall: datetime) -> st.SearchStrategy[datetime]:
    """Local wall times on quarter hours, often within ±3 h of `wall` (so inside a gap or a repeated hour)."""
    return st.one_of(st.integers(-12, 12), st.integers(-288, 288)).map(lambda q: wall + q * QUARTER)


@st.composite
def restrictions(draw: st.DrawFn, wall: datetime) -> Restriction:
    # Edges near the change's wall-clock time land in the gap or the repeated hour.
    clocks = st.one_of(wall_near(wall).map(lambda at: at.time()), st.builds(time, st.integers(0, 23), st.just(0)))
    return Restriction(
        days=draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True)),
        start=draw(clocks),
        end=draw(clocks),  # end <= start wraps; end == start is a whole day
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    time_zone = draw(st.sampled_from(sorted(TRANSITIONS)))
    anchor = draw(st.sampled_from(TRANSITIONS[time_zone]))
    wall = anchor.astimezone(ZoneInfo(time_zone)).replace(tzinfo=None, minute=0)
    layers = []
    for index in range(draw(st.integers(1, 3))):
        unit = draw(st.sampled_from(["hours", "days", "weeks"]))
        # Hourly layers start at most ~10 days back so the oracle's walk from the first handoff stays short; whole
        # weeks back keep a weekly handoff on the change's weekday, and a time of day near it puts handoffs in it.
        days_back = draw(st.integers(0, 10) if unit == "hours" else st.integers(0, 20).map(lambda w: 7 * w))
        start = draw(wall_near(wall)) - timedelta(days=days_back)
        extra: dict[str, Any] = {"restrictions": draw(st.lists(restrictions(wall), max_size=2))}
        end = draw(st.none() | wall_near(wall))
        if end is not None:
            extra["end"] = max(end, start + QUARTER)
        participants = draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4))
        length = draw(st.one_of(st.integers(1, 3), st.integers(1, {"hours": 36, "days": 3, "weeks": 2}[unit])))
        layers.append(layer(f"layer{index}", participants, length, unit, start, **extra))
    overrides = []
    for _ in range(draw(st.integers(0, 3))):
        begins = draw(near(anchor))
        ends = begins + seconds(draw(st.integers(1, 2 * 86400)))
        overrides.append(Override(user_id=draw(st.sampled_from(PEOPLE)), start=begins, end=ends))
    return Scenario(ScheduleSpec(time_zone=time_zone, layers=layers), overrides, anchor)


# --- Properties ---


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), data=st.data())
def test_on_call_matches_the_oracle(scenario: Scenario, data: st.DataObject) -> None:
    tz = ZoneInfo(scenario.spec.time_zone)
    for at in data.draw(st.lists(near(scenario.anchor), min_size=1, max_size=6)):
        expected = oracle(scenario.spec, scenario.overrides, at)
        assert on_call(scenario.spec, scenario.overrides, at) == expected, at
        # The same instant in the schedule's own zone (which has fold set inside a repeated hour).
        assert on_call(scenario.spec, scenario.overrides, at.astimezone(tz)) == expected, at


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), data=st.data())
def test_shifts_cover_the_range_and_agree_with_on_call(scenario: Scenario, data: st.DataObject) -> None:
    start = data.draw(near(scenario.anchor))
    end = start + timedelta(seconds=data.draw(st.one_of(st.integers(1, 8 * 3600), st.integers(1, 6 * 86400))))
    timeline = shifts(scenario.spec, scenario.overrides, start, end)

    assert timeline[0].start == start and timeline[-1].end == end
    for piece in timeline:
        assert piece.start < piece.end
        assert piece.start.tzinfo is UTC and piece.end.tzinfo is UTC
    for before, after in pairwise(timeline):
        assert before.end == after.start
        assert (before.user_id, before.source) != (after.user_id, after.source), "neighbours must be merged"

    # Every handoff, window edge and DST change in these schedules is on a UTC quarter hour (override edges are not,
    # but they are never left out), so sampling each quarter hour exposes any change point the timeline missed.
    first_quarter = start.replace(minute=start.minute // 15 * 15, second=0, microsecond=0)
    grid = [first_quarter + QUARTER * i for i in range(int((end - first_quarter) / QUARTER) + 1)]
    edges = [p.start for p in timeline] + [p.end - timedelta(microseconds=1) for p in timeline]
    extra = data.draw(st.lists(st.integers(0, int((end - start).total_seconds()) - 1), max_size=10))
    samples = grid + edges + [start + timedelta(seconds=s) for s in extra]
    starts = [p.start for p in timeline]
    for at in samples:
        if not start <= at < end:
            continue
        piece = timeline[bisect.bisect_right(starts, at) - 1]
        assert piece.start <= at < piece.end
        assert OnCall(piece.user_id, piece.source) == on_call(scenario.spec, scenario.overrides, at), at


@st.composite
def dst_edge_scenarios(draw: st.DrawFn) -> Scenario:
    """Short rotations and windows whose edges sit inside a DST gap or repeated hour, where mistakes hide."""
    time_zone = draw(st.sampled_from(sorted(TRANSITIONS.keys() - {"UTC"})))
    anchor = draw(st.sampled_from(TRANSITIONS[time_zone]))
    wall = anchor.astimezone(ZoneInfo(time_zone)).replace(tzinfo=None, minute=0)
    near_wall = st.integers(-12, 12).map(lambda q: wall + q * QUARTER)
    layers = []
    for index in range(draw(st.integers(1, 2))):
        start = draw(near_wall) - timedelta(days=draw(st.integers(0, 2)))
        windows = []
        if draw(st.booleans()):
            clocks = near_wall.map(lambda at: at.time())
            windows = [Restriction(start=draw(clocks), end=draw(clocks))]
        unit = draw(st.sampled_from(["hours", "days"]))
        people = draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4))
        layers.append(layer(f"layer{index}", people, draw(st.integers(1, 3)), unit, start, restrictions=windows))
    return Scenario(ScheduleSpec(time_zone=time_zone, layers=layers), [], anchor)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=dst_edge_scenarios(), data=st.data())
def test_timeline_around_a_dst_change_matches_the_oracle_every_quarter_hour(
    scenario: Scenario, data: st.DataObject
) -> None:
    # Range ends inside the gap or the repeated hour too, where the local clock of an end and a handoff disagree.
    offsets = st.one_of(st.integers(-8, 8).map(lambda q: q * QUARTER), st.integers(-7200, 7200).map(seconds))
    start = scenario.anchor - timedelta(hours=5) + data.draw(offsets)  # at least an hour before `end`
    end = scenario.anchor + data.draw(offsets)
    timeline = shifts(scenario.spec, [], start, end)
    starts = [p.start for p in timeline]
    at = start.replace(minute=start.minute // 15 * 15, second=0, microsecond=0)
    while at < end:
        for sample in (at, at + QUARTER - timedelta(microseconds=1)):
            if start <= sample < end:
                piece = timeline[bisect.bisect_right(starts, sample) - 1]
                expected = oracle(scenario.spec, [], sample)
                assert OnCall(piece.user_id, piece.source) == expected, sample
                assert on_call(scenario.spec, [], sample) == expected, sample
        at += QUARTER


def test_transition_table_is_real() -> None:
    for name, instants in TRANSITIONS.items():
        if name == "UTC":
            continue
        tz = ZoneInfo(name)
        for at in instants:
            assert (at - timedelta(seconds=1)).astimezone(tz).utcoffset() != at.astimezone(tz).utcoffset()


# --- Rotations across DST changes ---


def test_daily_london_handoff_stays_at_nine_local() -> None:
    people = ["ann", "bob", "cat"]
    spec = ScheduleSpec(
        time_zone="Europe/London", layers=[layer("primary", people, 1, "days", datetime(2026, 1, 5, 9))]
    )

    def person(day: datetime) -> str:  # shift k starts on 2026-01-05 + k days
        return people[(day.date() - datetime(2026, 1, 5).date()).days % 3]

    src = "layer:primary"
    assert shifts(spec, [], utc(2026, 3, 27, 9), utc(2026, 3, 31, 8)) == [
        Shift(person(utc(2026, 3, 27)), utc(2026, 3, 27, 9), utc(2026, 3, 28, 9), src),
        Shift(person(utc(2026, 3, 28)), utc(2026, 3, 28, 9), utc(2026, 3, 29, 8), src),  # 23 h
        Shift(person(utc(2026, 3, 29)), utc(2026, 3, 29, 8), utc(2026, 3, 30, 8), src),
        Shift(person(utc(2026, 3, 30)), utc(2026, 3, 30, 8), utc(2026, 3, 31, 8), src),
    ]
    assert shifts(spec, [], utc(2026, 10, 23, 8), utc(2026, 10, 27, 9)) == [
        Shift(person(utc(2026, 10, 23)), utc(2026, 10, 23, 8), utc(2026, 10, 24, 8), src),
        Shift(person(utc(2026, 10, 24)), utc(2026, 10, 24, 8), utc(2026, 10, 25, 9), src),  # 25 h
        Shift(person(utc(2026, 10, 25)), utc(2026, 10, 25, 9), utc(2026, 10, 26, 9), src),
        Shift(person(utc(2026, 10, 26)), utc(2026, 10, 26, 9), utc(2026, 10, 27, 9), src),
    ]
    # Every handoff of the year is 09:00 on the London wall clock.
    year = shifts(spec, [], utc(2026, 1, 5, 9), utc(2027, 1, 5, 9))
    assert len(year) == 365
    assert {p.start.astimezone(LONDON).time() for p in year} == {time(9)}
    assert {p.end - p.start for p in year} == {timedelta(hours=23), timedelta(hours=24), timedelta(hours=25)}


def test_weekly_new_york_handoff_stays_at_nine_local() -> None:
    people = ["ann", "bob", "cat"]
    spec = ScheduleSpec(
        time_zone="America/New_York", layers=[layer("primary", people, 1, "weeks", datetime(2026, 3, 2, 9))]
    )
    src = "layer:primary"
    assert shifts(spec, [], utc(2026, 3, 2, 14), utc(2026, 3, 16, 13)) == [
        Shift("ann", utc(2026, 3, 2, 14), utc(2026, 3, 9, 13), src),  # 167 h over 2026-03-08
        Shift("bob", utc(2026, 3, 9, 13), utc(2026, 3, 16, 13), src),
    ]
    # 2026-10-26 is 34 weeks on: participant 34 % 3 == 1.
    assert shifts(spec, [], utc(2026, 10, 26, 13), utc(2026, 11, 9, 14)) == [
        Shift("bob", utc(2026, 10, 26, 13), utc(2026, 11, 2, 14), src),  # 169 h over 2026-11-01
        Shift("cat", utc(2026, 11, 2, 14), utc(2026, 11, 9, 14), src),
    ]
    assert on_call(spec, [], utc(2026, 3, 9, 12, 59, 59)) == OnCall("ann", src)
    assert on_call(spec, [], utc(2026, 3, 9, 13)) == OnCall("bob", src)


def test_twelve_hour_rotation_hands_off_at_nine_and_twenty_one_local() -> None:
    spec = ScheduleSpec(
        time_zone="Europe/London", layers=[layer("split", ["day", "night"], 12, "hours", datetime(2026, 3, 27, 9))]
    )
    src = "layer:split"
    assert shifts(spec, [], utc(2026, 3, 28, 9), utc(2026, 3, 29, 20)) == [
        Shift("day", utc(2026, 3, 28, 9), utc(2026, 3, 28, 21), src),
        Shift("night", utc(2026, 3, 28, 21), utc(2026, 3, 29, 8), src),  # 11 h
        Shift("day", utc(2026, 3, 29, 8), utc(2026, 3, 29, 20), src),
    ]
    assert shifts(spec, [], utc(2026, 10, 24, 8), utc(2026, 10, 25, 21)) == [
        Shift("day", utc(2026, 10, 24, 8), utc(2026, 10, 24, 20), src),
        Shift("night", utc(2026, 10, 24, 20), utc(2026, 10, 25, 9), src),  # 13 h
        Shift("day", utc(2026, 10, 25, 9), utc(2026, 10, 25, 21), src),
    ]


def test_hourly_shift_inside_the_spring_gap_is_empty_and_the_repeated_hour_is_doubled() -> None:
    spec = ScheduleSpec(
        time_zone="Europe/London", layers=[layer("hourly", ["a", "b", "c", "d"], 1, "hours", datetime(2026, 3, 29))]
    )
    src = "layer:hourly"
    # 01:00 local does not exist: b's shift maps to [01:00Z, 01:00Z) and vanishes.
    assert shifts(spec, [], utc(2026, 3, 29, 0), utc(2026, 3, 29, 3)) == [
        Shift("a", utc(2026, 3, 29, 0), utc(2026, 3, 29, 1), src),
        Shift("c", utc(2026, 3, 29, 1), utc(2026, 3, 29, 2), src),
        Shift("d", utc(2026, 3, 29, 2), utc(2026, 3, 29, 3), src),
    ]
    assert on_call(spec, [], utc(2026, 3, 29, 1)) == OnCall("c", src)
    # 01:00 local happens twice on 2026-10-25; its shift starts at the first and lasts both.
    autumn = spec.model_copy(update={"layers": [layer("hourly", ["a", "b", "c"], 1, "hours", datetime(2026, 10, 25))]})
    assert shifts(autumn, [], utc(2026, 10, 24, 23), utc(2026, 10, 25, 3)) == [
        Shift("a", utc(2026, 10, 24, 23), utc(2026, 10, 25, 0), src),
        Shift("b", utc(2026, 10, 25, 0), utc(2026, 10, 25, 2), src),
        Shift("c", utc(2026, 10, 25, 2), utc(2026, 10, 25, 3), src),
    ]


def test_handoffs_off_the_hour_inside_the_gap_and_the_repeated_hour() -> None:
    spring = ScheduleSpec(
        time_zone="Europe/London", layers=[layer("h", ["a", "b", "c", "d"], 1, "hours", datetime(2026, 3, 29, 0, 30))]
    )
    # 01:30 local does not exist and maps (fold=0) to 01:30Z, the same instant as 02:30 BST: b's shift is empty,
    # and at 01:15Z (02:15 BST on the wall) a is still on.
    assert on_call(spring, [], utc(2026, 3, 29, 1, 15)) == OnCall("a", "layer:h")
    assert shifts(spring, [], utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 3)) == [
        Shift("a", utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30), "layer:h"),
        Shift("c", utc(2026, 3, 29, 1, 30), utc(2026, 3, 29, 2, 30), "layer:h"),
        Shift("d", utc(2026, 3, 29, 2, 30), utc(2026, 3, 29, 3), "layer:h"),
    ]
    autumn = ScheduleSpec(
        time_zone="Europe/London", layers=[layer("h", ["a", "b", "c"], 1, "hours", datetime(2026, 10, 25, 0, 30))]
    )
    # b's handoff is the first 01:30 (00:30Z); at 01:15Z the wall reads 01:15 for the second time, yet b is on.
    assert on_call(autumn, [], utc(2026, 10, 25, 1, 15)) == OnCall("b", "layer:h")
    # A range ending in the repeated hour still contains the handoff whose wall time is later than its end's.
    assert shifts(autumn, [], utc(2026, 10, 24, 22), utc(2026, 10, 25, 1, 15)) == [
        Shift(None, utc(2026, 10, 24, 22), utc(2026, 10, 24, 23, 30), None),
        Shift("a", utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 0, 30), "layer:h"),
        Shift("b", utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 15), "layer:h"),
    ]


def test_on_call_jumps_to_the_shift_instead_of_walking() -> None:
    people = [f"p{i}" for i in range(7)]
    spec = ScheduleSpec(time_zone="UTC", layers=[layer("hourly", people, 1, "hours", datetime(2000, 1, 1))])
    at = utc(2026, 6, 1, 12, 30)
    hours = int((at - utc(2000, 1, 1)) / timedelta(hours=1))
    assert on_call(spec, [], at) == OnCall(people[hours % 7], "layer:hourly")


def test_layer_has_nobody_before_its_start_and_from_its_end() -> None:
    spec = ScheduleSpec(
        time_zone="Europe/London",
        layers=[layer("temp", ["ann"], 1, "days", datetime(2026, 6, 1, 9), end=datetime(2026, 6, 3, 9))],
    )
    assert shifts(spec, [], utc(2026, 6, 1), utc(2026, 6, 4)) == [
        Shift(None, utc(2026, 6, 1), utc(2026, 6, 1, 8), None),
        Shift("ann", utc(2026, 6, 1, 8), utc(2026, 6, 3, 8), "layer:temp"),  # merged: one participant
        Shift(None, utc(2026, 6, 3, 8), utc(2026, 6, 4), None),
    ]
    assert on_call(spec, [], utc(2026, 6, 3, 7, 59, 59)).user_id == "ann"
    assert on_call(spec, [], utc(2026, 6, 3, 8)) == OnCall(None, None)


# --- Restrictions (January in London: local time is UTC; 2026-01-05 is a Monday) ---


def test_business_hours_layer_over_a_base_layer() -> None:
    business = Restriction(days=["mon", "tue", "wed", "thu", "fri"], start=time(9), end=time(17))
    spec = ScheduleSpec(
        time_zone="Europe/London",
        layers=[
            layer("base", ["owl"], 1, "weeks", datetime(2026, 1, 5)),
            layer("business", ["ann"], 1, "weeks", datetime(2026, 1, 5), restrictions=[business]),
        ],
    )
    base, day = OnCall("owl", "layer:base"), OnCall("ann", "layer:business")
    assert on_call(spec, [], utc(2026, 1, 5, 8, 59, 59)) == base
    assert on_call(spec, [], utc(2026, 1, 5, 9)) == day
    assert on_call(spec, [], utc(2026, 1, 5, 16, 59, 59)) == day
    assert on_call(spec, [], utc(2026, 1, 5, 17)) == base
    assert on_call(spec, [], utc(2026, 1, 10, 10)) == base  # Saturday
    assert shifts(spec, [], utc(2026, 1, 9), utc(2026, 1, 12, 12)) == [
        Shift("owl", utc(2026, 1, 9), utc(2026, 1, 9, 9), "layer:base"),
        Shift("ann", utc(2026, 1, 9, 9), utc(2026, 1, 9, 17), "layer:business"),
        Shift("owl", utc(2026, 1, 9, 17), utc(2026, 1, 12, 9), "layer:base"),  # the weekend
        Shift("ann", utc(2026, 1, 12, 9), utc(2026, 1, 12, 12), "layer:business"),
    ]


def test_weekday_nights_wrap_into_the_next_morning() -> None:
    nights = Restriction(days=["mon", "tue", "wed", "thu", "fri"], start=time(18), end=time(9))
    spec = ScheduleSpec(
        time_zone="Europe/London",
        layers=[layer("nights", ["ann"], 1, "weeks", datetime(2026, 1, 5), restrictions=[nights])],
    )
    ann, nobody = OnCall("ann", "layer:nights"), OnCall(None, None)
    assert on_call(spec, [], utc(2026, 1, 9, 23)) == ann  # Friday night
    assert on_call(spec, [], utc(2026, 1, 10, 8, 59, 59)) == ann  # ...into Saturday morning
    assert on_call(spec, [], utc(2026, 1, 10, 9)) == nobody
    assert on_call(spec, [], utc(2026, 1, 10, 23)) == nobody  # Saturday night is not a window
    assert on_call(spec, [], utc(2026, 1, 12, 8)) == nobody  # Sunday night's morning
    assert on_call(spec, [], utc(2026, 1, 12, 18)) == ann
    assert shifts(spec, [], utc(2026, 1, 9), utc(2026, 1, 13)) == [
        Shift("ann", utc(2026, 1, 9), utc(2026, 1, 9, 9), "layer:nights"),  # Thursday night
        Shift(None, utc(2026, 1, 9, 9), utc(2026, 1, 9, 18), None),
        Shift("ann", utc(2026, 1, 9, 18), utc(2026, 1, 10, 9), "layer:nights"),
        Shift(None, utc(2026, 1, 10, 9), utc(2026, 1, 12, 18), None),
        Shift("ann", utc(2026, 1, 12, 18), utc(2026, 1, 13), "layer:nights"),
    ]


def test_night_window_over_the_spring_change_is_fourteen_hours() -> None:
    nights = Restriction(start=time(18), end=time(9))  # every day
    spec = ScheduleSpec(
        time_zone="Europe/London",
        layers=[layer("nights", ["ann"], 1, "weeks", datetime(2026, 1, 5), restrictions=[nights])],
    )
    assert shifts(spec, [], utc(2026, 3, 28, 12), utc(2026, 3, 29, 12)) == [
        Shift(None, utc(2026, 3, 28, 12), utc(2026, 3, 28, 18), None),
        Shift("ann", utc(2026, 3, 28, 18), utc(2026, 3, 29, 8), "layer:nights"),
        Shift(None, utc(2026, 3, 29, 8), utc(2026, 3, 29, 12), None),
    ]


def test_windows_follow_the_wall_clock_through_the_gap_and_the_repeated_hour() -> None:
    def timeline(window: Restriction, start: datetime, end: datetime) -> list[Shift]:
        rotation = layer("w", ["ann"], 1, "weeks", datetime(2026, 1, 5), restrictions=[window])
        return shifts(ScheduleSpec(time_zone="Europe/London", layers=[rotation]), [], start, end)

    # On 2026-03-29 the wall clock jumps from 01:00 to 02:00 (at 01:00Z), leaving a window that ends at 01:30.
    assert timeline(Restriction(start=time(0), end=time(1, 30)), utc(2026, 3, 28, 23), utc(2026, 3, 29, 3)) == [
        Shift(None, utc(2026, 3, 28, 23), utc(2026, 3, 29), None),
        Shift("ann", utc(2026, 3, 29), utc(2026, 3, 29, 1), "layer:w"),
        Shift(None, utc(2026, 3, 29, 1), utc(2026, 3, 29, 3), None),
    ]
    # On 2026-10-25 it reads 01:00-02:00 twice (from 00:00Z and from 01:00Z), entering a 01:30 window twice.
    assert timeline(Restriction(start=time(1, 30), end=time(3)), utc(2026, 10, 25), utc(2026, 10, 25, 4)) == [
        Shift(None, utc(2026, 10, 25), utc(2026, 10, 25, 0, 30), None),
        Shift("ann", utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1), "layer:w"),
        Shift(None, utc(2026, 10, 25, 1), utc(2026, 10, 25, 1, 30), None),
        Shift("ann", utc(2026, 10, 25, 1, 30), utc(2026, 10, 25, 3), "layer:w"),
        Shift(None, utc(2026, 10, 25, 3), utc(2026, 10, 25, 4), None),
    ]


def test_equal_start_and_end_is_a_whole_day_from_start() -> None:
    saturday = Restriction(days=["sat"], start=time(9), end=time(9))
    spec = ScheduleSpec(
        time_zone="UTC", layers=[layer("weekend", ["ann"], 1, "weeks", datetime(2026, 1, 5), restrictions=[saturday])]
    )
    assert shifts(spec, [], utc(2026, 1, 10), utc(2026, 1, 12)) == [
        Shift(None, utc(2026, 1, 10), utc(2026, 1, 10, 9), None),
        Shift("ann", utc(2026, 1, 10, 9), utc(2026, 1, 11, 9), "layer:weekend"),
        Shift(None, utc(2026, 1, 11, 9), utc(2026, 1, 12), None),
    ]


# --- Overrides ---


def _two_layers() -> ScheduleSpec:
    business = Restriction(days=["mon", "tue", "wed", "thu", "fri"], start=time(9), end=time(17))
    return ScheduleSpec(
        time_zone="UTC",
        layers=[
            layer("base", ["ann"], 1, "weeks", datetime(2026, 1, 5)),
            layer("business", ["bob"], 1, "weeks", datetime(2026, 1, 5), restrictions=[business]),
        ],
    )


def test_overrides_beat_every_layer_and_the_later_one_wins() -> None:
    spec = _two_layers()
    overrides = [
        Override(user_id="cat", start=utc(2026, 1, 5, 10), end=utc(2026, 1, 5, 14)),
        Override(user_id="dan", start=utc(2026, 1, 5, 12), end=utc(2026, 1, 5, 13)),
    ]
    cat, dan = OnCall("cat", "override"), OnCall("dan", "override")
    assert on_call(spec, overrides, utc(2026, 1, 5, 9, 59, 59, 999999)) == OnCall("bob", "layer:business")
    assert on_call(spec, overrides, utc(2026, 1, 5, 10)) == cat
    assert on_call(spec, overrides, utc(2026, 1, 5, 12)) == dan
    assert on_call(spec, overrides, utc(2026, 1, 5, 12, 59, 59, 999999)) == dan
    assert on_call(spec, overrides, utc(2026, 1, 5, 13)) == cat
    assert on_call(spec, overrides, utc(2026, 1, 5, 14)) == OnCall("bob", "layer:business")
    assert shifts(spec, overrides, utc(2026, 1, 5), utc(2026, 1, 6)) == [
        Shift("ann", utc(2026, 1, 5), utc(2026, 1, 5, 9), "layer:base"),
        Shift("bob", utc(2026, 1, 5, 9), utc(2026, 1, 5, 10), "layer:business"),
        Shift("cat", utc(2026, 1, 5, 10), utc(2026, 1, 5, 12), "override"),
        Shift("dan", utc(2026, 1, 5, 12), utc(2026, 1, 5, 13), "override"),
        Shift("cat", utc(2026, 1, 5, 13), utc(2026, 1, 5, 14), "override"),
        Shift("bob", utc(2026, 1, 5, 14), utc(2026, 1, 5, 17), "layer:business"),
        Shift("ann", utc(2026, 1, 5, 17), utc(2026, 1, 6), "layer:base"),
    ]
    # In the other order the wider override hides the narrower one completely.
    assert shifts(spec, overrides[::-1], utc(2026, 1, 5, 10), utc(2026, 1, 5, 14)) == [
        Shift("cat", utc(2026, 1, 5, 10), utc(2026, 1, 5, 14), "override")
    ]


def test_override_of_the_scheduled_person_is_a_separate_piece() -> None:
    overrides = [Override(user_id="ann", start=utc(2026, 1, 5, 2), end=utc(2026, 1, 5, 3))]
    assert shifts(_two_layers(), overrides, utc(2026, 1, 5, 1), utc(2026, 1, 5, 4)) == [
        Shift("ann", utc(2026, 1, 5, 1), utc(2026, 1, 5, 2), "layer:base"),
        Shift("ann", utc(2026, 1, 5, 2), utc(2026, 1, 5, 3), "override"),
        Shift("ann", utc(2026, 1, 5, 3), utc(2026, 1, 5, 4), "layer:base"),
    ]


def test_override_times_are_stored_in_utc() -> None:
    start = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK)  # the second 01:30, EST
    override = Override(user_id="ann", start=start, end=start + timedelta(hours=1))
    assert override.start == utc(2026, 11, 1, 6, 30) and override.start.tzinfo is UTC


# --- Ranges and instants ---


def test_shifts_range_limits() -> None:
    spec = _two_layers()
    assert shifts(spec, [], utc(2026, 1, 1), utc(2026, 1, 1) + MAX_RANGE)[-1].end == utc(2027, 1, 2)
    with pytest.raises(ValueError, match="366 days"):
        shifts(spec, [], utc(2026, 1, 1), utc(2026, 1, 1) + MAX_RANGE + timedelta(microseconds=1))
    with pytest.raises(ValueError, match="end after it starts"):
        shifts(spec, [], utc(2026, 1, 2), utc(2026, 1, 1))
    with pytest.raises(ValueError, match="UTC offset"):
        shifts(spec, [], datetime(2026, 1, 1), utc(2026, 1, 2))
    with pytest.raises(ValueError, match="UTC offset"):
        on_call(spec, [], datetime(2026, 1, 1))


def test_shifts_answers_in_utc_whatever_zone_it_is_asked_in() -> None:
    timeline = shifts(_two_layers(), [], datetime(2026, 1, 5, tzinfo=NEW_YORK), datetime(2026, 1, 6, tzinfo=NEW_YORK))
    assert timeline[0].start == utc(2026, 1, 5, 5) and timeline[0].start.tzinfo is UTC
    assert timeline[-1].end == utc(2026, 1, 6, 5)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "Europe", "../etc/passwd", "/etc/localtime", "", "x" * 300])
def test_zone_rejects_unknown_names(name: str) -> None:
    with pytest.raises(ValueError) as info:
        zone(name)
    assert str(info.value) == f"unknown time zone '{name}'"


# --- Validation ---

GOOD_LAYER: dict[str, Any] = {
    "name": "primary",
    "participants": ["ann"],
    "shift_length": 1,
    "shift_unit": "days",
    "start": "2026-01-05T09:00:00",
}
GOOD_OVERRIDE: dict[str, Any] = {"user_id": "ann", "start": "2026-01-05T09:00:00Z", "end": "2026-01-05T10:00:00Z"}
GOOD_RESTRICTION: dict[str, Any] = {"days": ["mon"], "start": "09:00", "end": "17:00"}


@pytest.mark.parametrize(
    ("model", "payload", "loc", "message"),
    [
        (Layer, GOOD_LAYER | {"participants": []}, ("participants",), "a rotation needs at least one participant"),
        (Layer, GOOD_LAYER | {"participants": [""]}, ("participants", 0), None),
        (Layer, GOOD_LAYER | {"shift_length": 0}, ("shift_length",), None),
        (Layer, GOOD_LAYER | {"shift_unit": "months"}, ("shift_unit",), None),
        (Layer, GOOD_LAYER | {"name": ""}, ("name",), None),
        (Layer, GOOD_LAYER | {"name": "x" * 101}, ("name",), None),
        (Layer, GOOD_LAYER | {"start": "2026-01-05T09:00:00Z"}, ("start",), "must not carry a UTC offset"),
        (Layer, GOOD_LAYER | {"start": datetime(2026, 1, 5, 9, tzinfo=UTC)}, ("start",), "UTC offset"),
        (Layer, GOOD_LAYER | {"end": "2026-01-05T09:00:00"}, ("end",), "a layer must end after it starts"),
        (Layer, GOOD_LAYER | {"end": "2026-02-05T09:00:00+01:00"}, ("end",), "UTC offset"),
        (Layer, GOOD_LAYER | {"shift_lenght": 2}, ("shift_lenght",), None),
        (
            ScheduleSpec,
            {"time_zone": "Mars/Olympus_Mons", "layers": [GOOD_LAYER]},
            ("time_zone",),
            "unknown time zone 'Mars/Olympus_Mons'",
        ),
        (ScheduleSpec, {"time_zone": "UTC", "layers": []}, ("layers",), None),
        (
            ScheduleSpec,
            {"time_zone": "UTC", "layers": [GOOD_LAYER | {"participants": []}]},
            ("layers", 0, "participants"),
            "participant",
        ),
        (ScheduleSpec, {"time_zone": "UTC", "layers": [GOOD_LAYER, GOOD_LAYER]}, ("layers",), "unique"),
        (Override, GOOD_OVERRIDE | {"end": GOOD_OVERRIDE["start"]}, ("end",), "an override must end after it starts"),
        (Override, GOOD_OVERRIDE | {"end": "2026-01-05T08:00:00Z"}, ("end",), "an override must end after it starts"),
        (Override, GOOD_OVERRIDE | {"start": "2026-01-05T09:00:00"}, ("start",), "UTC offset"),
        (Override, GOOD_OVERRIDE | {"end": "2026-01-05T10:00:00"}, ("end",), "UTC offset"),
        (Override, GOOD_OVERRIDE | {"user_id": ""}, ("user_id",), None),
        (Restriction, GOOD_RESTRICTION | {"days": []}, ("days",), "at least one day"),
        (Restriction, GOOD_RESTRICTION | {"days": ["mon", "mon"]}, ("days",), "repeat"),
        (Restriction, GOOD_RESTRICTION | {"days": ["funday"]}, ("days", 0), None),
        (Restriction, GOOD_RESTRICTION | {"start": "09:00:00Z"}, ("start",), "UTC offset"),
        (Restriction, {"days": ["mon"], "start": "09:00"}, ("end",), None),
    ],
)
def test_bad_input_is_rejected_naming_the_field(
    model: type[BaseModel], payload: dict[str, Any], loc: tuple[str | int, ...], message: str | None
) -> None:
    with pytest.raises(ValidationError) as info:
        model.model_validate(payload)
    errors = info.value.errors()
    assert [error["loc"] for error in errors] == [loc]
    if message is not None:
        assert message in errors[0]["msg"]


def test_good_input_is_accepted_with_defaults() -> None:
    spec = ScheduleSpec.model_validate({"time_zone": "Europe/London", "layers": [GOOD_LAYER]})
    assert spec.layers[0].start == datetime(2026, 1, 5, 9) and spec.layers[0].restrictions == []
    assert Restriction.model_validate({"start": "18:00", "end": "09:00"}).days == list(WEEKDAYS)
    assert Override.model_validate(GOOD_OVERRIDE).end == utc(2026, 1, 5, 10)


# --- iCalendar ---


def test_ical_feed_round_trips_with_stable_uids() -> None:
    spec = ScheduleSpec(
        time_zone="Europe/London",
        layers=[layer("primary", ["ann", "bob"], 1, "days", datetime(2026, 3, 27, 9), end=datetime(2026, 3, 30, 9))],
    )
    timeline = shifts(spec, [], utc(2026, 3, 27), utc(2026, 3, 31))
    assert [p.user_id for p in timeline] == [None, "ann", "bob", "ann", None]

    data = to_ical("Primary, on call", timeline, {"ann": "Ann Example"}, "sched1")
    assert data == to_ical("Primary, on call", timeline, {"ann": "Ann Example"}, "sched1")  # deterministic
    assert b"DTSTART:20260328T090000Z" in data and b"DTEND:20260329T080000Z" in data

    calendar = Calendar.from_ical(data)
    assert str(calendar["X-WR-CALNAME"]) == "Primary, on call"
    events = calendar.walk("VEVENT")
    assert len(events) == 3
    assert [str(e["UID"]) for e in events] == [
        "sched1-ann-20260327T090000Z@herald",
        "sched1-bob-20260328T090000Z@herald",
        "sched1-ann-20260329T080000Z@herald",
    ]
    assert [str(e["SUMMARY"]) for e in events] == ["On call: Ann Example", "On call: bob", "On call: Ann Example"]
    for event, piece in zip(events, timeline[1:4], strict=True):
        start, end, stamp = event.decoded("DTSTART"), event.decoded("DTEND"), event.decoded("DTSTAMP")
        assert start.utcoffset() == timedelta(0) and end.utcoffset() == timedelta(0)
        assert (start, end, stamp) == (piece.start, piece.end, piece.start)
