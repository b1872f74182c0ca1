"""Alertmanager's time intervals: the `time_intervals` schema, whether an instant lies in one, and when that changes.

Pure and deterministic (the standard library and pydantic only; no I/O, no clock: callers pass every instant), so
workflow code may import it.

The schema and the answers are Alertmanager's (`timeinterval/timeinterval.go`). A named `TimeInterval` holds a list
of `TimeIntervalSpec`s and contains an instant when any of them does; a spec contains it when every field it sets
matches (an unset field matches anything, an empty list nothing), judged on the wall clock of the spec's `location`
(UTC by default) at that instant, to the minute:

* `times`: `start_time` / `end_time` as "HH:MM", start inclusive, end exclusive, `24:00` allowed as an end;
* `weekdays`: names, or ranges such as `monday:friday` (the week starts on Sunday: `saturday:sunday` is an error);
* `days_of_month`: 1-31, or -1 (the last day) to -31 counting from the end, and ranges, clamped to the month;
* `months`: names or numbers 1-12, and ranges; `years`: ranges of years.

Time changes (docs/architecture.md, "Time intervals across DST"): because the wall clock is read at the instant, a
time the clock skips is never inside an interval and a repeated hour is inside it on both passes. Alertmanager
counts the days of a month with Go's `time.Date(year, month + 1, 0, 12, 0, 0, 0, location)`, and we follow Go's
normalisation of that noon too, so in the one zone that skipped the last day of a month (Pacific/Kiritimati,
31 December 1994) December 1994 has one day, as it has in Alertmanager.

Where Herald is stricter than Alertmanager: months must be 1-12 and years 1-9999 (Alertmanager accepts any integer,
which can never match), and the location `Local` (the server's own zone, which Herald's answers must not depend on)
is refused.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from models.zones import offset_changes

# Alertmanager's numbering: 0 is Sunday.
WEEKDAYS: tuple[str, ...] = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
# Position i is month i + 1.
MONTHS: tuple[str, ...] = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
YEARS = range(1, 10_000)
# contains / next_change take instants in these years (the era of models/oncall.py): far outside them, converting
# between local times and UTC overflows.
ERA = range(1900, 2201)
MAX_NAME_LENGTH = 128

_CLOCK = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]|24:00")  # Alertmanager's validTime, anchored at both ends
_INTEGER = re.compile(r"[+-]?[0-9]+")  # what Go's strconv.Atoi accepts (no spaces, no underscores)
_DAY = timedelta(days=1)
# next_change examines the range in chunks of this length, so an early change is found without scanning the horizon.
_CHUNK = timedelta(days=7)
# No zone changes its UTC offset twice within this step, so sampling at it finds every transition (as models/oncall).


@dataclass(frozen=True, slots=True)
class Span:
    """An inclusive range of integers (`begin` == `end` for a single value) and the text it was written as."""

    begin: int
    end: int
    text: str


def _member_text(value: object) -> str:
    if isinstance(value, Span):
        return value.text
    # Alertmanager reads these as YAML strings, and YAML turns an unquoted 5 into one; booleans it refuses.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("must be a string such as '1:5' or 'monday'")
    return str(value).lower()


def _split(text: str, member: Callable[[str], int]) -> tuple[int, int]:
    if ":" not in text:
        value = member(text)
        return value, value
    parts = text.split(":")
    if len(parts) != 2:
        raise ValueError(f"couldn't parse range {text}, invalid format")
    return member(parts[0]), member(parts[1])


def _number(kind: str) -> Callable[[str], int]:
    def member(text: str) -> int:
        if not _INTEGER.fullmatch(text):
            raise ValueError(f"{text} is not a valid {kind}")
        return int(text)

    return member


def _weekday(text: str) -> int:
    if text not in WEEKDAYS:
        raise ValueError(f"{text} is not a valid weekday")
    return WEEKDAYS.index(text)


def _month(text: str) -> int:
    if text in MONTHS:
        return MONTHS.index(text) + 1
    if not _INTEGER.fullmatch(text):
        raise ValueError(f"{text} is not a valid month")
    return int(text)


def _weekday_span(value: object) -> Span:
    text = _member_text(value)
    begin, end = _split(text, _weekday)
    if begin > end:
        raise ValueError(f"{text}: the start day comes after the end day (the week runs from sunday to saturday)")
    return Span(begin, end, text)


def _day_of_month_span(value: object) -> Span:
    text = _member_text(value)
    begin, end = _split(text, _number("day of the month"))
    for day in (begin, end):
        if day == 0 or not -31 <= day <= 31:
            raise ValueError(f"{day} is not a valid day of the month: out of range")
    if begin < 0 < end:
        raise ValueError(f"{text}: the end day must be negative if the start day is negative")
    # With negative days the order depends on the month's length; refuse what is wrong in every month (28 days).
    if (28 + begin if begin < 0 else begin) > (28 + end if end < 0 else end):
        raise ValueError(f"{text}: the end day {end} is always before the start day {begin}")
    return Span(begin, end, text)


def _month_span(value: object) -> Span:
    text = _member_text(value)
    begin, end = _split(text, _month)
    for month in (begin, end):
        if not 1 <= month <= 12:
            raise ValueError(f"{month} is not a valid month: out of range")
    if begin > end:
        raise ValueError(f"{text}: the end month {MONTHS[end - 1]} is before the start month {MONTHS[begin - 1]}")
    return Span(begin, end, text)


def _year_span(value: object) -> Span:
    text = _member_text(value)
    begin, end = _split(text, _number("year"))
    for year in (begin, end):
        if year not in YEARS:
            raise ValueError(f"{year} is not a valid year: out of range ({YEARS.start}-{YEARS.stop - 1})")
    if begin > end:
        raise ValueError(f"{text}: the end year {end} is before the start year {begin}")
    return Span(begin, end, text)


def _schema(description: str, examples: list[str], numeric: bool) -> WithJsonSchema:
    kinds: list[dict[str, Any]] = [{"type": "string"}] + ([{"type": "integer"}] if numeric else [])
    schema: dict[str, Any] = kinds[0] if len(kinds) == 1 else {"anyOf": kinds}
    return WithJsonSchema(schema | {"description": description, "examples": examples})


_AS_TEXT = PlainSerializer(lambda span: span.text, return_type=str)

WeekdayRange = Annotated[
    Span,
    PlainValidator(_weekday_span),
    _AS_TEXT,
    _schema("A weekday by name, or an inclusive range from sunday to saturday.", ["monday:friday", "sunday"], False),
]
DayOfMonthRange = Annotated[
    Span,
    PlainValidator(_day_of_month_span),
    _AS_TEXT,
    _schema(
        "A day of the month (1-31, or -1 for the last day to -31), or an inclusive range; clamped to the month.",
        ["1:5", "-3:-1", "15"],
        True,
    ),
]
MonthRange = Annotated[
    Span,
    PlainValidator(_month_span),
    _AS_TEXT,
    _schema("A month by name or number (1-12), or an inclusive range.", ["january:march", "12"], True),
]
YearRange = Annotated[
    Span,
    PlainValidator(_year_span),
    _AS_TEXT,
    _schema("A year, or an inclusive range of years.", ["2026:2027", "2030"], True),
]


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class TimeRange(BaseModel):
    """A range of the day's wall clock: from `start_time` (inclusive) to `end_time` (exclusive), to the minute."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start_time: str = Field(description="HH:MM, inclusive (00:00 to 23:59).", examples=["09:00"])
    end_time: str = Field(description="HH:MM, exclusive (00:01 to 24:00).", examples=["17:00"])

    @field_validator("start_time", "end_time")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.fullmatch(value):
            raise ValueError(f"couldn't parse time {value!r}: expected HH:MM between 00:00 and 24:00")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start_minute >= self.end_minute:
            raise ValueError(f"start_time {self.start_time} must be before end_time {self.end_time}")
        return self

    @property
    def start_minute(self) -> int:
        return _minutes(self.start_time)

    @property
    def end_minute(self) -> int:
        return _minutes(self.end_time)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    # zoneinfo also raises ValueError for malformed keys and OSError for directories and over-long names; their
    # messages would leak file-system paths.
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone '{name}'") from exc


