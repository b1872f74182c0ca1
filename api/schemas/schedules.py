"""Schedule bodies: the spec is models.oncall's (zone, layers with rotations and restrictions)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from models.oncall import ScheduleSpec, in_era

STRICT = ConfigDict(extra="forbid")


class ScheduleIn(ScheduleSpec):
    model_config = STRICT
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=2000)] = ""


class ScheduleOut(ScheduleIn):
    id: str
    created_at: datetime
    updated_at: datetime


class OverrideIn(BaseModel):
    model_config = STRICT
    user_id: str
    start: AwareDatetime
    end: AwareDatetime

    @field_validator("start", "end")
    @classmethod
    def _era(cls, moment: datetime, info: ValidationInfo) -> datetime:
        return in_era(moment, str(info.field_name))

    @field_validator("end")
    @classmethod
    def _order(cls, end: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("start")
        if start is not None and end <= start:
            raise ValueError("an override must end after it starts")
        return end


class OverrideOut(OverrideIn):
    id: str
    created_at: datetime


class OnCallOut(BaseModel):
    at: datetime
    user_id: str | None = Field(description="null: nobody is on call (an escalation falls to the next target)")
    user_name: str | None
    source: str | None = Field(description='"override", "layer:<name>", or null')


class ShiftOut(BaseModel):
    start: datetime
    end: datetime
    user_id: str | None
    user_name: str | None
    source: str | None


class ScheduleTimelineLayer(BaseModel):
    name: str
    shifts: list[ShiftOut] = Field(description="The layer's own shifts, as if it were alone (gaps: `user_id` null)")


class ScheduleTimelineOverride(BaseModel):
    id: str
    user_id: str
    user_name: str | None
    start: datetime
    end: datetime


class ScheduleTimelineOut(BaseModel):
    start: datetime
    end: datetime
    time_zone: str = Field(description="The schedule's zone, in which its handoffs keep their wall-clock time")
    layers: list[ScheduleTimelineLayer] = Field(
        description="In ascending precedence: a later layer wins where it has someone"
    )
    overrides: list[ScheduleTimelineOverride] = Field(
        description="Those overlapping the range, oldest first (the newest wins)"
    )
    final: list[ShiftOut] = Field(description="Who gets paged: the same answer as `/shifts`")


class CalendarFeedOut(BaseModel):
    url: str = Field(
        description="The secret URL a calendar application subscribes to (no API key needed); shown only now. "
        "Issuing again replaces it; DELETE revokes it."
    )
    created_at: datetime
