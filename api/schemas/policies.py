"""Escalation policy and routing bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from api.schemas.common import LabelMatchers
from workflows.payloads import Category, Severity, TargetType

STRICT = ConfigDict(extra="forbid")
EDIT_NOTE = "Changes apply to alerts that start after them; open alerts keep the policy they started with."


class TargetIn(BaseModel):
    model_config = STRICT
    type: TargetType = Field(
        description="user, team, schedule (whoever is on call then), channel, or manager "
        "(the manager of each person the previous level paged; needs no id)"
    )
    id: str | None = None

    @model_validator(mode="after")
    def _id(self) -> TargetIn:
        if self.type == "manager" and self.id is not None:
            raise ValueError("a manager target has no id: it pages the managers of the previous level")
        if self.type != "manager" and not self.id:
            raise ValueError(f"a {self.type} target needs the {self.type}'s id")
        return self


class LevelIn(BaseModel):
    model_config = STRICT
    targets: list[TargetIn] = Field(min_length=1, max_length=20)
    delay_minutes: int = Field(ge=1, le=7 * 24 * 60, description="Wait this long for an acknowledgement")


class PolicyIn(BaseModel):
    model_config = STRICT
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    levels: list[LevelIn] = Field(min_length=1, max_length=20)
    repeat: int = Field(0, ge=0, le=10, description="Extra passes over the whole ladder when nobody acknowledges")
    ack_timeout_minutes: int | None = Field(
        None, ge=1, le=7 * 24 * 60, description="An acknowledged, unresolved alert re-triggers after this long"
    )

    @field_validator("levels")
    @classmethod
    def _manager_needs_previous(cls, levels: list[LevelIn]) -> list[LevelIn]:
        if levels and any(target.type == "manager" for target in levels[0].targets):
            raise ValueError("the first level cannot target a manager: there is no previous level to take people from")
        return levels


class PolicyOut(PolicyIn):
    id: str
    is_default: bool
    created_at: datetime
    updated_at: datetime
    note: str = EDIT_NOTE


class RouteIn(BaseModel):
    """All given matchers must hold; empty lists match anything."""

    model_config = STRICT
    policy_id: str
    severities: list[Severity] = Field(default_factory=list)
    categories: list[Category] = Field(default_factory=list)
    labels: LabelMatchers = Field(
        default_factory=dict, description='Equality matchers; `"env": ""` matches alerts without `env`'
    )


class RoutingIn(BaseModel):
    model_config = STRICT
    default_policy_id: str | None = Field(None, description="Followed when no route matches; null: channels only")
    routes: list[RouteIn] = Field(default_factory=list, max_length=100, description="First match wins")


class RoutingOut(RoutingIn):
    pass
