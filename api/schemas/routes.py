"""Routing tree bodies (`/api/v1/routes`): the tree itself is noise/routing.py `RouteSpec`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import DedupKey, Labels
from noise.routing import RouteSpec
from workflows.payloads import Category, Severity

STRICT = ConfigDict(extra="forbid")


class TreeIn(BaseModel):
    model_config = STRICT
    tree: RouteSpec = Field(description="The root route: no matchers, no time intervals; children in `routes`")


class TreeOut(BaseModel):
    version: int = Field(description="Grows by one per write; send it back as `If-Match` to write (0: never written)")
    tree: RouteSpec


class RouteBody(BaseModel):
    model_config = STRICT
    route: RouteSpec = Field(description="The route (and its children) to put at the path")


class RouteAt(BaseModel):
    version: int
    path: str = Field(description="Child indexes from the root, e.g. `0.2`")
    route: RouteSpec


class RouteTestIn(BaseModel):
    model_config = STRICT
    labels: Labels = Field(default_factory=dict)
    severity: Severity = Severity.MEDIUM
    category: Category = Category.SYSTEM
    dedup_key: DedupKey | None = Field(None, description="An event's own key: then one incident, the first route's")


class RouteMatch(BaseModel):
    """One route an alert with those labels takes, and the incident it would join."""

    model_config = ConfigDict(populate_by_name=True)

    path: str = Field(description='`""` for the root')
    route_key: str = Field(description='Alertmanager\'s route key, e.g. `{}/{team="db"}`')
    route_id: str = Field(description="Alertmanager's route id (the key and the position among siblings)")
    group_by: list[str] = Field(description='`["..."]`: every label')
    group_labels: dict[str, str]
    group_key: str = Field(description="The incident key (workflow id `alert/<tenant>/<key>`)")
    group_wait: str
    group_interval: str
    repeat_interval: str
    escalation_policy_id: str | None
    channels: list[str] | None = Field(description="null: the tenant's default channels")
    mute_time_intervals: list[str]
    active_time_intervals: list[str]
    continue_: bool = Field(alias="continue")


class RouteTestOut(BaseModel):
    version: int
    matches: list[RouteMatch]
