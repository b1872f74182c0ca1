"""Time interval bodies (`/api/v1/time-intervals`): Alertmanager's `time_intervals:` entries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from noise.time_intervals import MAX_NAME_LENGTH, TimeIntervalSpec

STRICT = ConfigDict(extra="forbid")
MAX_SPECS = 100  # specs per interval: what `contains` and `next_change` walk on every notice and read


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


class TimeIntervalOut(BaseModel):
    id: str
    name: str
    time_intervals: list[TimeIntervalSpec]
    contains_now: bool = Field(description="Whether the interval contains the moment of the answer")
    next_change: datetime | None = Field(
        description="When `contains_now` next flips (UTC); null if not within a year (366 days)"
    )
    created_at: datetime
    updated_at: datetime
