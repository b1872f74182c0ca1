"""Alert rules, their instances, dry-run tests and on-demand evaluation; Prometheus data sources."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import httpx
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from api.schemas.common import LabelNames
from api.schemas.metrics import MetricLabels
from models.selectors import value_problem
from rules.aggregate import Aggregation
from workflows.payloads import Category, Severity

STRICT = ConfigDict(extra="forbid")
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Comparator = Literal[">", ">=", "<", "<=", "==", "!="]
NoData = Literal["ok", "alerting", "keep_last"]
DAY = 86_400
TEMPLATE_HELP = (
    "Jinja2 in a sandbox. Variables: `value` (the instance's number, or none), `labels` (the instance's labels), "
    "`rule` (name, severity, category, query, comparator, threshold, aggregation, window_seconds)."
)


def _finite(value: float) -> float:
    problem = value_problem(value)
    if problem:
        raise ValueError(problem.replace("sample value Herald stores", "threshold"))
    return value


Threshold = Annotated[float, Field(strict=True), AfterValidator(_finite)]


class RuleIn(BaseModel):
    model_config = STRICT
    name: Name
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    category: Category = Category.SYSTEM
    severity: Severity = Severity.MEDIUM
    data_source_id: str | None = Field(
        None, description="A Prometheus data source (`/api/v1/datasources`); none: Herald's pushed metrics"
    )
    query: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)] = Field(
        description='Pushed metrics: a selector, `cpu_usage_percent{host=~"db.*"}`. Prometheus: PromQL (instant query).'
    )
    aggregation: Aggregation | None = Field(
        None,
        description="Over `window_seconds`: avg, min, max, sum, count, rate, p95, last. Pushed metrics default to "
        "`last`; for Prometheus the query is wrapped in `<agg>_over_time((query)[window:])` when given.",
    )
    window_seconds: int = Field(300, ge=10, le=DAY)
    comparator: Comparator = ">"
    threshold: Threshold
    for_seconds: int = Field(0, ge=0, le=DAY, description="How long the condition must hold: pending → firing")
    keep_firing_for_seconds: int = Field(0, ge=0, le=DAY, description="Keep firing this long after it stops holding")
    interval_seconds: int = Field(60, ge=10, le=DAY, description="How often the rule is evaluated")
    labels: MetricLabels = Field(default_factory=dict, description="Added to every alert of the rule")
    group_by: LabelNames | None = Field(
        None,
        description="Pushed metrics: series with equal values of these labels form one instance (`[]`: one instance "
        "for all). None: one instance per series. For Prometheus, write `by (...)` in the query.",
    )
    summary: Annotated[str, StringConstraints(max_length=2000)] = Field("", description="Alert title. " + TEMPLATE_HELP)
    details: Annotated[str, StringConstraints(max_length=20_000)] = Field(
        "", description="Alert description (default: the rule's description). " + TEMPLATE_HELP
    )
    no_data: NoData = Field("ok", description="When the query finds nothing: resolve (ok), alert, or keep_last")
    alert_on_error: bool = Field(False, description="Raise an alert while the query fails (resolved when it works)")
    escalation_policy_id: str | None = None
    channels: list[str] | None = Field(None, description="Channel ids; none: the tenant's default channels")
    enabled: bool = True


class InstanceOut(BaseModel):
    labels: dict[str, str]
    state: str = Field(description="inactive, pending or firing")
    value: float | None
    active_since: datetime | None = Field(description="When the condition started to hold (start of `for`)")
    fired_at: datetime | None
    alert_key: str = Field(description="The key of the instance's alert (`GET /api/v1/alerts?key=`)")
    outbox: str | None = Field(description="A transition not yet handed to its alert workflow")


class RuleOut(RuleIn):
    id: str
    state: str = Field(description="error, firing, pending or inactive")
    health: str = Field(
        description="unknown (not yet evaluated), ok, error, or stale (enabled, due for more than two intervals "
        "and at least a minute, not evaluated: `last_error` says since when)"
    )
    last_error: str | None
    last_evaluated_at: datetime | None
    next_evaluation_at: datetime | None
    last_duration_ms: float | None
    instances: list[InstanceOut]
    created_at: datetime
    updated_at: datetime


class TestInstance(BaseModel):
    labels: dict[str, str]
    value: float | None
    state: str = Field(description="The state the instance would take")
    transition: str | None = Field(description="fire or resolve, if this evaluation would send one")
    title: str = Field(description="The alert title the summary template gives")


class RuleTestOut(BaseModel):
    at: datetime
    health: str
    error: str | None
    state: str
    instances: list[TestInstance]


class EvaluateIn(BaseModel):
    model_config = STRICT
    rule_ids: list[str] | None = Field(None, description="None: every enabled rule of your tenant")


class EvaluateOut(BaseModel):
    at: datetime
    evaluated: int
    firing: int
    pending: int
    errors: int
    transitions: int
    sent: int


class DataSourceFields(BaseModel):
    model_config = STRICT
    name: Name
    type: Literal["prometheus"] = "prometheus"
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000)] = Field(
        description="Base URL of the Prometheus HTTP API, e.g. http://prometheus:9090 (no credentials, query or "
        "fragment: Herald appends /api/v1/...)"
    )
    username: Annotated[str, StringConstraints(max_length=255)] | None = Field(None, description="Basic auth user")
    password: Annotated[str, StringConstraints(max_length=1000)] | None = Field(
        None, description="Basic auth password (secret: stored encrypted, read back masked)"
    )
    bearer_token: Annotated[str, StringConstraints(max_length=4096)] | None = Field(
        None, description="Bearer token (secret; printable ASCII, as the Authorization header carries it)"
    )
    timeout_seconds: float = Field(10, gt=0, le=30)


class DataSourceIn(DataSourceFields):
    # Checked with the parser the query uses (httpx), so that nothing saved fails every evaluation later.
    # Input only: a row an older release stored is still read back (DataSourceOut has no such checks).
    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        try:
            url = httpx.URL(value)
        except httpx.InvalidURL as err:
            raise ValueError(f"not a usable URL: {err}") from err
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("needs http:// or https:// and a host")
        if url.userinfo:
            raise ValueError("credentials go in username/password or bearer_token, not in the URL")
        if url.query or url.fragment or "?" in value or "#" in value:
            raise ValueError("a base URL has no query or fragment (Herald appends /api/v1/query)")
        return value

    @field_validator("bearer_token")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        if value is not None and not all("\x21" <= c <= "\x7e" for c in value):
            raise ValueError("must be printable ASCII without spaces (it travels in the Authorization header)")
        return value

    @field_validator("username", "password")
    @classmethod
    def _basic(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
            raise ValueError("must not contain control characters")
        if value is not None and info.field_name == "username" and ":" in value:
            raise ValueError("a basic-auth user name cannot contain ':'")
        return value


class DataSourceOut(DataSourceFields):
    id: str
    created_at: datetime
    updated_at: datetime


class DataSourceTestOut(BaseModel):
    ok: bool
    detail: str
