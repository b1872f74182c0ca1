"""On-call schedule maths: who is on call at an instant, the timeline over a range, and its iCalendar feed.

Everything here is pure and deterministic: no I/O and no wall clock, callers pass every instant.

A schedule is a stack of rotation layers defined in one IANA time zone. Handoffs live on the schedule's LOCAL
wall clock, so a daily handoff at 09:00 stays at 09:00 across a DST change and the shift spanning the change
lasts 23 h or 25 h. Local times map to UTC with fold=0: a handoff inside a spring-forward gap happens at the
pre-transition offset, and one in a repeated hour happens on its first occurrence. Restriction windows are
judged on the local wall clock actually showing at the instant. Precedence: overrides (the later in the
sequence wins) over layers (the later in the list wins wherever it has someone) over nobody.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from models.zones import offset_changes

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Position i is the day that date.weekday() numbers i.
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# The longest range `shifts` accepts: a year of hourly handoffs is still cheap, anything longer is a mistake.
MAX_RANGE = timedelta(days=366)
# Caps a rotation at ~190 years (in weeks) so handoff arithmetic stays inside datetime's range.
MAX_SHIFT_LENGTH = 10_000

_UNITS: Mapping[str, timedelta] = {"hours": timedelta(hours=1), "days": timedelta(days=1), "weeks": timedelta(weeks=1)}
# Local wall time and UTC differ by less than this in every zone (offsets span -12 h..+14 h, and the odd
# historical day-skip is 24 h), so scanning local times this far beyond a UTC range finds every point in it.
_MARGIN = timedelta(days=2)
# No zone changes its UTC offset twice within this step, so sampling at it finds every transition.


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; ValueError("unknown time zone '<name>'") if there is none."""
    try:
        return ZoneInfo(name)
    # Besides "not found", zoneinfo raises ValueError for malformed keys and OSError for directories and over-long
    # names. They all mean the same to a caller, and the original messages would leak file-system paths.
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone '{name}'") from exc


# Schedules live between these years: far outside them, converting local times to UTC overflows.
YEARS = range(1900, 2201)


def in_era(value: datetime, field: str) -> datetime:
    if value.year not in YEARS:
        raise ValueError(f"{field} must be between the years {YEARS.start} and {YEARS.stop - 1}")
    return value


def _naive(value: datetime, field: str) -> datetime:
    in_era(value, field)
    if value.tzinfo is not None:
        raise ValueError(f"{field} is a local date-time in the schedule's time zone and must not carry a UTC offset")
    return value


