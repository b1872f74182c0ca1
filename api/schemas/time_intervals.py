"""Time interval bodies (`/api/v1/time-intervals`): Alertmanager's `time_intervals:` entries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from noise.time_intervals import MAX_NAME_LENGTH, TimeInterval, TimeIntervalSpec, daily_cost

STRICT = ConfigDict(extra="forbid")
MAX_SPECS = 100  # specs per interval: what `contains` walks on every notice
# noise.time_intervals.daily_cost of one interval: a day of `next_change` takes about 0.03 s at this cost (a
# business-hours interval costs 78, one with a dozen ranges in each of three zones about 10,000).
MAX_DAILY_COST = 50_000


class TimeIntervalIn(BaseModel):
    """One entry of Alertmanager's `time_intervals:` (`name` and its list of specs), as in its configuration."""

    model_config = STRICT
    name: Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH)] = Field(
        description="Unique in the tenant; routes name it in `mute_time_intervals` / `active_time_intervals`",
        examples=["business-hours"],
    )
    time_intervals: Annotated[list[TimeIntervalSpec], Field(max_length=MAX_SPECS)] = Field(
        description="Alertmanager's specs: the interval contains an instant when any of them does (none: never)"
    )

    @field_validator("time_intervals")
    @classmethod
    def _bounded(cls, specs: list[TimeIntervalSpec]) -> list[TimeIntervalSpec]:
        cost = daily_cost(TimeInterval(name="draft", time_intervals=specs))
        if cost > MAX_DAILY_COST:
            raise ValueError(
                f"too many distinct times across time zones to evaluate ({cost:,} checks a day, at most "
                f"{MAX_DAILY_COST:,}): use fewer ranges or zones, or split it into several intervals"
            )
        return specs


class TimeIntervalOut(BaseModel):
    id: str
    name: str
    time_intervals: list[TimeIntervalSpec]
    contains_now: bool = Field(description="Whether the interval contains the moment of the answer")
    next_change: datetime | None = Field(
        description="When `contains_now` next flips (UTC); null if not within `horizon_days`"
    )
    horizon_days: int = Field(
        description="How far ahead `next_change` looked: 366 days, fewer for an interval with many times and zones"
    )
    created_at: datetime
    updated_at: datetime
