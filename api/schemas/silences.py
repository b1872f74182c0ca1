"""Silence bodies (`/api/v1/silences`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from noise.matchers import MatcherList
from noise.silences import SilenceState
from workflows.payloads import AlertStatus

STRICT = ConfigDict(extra="forbid")


def _some_matcher_needs_a_value(matchers: MatcherList) -> MatcherList:
    """Alertmanager's rule: a silence whose every matcher also matches the empty string would
    silence every alert (and every alert lacking those labels)."""
    if not matchers:
        raise ValueError("a silence needs at least one matcher")
    if all(matcher.matches("") for matcher in matchers):
        raise ValueError("at least one matcher must not match the empty string (it would silence every alert)")
    return matchers


SilenceMatchers = Annotated[MatcherList, AfterValidator(_some_matcher_needs_a_value)]
Comment = Annotated[str, StringConstraints(max_length=1_000)]


class SilenceIn(BaseModel):
    model_config = STRICT
    matchers: SilenceMatchers
    starts_at: AwareDatetime | None = Field(None, description="Default: now")
    ends_at: AwareDatetime = Field(description="When it stops muting (exclusive); after starts_at and in the future")
    comment: Comment = Field("", description="Why: a deploy, a known outage, a ticket")
    created_by: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        None, description="Default: the API key's name (`api-key:<name>`)"
    )
    expire_when_resolved: bool = Field(
        False,
        description="Expire (ends_at: that moment) once it has matched a firing alert member and none matches it any "
        "more; a silence that never matched one lasts until ends_at",
    )


class SilencePreviewIn(BaseModel):
    model_config = STRICT
    matchers: SilenceMatchers


class SilenceOut(BaseModel):
    id: str
    matchers: list[str] = Field(description="Each matcher's canonical text")
    starts_at: datetime
    ends_at: datetime
    state: SilenceState
    comment: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    expire_when_resolved: bool
    matched_at: datetime | None = Field(
        None, description="When it first matched a firing alert member (kept only for expire_when_resolved)"
    )
    replaces: str | None = Field(None, description="Set on an edit of an active silence: the id it expired")


class MatchedAlert(BaseModel):
    id: str
    title: str
    status: AlertStatus
    labels: dict[str, str]


class SilencePreviewOut(BaseModel):
    alerts: list[MatchedAlert] = Field(description="Open alerts the matchers match, newest first (at most 100)")
    total: int = Field(description="How many matched, among the 10,000 newest open alerts")
