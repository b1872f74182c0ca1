"""Integration and change-event bodies (`/api/v1/integrations`, `/api/v1/change-events`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.schemas.common import Labels
from models.integrations import GroupBy, IntegrationKind


class IntegrationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    kind: IntegrationKind = Field(
        description="`pagerduty`: a routing key for `POST /v2/enqueue`; `alertmanager`: settings for "
        "`POST /api/v1/integrations/alertmanager?integration=<id>`"
    )
    escalation_policy_id: UUID | None = Field(
        None, description="Policy every alert from it follows; default: its route's, else the tenant default"
    )
    labels: Labels = Field(
        default_factory=dict,
        description="Added to every event from it (e.g. `integration: billing`), so routes can match them",
    )
    group_by: GroupBy = Field(
        GroupBy.GROUP_KEY,
        description="alertmanager only: one incident per notification group (`groupKey`) or per alert (`fingerprint`)",
    )

    @model_validator(mode="after")
    def _group_by_is_alertmanagers(self) -> IntegrationCreate:
        if self.kind == IntegrationKind.PAGERDUTY and self.group_by != GroupBy.GROUP_KEY:
            raise ValueError("group_by is an alertmanager integration's setting (a pagerduty one groups by dedup_key)")
        return self


class IntegrationOut(BaseModel):
    id: str
    name: str
    kind: IntegrationKind
    prefix: str | None = Field(description="The routing key's first 8 characters (pagerduty); null for alertmanager")
    escalation_policy_id: str | None
    labels: dict[str, str]
    group_by: GroupBy
    created_at: datetime
    revoked_at: datetime | None


class IntegrationCreated(IntegrationOut):
    key: str | None = Field(
        description="pagerduty: the routing key (32 characters), shown once: store it now. alertmanager: null"
    )


class ChangeEventOut(BaseModel):
    id: str
    integration_id: str | None
    summary: str
    source: str | None
    timestamp: datetime = Field(description="When the change happened (the event's, else when it was received)")
    custom_details: dict[str, Any] | None
    links: list[dict[str, Any]]
    received_at: datetime


class ChangeEventPage(BaseModel):
    items: list[ChangeEventOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page; null on the last one")
