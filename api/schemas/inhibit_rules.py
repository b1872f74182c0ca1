"""Inhibit rule bodies (`/api/v1/inhibit-rules`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.common import LabelNames
from noise.matchers import MatcherList

STRICT = ConfigDict(extra="forbid")


def _some(matchers: MatcherList) -> MatcherList:
    if not matchers:
        raise ValueError("needs at least one matcher (an empty side would match every alert)")
    return matchers


class InhibitRuleIn(BaseModel):
    model_config = STRICT
    source_matchers: Annotated[MatcherList, AfterValidator(_some)] = Field(
        description='The alert that, while it fires, inhibits others (e.g. `alertname="ClusterDown"`)'
    )
    target_matchers: Annotated[MatcherList, AfterValidator(_some)] = Field(
        description='The alerts it inhibits (e.g. `alertname="InstanceDown"`)'
    )
    equal: Annotated[LabelNames, Field(max_length=32)] = Field(
        default_factory=list, description="Labels whose values source and target must share (absent in both: equal)"
    )
    comment: Annotated[str, StringConstraints(max_length=1_000)] = ""


class InhibitRuleOut(BaseModel):
    id: str
    source_matchers: list[str]
    target_matchers: list[str]
    equal: list[str]
    comment: str
    created_at: datetime
    updated_at: datetime
