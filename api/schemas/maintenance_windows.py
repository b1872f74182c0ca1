"""Maintenance window bodies (`/api/v1/maintenance-windows`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from noise.maintenance import WindowState
from noise.matchers import MatcherList

STRICT = ConfigDict(extra="forbid")


class MaintenanceWindowIn(BaseModel):
    model_config = STRICT
    matchers: MatcherList = Field(
        default_factory=list, description="The alerts it holds back; none (the default): every alert of the tenant"
    )
    starts_at: AwareDatetime | None = Field(None, description="Default: now (a start in the past is now)")
    ends_at: AwareDatetime = Field(description="When it ends (exclusive); after starts_at and in the future")
    reason: Annotated[str, StringConstraints(max_length=1_000)] = Field(
        "", description="Why: a planned migration, a data-centre move; shown on the timelines it mutes"
    )
    created_by: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        None, description="Default: the API key's name (`api-key:<name>`)"
    )


class MaintenanceWindowOut(BaseModel):
    id: str
    matchers: list[str] = Field(description="Each matcher's canonical text; empty: every alert")
    starts_at: datetime
    ends_at: datetime
    state: WindowState
    reason: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    replaces: str | None = Field(None, description="Set on an edit of an active window: the id it ended")