class TimeIntervalSpec(BaseModel):
    """Alertmanager's `time_interval_spec`: every field set must match; unset fields match anything."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    times: list[TimeRange] | None = Field(default=None, description="Ranges of the day; at least one must hold.")
    weekdays: list[WeekdayRange] | None = None
    days_of_month: list[DayOfMonthRange] | None = None
    months: list[MonthRange] | None = None
    years: list[YearRange] | None = None
    location: str | None = Field(
        default=None,
        description="The IANA time zone whose wall clock the fields are read on; UTC if unset.",
        examples=["Europe/London"],
    )

    @field_validator("location")
    @classmethod
    def _location(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value == "":  # Go's time.LoadLocation("") is UTC
            return "UTC"
        if value == "Local":
            raise ValueError("'Local' (the server's own time zone) is not supported: name an IANA time zone")
        _zone(value)
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.location or "UTC")


class TimeInterval(BaseModel):
    """Alertmanager's named `time_interval`: contains an instant when any of its specs does (none: never)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH, examples=["business-hours"])
    time_intervals: list[TimeIntervalSpec] = Field(default_factory=list)


# --- When an interval contains an instant. ---


def _instant(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must include a UTC offset")
    if value.astimezone(UTC).year not in ERA:
        raise ValueError(f"{field} must be between the years {ERA.start} and {ERA.stop - 1}")
    return value.astimezone(UTC)


def _go_date(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant Go's `time.Date` gives for the naive local `wall`, which may not exist or exist twice.

    Go reads the zone's offset at `wall` taken as UTC, and if that offset does not hold at the instant it implies,
    uses the offset that holds there instead.
    """
    guess = wall.replace(tzinfo=UTC)
    offset = guess.astimezone(zone).utcoffset() or timedelta(0)
    actual = (guess - offset).astimezone(zone).utcoffset() or timedelta(0)
    return guess - actual


@lru_cache(maxsize=4096)
def _days_in_month(year: int, month: int, zone: ZoneInfo) -> int:
    """Alertmanager's daysInMonth: `time.Date(year, month + 1, 0, 12, 0, 0, 0, zone).Day()`.

    Day 0 of the next month is the month's last day; its noon exists in every zone but Pacific/Kiritimati on
    31 December 1994, where Go lands on 1 January (and counts one day).
    """
    last = date(year, month, calendar.monthrange(year, month)[1])
    return _go_date(datetime.combine(last, time(12)), zone).astimezone(zone).day


def _in(spans: Sequence[Span], value: int) -> bool:
    return any(span.begin <= value <= span.end for span in spans)


def _day_matches(spans: Sequence[Span], wall: datetime, zone: ZoneInfo) -> bool:
    days = _days_in_month(wall.year, wall.month, zone)
    for span in spans:
        begin = days + span.begin + 1 if span.begin < 0 else span.begin
        end = days + span.end + 1 if span.end < 0 else span.end
        if begin > days:  # a range starting after this month's end (30:31 in February) holds no day of it
            continue
        begin, end = max(-days, min(begin, days)), max(-days, min(end, days))
        if begin <= wall.day <= end:
            return True
    return False


def _spec_contains(spec: TimeIntervalSpec, at: datetime) -> bool:
    """Whether `spec` holds at the aware instant `at`, read on the wall clock of its zone."""
    zone = spec.zone
    wall = at.astimezone(zone)
    if spec.times is not None:
        minute = wall.hour * 60 + wall.minute
        if not any(r.start_minute <= minute < r.end_minute for r in spec.times):
            return False
    if spec.days_of_month is not None and not _day_matches(spec.days_of_month, wall, zone):
        return False
    if spec.months is not None and not _in(spec.months, wall.month):
        return False
    if spec.weekdays is not None and not _in(spec.weekdays, (wall.weekday() + 1) % 7):
        return False
    return spec.years is None or _in(spec.years, wall.year)


def contains(interval: TimeInterval, instant: datetime) -> bool:
    """Whether the aware `instant` lies in `interval` (Alertmanager's ContainsTime over its specs)."""
    at = _instant(instant, "instant")
    return any(_spec_contains(spec, at) for spec in interval.time_intervals)


# --- When that answer next changes. ---


def _candidates(specs: Sequence[TimeIntervalSpec], low: datetime, high: datetime) -> set[datetime]:
    """Every instant in (low, high] at which some spec's answer can change.

    A spec's answer depends only on its zone's wall clock, and is constant between the clock readings it names
    (midnight, and each range's start and end). The clock reaches a reading at its fold=0 and fold=1 conversions
    (two instants in a repeated hour), and jumps past readings only at an offset transition.
    """
    clocks: dict[ZoneInfo, set[time]] = {}
    for spec in specs:
        readings = clocks.setdefault(spec.zone, {time(0)})
        for r in spec.times or ():
            readings.update(time(m // 60, m % 60) for m in (r.start_minute, r.end_minute) if m < 24 * 60)
    found: set[datetime] = set()
    for zone, readings in clocks.items():
        found.update(offset_changes(low, high, zone))
        day, last = low.astimezone(zone).date() - _DAY, high.astimezone(zone).date() + _DAY
        while day <= last:
            for reading in readings:
                for fold in (0, 1):
                    at = datetime.combine(day, reading, tzinfo=zone).replace(fold=fold).astimezone(UTC)
                    if low < at <= high:
                        found.add(at)
            day += _DAY
    return found


def next_change(interval: TimeInterval, after: datetime, horizon: timedelta) -> datetime | None:
    """The first instant later than `after` at which `contains(interval, ·)` differs from its answer at `after`,
    if that is at most `horizon` after it (and within ERA); else None.

    The answer is exact to the microsecond and in UTC: from that instant on (inclusive) `contains` gives the new
    answer, so a timer armed for it wakes on the change. The cost grows with the horizon (a few thousand
    conversions per year scanned), so a caller that gets None re-asks at the horizon.
    """
    start = _instant(after, "after")
    if horizon <= timedelta(0):
        raise ValueError("horizon must be positive")
    era_end = datetime(ERA.stop, 1, 1, tzinfo=UTC) - timedelta(microseconds=1)
    limit = era_end if horizon >= era_end - start else start + horizon
    state = contains(interval, start)
    low = start
    while low < limit and interval.time_intervals:
        high = min(low + _CHUNK, limit)
        for at in sorted(_candidates(interval.time_intervals, low, high)):
            if any(_spec_contains(spec, at) for spec in interval.time_intervals) != state:
                return at
        low = high
    return None


def daily_cost(interval: TimeInterval) -> int:
    """What `next_change` does per day it scans, in units of about half a microsecond: the instants it examines (two
    per clock reading of each zone, as `_candidates`) times the work of judging each (reading a spec's zone costs
    about as much as a dozen of its time ranges). Measured: 10 specs in 10 zones cost 2,400 a day, 0.53 s a year;
    one spec of 100 ranges 45,000 a day, 25 ms a day. Callers bound the horizon (or refuse an interval) by it."""
    readings: dict[str, set[int]] = {}
    for spec in interval.time_intervals:
        minutes = readings.setdefault(spec.location or "UTC", {0})
        for r in spec.times or ():
            minutes.update(m for m in (r.start_minute, r.end_minute) if m < 24 * 60)
    examined = sum(2 * len(minutes) for minutes in readings.values())
    judged = sum(12 + len(spec.times or ()) for spec in interval.time_intervals)
    return examined * judged