def _instant(value: datetime, field: str) -> datetime:
    """`value` in UTC; naive values are rejected because an instant needs an offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must include a UTC offset")
    in_era(value, field)
    return value.astimezone(UTC)


class Restriction(BaseModel):
    """A window of the schedule's local wall clock starting on each of `days`.

    end <= start wraps past midnight (18:00-09:00 covers the night after each day); start == end is a whole 24 h.
    """

    model_config = ConfigDict(extra="forbid")

    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS))
    start: time
    end: time

    @field_validator("days")
    @classmethod
    def check_days(cls, days: list[Weekday]) -> list[Weekday]:
        if not days:
            raise ValueError("a restriction needs at least one day")
        if len(set(days)) != len(days):
            raise ValueError("days must not repeat")
        return days

    @field_validator("start", "end")
    @classmethod
    def check_local_clock(cls, value: time, info: ValidationInfo) -> time:
        if value.tzinfo is not None:
            raise ValueError(f"{info.field_name} is a local wall-clock time and must not carry a UTC offset")
        return value


class Layer(BaseModel):
    """A rotation: shift k starts at local `start + k * length` and belongs to participants[k % len(participants)]."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    # Emptiness is checked by the validator, for a clearer message than pydantic's; the schema still says so.
    participants: list[Annotated[str, Field(min_length=1)]] = Field(json_schema_extra={"minItems": 1})
    shift_length: int = Field(ge=1, le=MAX_SHIFT_LENGTH)
    shift_unit: Literal["hours", "days", "weeks"]
    start: datetime
    end: datetime | None = None
    restrictions: list[Restriction] = Field(default_factory=list)

    @field_validator("participants")
    @classmethod
    def check_participants(cls, participants: list[str]) -> list[str]:
        if not participants:
            raise ValueError("a rotation needs at least one participant")
        return participants

    @field_validator("start")
    @classmethod
    def check_start(cls, value: datetime) -> datetime:
        return _naive(value, "start")

    @field_validator("end")
    @classmethod
    def check_end(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is None:
            return None
        _naive(value, "end")
        start = info.data.get("start")  # absent when start itself failed validation
        if start is not None and value <= start:
            raise ValueError("a layer must end after it starts")
        return value

    @property
    def length(self) -> timedelta:
        return self.shift_length * _UNITS[self.shift_unit]


class Override(BaseModel):
    """`user_id` is on call over [start, end), above every layer. Both ends are stored in UTC."""

    model_config = ConfigDict(extra="forbid")

    user_id: str = Field(min_length=1)
    start: datetime
    end: datetime

    # Normalising to UTC also sidesteps Python comparing two datetimes that share a ZoneInfo by wall clock
    # (ignoring fold), which is wrong inside a repeated hour.
    @field_validator("start")
    @classmethod
    def check_start(cls, value: datetime) -> datetime:
        return _instant(value, "start")

    @field_validator("end")
    @classmethod
    def check_end(cls, value: datetime, info: ValidationInfo) -> datetime:
        value = _instant(value, "end")
        start = info.data.get("start")  # absent when start itself failed validation
        if start is not None and value <= start:
            raise ValueError("an override must end after it starts")
        return value


class ScheduleSpec(BaseModel):
    """Layers in ascending precedence (layers[0] is the base), all in `time_zone`."""

    model_config = ConfigDict(extra="forbid")

    time_zone: str
    layers: list[Layer] = Field(min_length=1)

    @field_validator("time_zone")
    @classmethod
    def check_time_zone(cls, value: str) -> str:
        zone(value)
        return value

    @field_validator("layers")
    @classmethod
    def check_layer_names(cls, layers: list[Layer]) -> list[Layer]:
        # A shift's source is "layer:<name>", so names must tell the layers apart.
        names = [layer.name for layer in layers]
        if len(set(names)) != len(names):
            raise ValueError("layer names must be unique")
        return layers


@dataclass(frozen=True, slots=True)
class OnCall:
    user_id: str | None
    source: str | None  # "override", "layer:<name>", or None when nobody is on call


@dataclass(frozen=True, slots=True)
class Shift:
    """`user_id` (None: nobody) is on call over [start, end), both UTC."""

    user_id: str | None
    start: datetime
    end: datetime
    source: str | None


def _to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _wall_clock(at: datetime, tz: ZoneInfo) -> datetime:
    return at.astimezone(tz).replace(tzinfo=None)


def _handoff(layer: Layer, k: int, tz: ZoneInfo) -> datetime:
    """The UTC instant shift k of `layer` starts."""
    return _to_utc(layer.start + k * layer.length, tz)


def _shift_index(layer: Layer, at: datetime, tz: ZoneInfo) -> int | None:
    """The index of the layer's shift containing `at` (UTC), or None outside the layer's life.

    That is the last shift whose handoff is at or before `at`. Handoffs only fail to increase inside a
    spring-forward gap, where a handoff can map to the same instant as the next one (or, for a gap longer than
    a shift, a later one); taking the last makes such shifts empty instead of overlapping the next.
    """
    if at < _to_utc(layer.start, tz) or (layer.end is not None and at >= _to_utc(layer.end, tz)):
        return None
    # The wall clock gives the index up to DST slack; a step or two against UTC instants corrects it, so the cost
    # does not grow with the layer's age.
    k = max(0, (_wall_clock(at, tz) - layer.start) // layer.length)
    while k > 0 and _handoff(layer, k, tz) > at:
        k -= 1
    while _handoff(layer, k + 1, tz) <= at:
        k += 1
    return k


def _in_window(restriction: Restriction, wall: datetime) -> bool:
    clock, today = wall.time(), WEEKDAYS[wall.weekday()]
    if restriction.end > restriction.start:
        return today in restriction.days and restriction.start <= clock < restriction.end
    # A wrapping window belongs to the day it starts on, so after midnight it is yesterday's window.
    yesterday = WEEKDAYS[(wall.weekday() - 1) % 7]
    return (today in restriction.days and clock >= restriction.start) or (
        yesterday in restriction.days and clock < restriction.end
    )


def _layer_user(layer: Layer, at: datetime, wall: datetime, tz: ZoneInfo) -> str | None:
    if layer.restrictions and not any(_in_window(r, wall) for r in layer.restrictions):
        return None
    k = _shift_index(layer, at, tz)
    return None if k is None else layer.participants[k % len(layer.participants)]


def _resolve(layers: Sequence[Layer], overrides: Sequence[Override], at: datetime, tz: ZoneInfo) -> OnCall:
    """Who is on call at `at` (UTC): the first match scanning from the highest precedence down."""
    for override in reversed(overrides):
        if override.start <= at < override.end:
            return OnCall(override.user_id, "override")
    wall = _wall_clock(at, tz)
    for layer in reversed(layers):
        user = _layer_user(layer, at, wall, tz)
        if user is not None:
            return OnCall(user, f"layer:{layer.name}")
    return OnCall(None, None)


def on_call(spec: ScheduleSpec, overrides: Sequence[Override], at: datetime) -> OnCall:
    """Who is on call at the aware instant `at`, and why."""
    return _resolve(spec.layers, overrides, _instant(at, "at"), zone(spec.time_zone))


def _layer_points(layer: Layer, start: datetime, end: datetime, tz: ZoneInfo) -> Iterator[datetime]:
    """The layer's start, end and every handoff that can fall in [start, end) (plus a few outside)."""
    yield _to_utc(layer.start, tz)
    last = _wall_clock(end, tz) + _MARGIN
    if layer.end is not None:
        yield _to_utc(layer.end, tz)
        last = min(last, layer.end)
    k = max(0, (_wall_clock(start, tz) - _MARGIN - layer.start) // layer.length)
    while (local := layer.start + k * layer.length) <= last:
        yield _to_utc(local, tz)
        k += 1


def _window_points(
    restrictions: Sequence[Restriction], start: datetime, end: datetime, tz: ZoneInfo
) -> Iterator[datetime]:
    """Every instant around the range at which the wall clock reads a window's start or end.

    A repeated hour reads each time twice, hence both folds; times a gap skips are covered by `_transitions`.
    Midnight needs no point: a window that spans it continues as yesterday's, so the weekday change alone
    never enters or leaves one.
    """
    clocks = {r.start for r in restrictions} | {r.end for r in restrictions}
    day, last = (_wall_clock(start, tz) - _MARGIN).date(), (_wall_clock(end, tz) + _MARGIN).date()
    while day <= last:
        for clock in clocks:
            local = datetime.combine(day, clock)
            yield local.replace(tzinfo=tz, fold=0).astimezone(UTC)
            yield local.replace(tzinfo=tz, fold=1).astimezone(UTC)
        day += timedelta(days=1)


def shifts(spec: ScheduleSpec, overrides: Sequence[Override], start: datetime, end: datetime) -> list[Shift]:
    """The timeline over [start, end): contiguous, in order, neighbours differing in (user_id, source), gaps as None.

    The answer can only change where some layer hands off, starts or ends, where an override starts or ends, or
    where the wall clock enters or leaves a restriction window; so resolve at each such point and merge.
    """
    start, end = _instant(start, "start"), _instant(end, "end")
    if end <= start:
        raise ValueError("the range must end after it starts")
    if end - start > MAX_RANGE:
        raise ValueError(f"the range may span at most {MAX_RANGE.days} days")
    tz = zone(spec.time_zone)

    points = {start}
    for layer in spec.layers:
        points.update(_layer_points(layer, start, end, tz))
    restrictions = [r for layer in spec.layers for r in layer.restrictions]
    if restrictions:
        points.update(_window_points(restrictions, start, end, tz))
        points.update(offset_changes(start, end, tz))
    for override in overrides:
        points.update((override.start, override.end))

    ordered = sorted(p for p in points if start <= p < end)
    timeline: list[Shift] = []
    for piece_start, piece_end in zip(ordered, [*ordered[1:], end], strict=True):
        who = _resolve(spec.layers, overrides, piece_start, tz)
        if timeline and (timeline[-1].user_id, timeline[-1].source) == (who.user_id, who.source):
            timeline[-1] = replace(timeline[-1], end=piece_end)
        else:
            timeline.append(Shift(who.user_id, piece_start, piece_end, who.source))
    return timeline


def to_ical(calendar_name: str, shifts: Sequence[Shift], names: Mapping[str, str], uid_prefix: str) -> bytes:
    """An RFC 5545 calendar with one event per staffed shift.

    UIDs derive from the user and the start and DTSTAMP is the shift start, so the same timeline always renders to
    the same bytes and calendar clients update events in place instead of duplicating them.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//Herald//On-call schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name)
    for shift in shifts:
        if shift.user_id is None:
            continue
        start, end = shift.start.astimezone(UTC), shift.end.astimezone(UTC)
        event = Event()
        event.add("uid", f"{uid_prefix}-{shift.user_id}-{start:%Y%m%dT%H%M%SZ}@herald")
        event.add("dtstamp", start)
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", f"On call: {names.get(shift.user_id, shift.user_id)}")
        calendar.add_component(event)
    rendered: bytes = calendar.to_ical()  # icalendar leaves to_ical unannotated
    return rendered
