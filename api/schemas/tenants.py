"""The tenant's own settings (`/api/v1/tenant`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas.zones import TimeZoneName
from workflows.payloads import Severity

SeverityValue = Annotated[str, StringConstraints(min_length=1, max_length=100, to_lower=True, strip_whitespace=True)]


class TenantOut(BaseModel):
    id: str
    name: str
    max_silence_duration: str | None = Field(
        description="The longest a silence may last here, as a Prometheus duration (`7d`, `1w`); "
        "null: the global default (`max_silence_duration_ceiling`)"
    )
    max_silence_duration_ceiling: str = Field(
        description="The global HERALD_MAX_SILENCE_DAYS as a duration: the default, and the most a tenant may set"
    )
    resolve_timeout: str = Field(
        description="Alertmanager API v2: an alert posted without `endsAt` resolves this long after it was last "
        "sent (a Prometheus duration; default `5m`, Alertmanager's)"
    )
    severity_map: dict[str, Severity] = Field(
        description="Alertmanager API v2: the `severity` label's value (lower-cased) → Herald's severity; any other "
        "value is medium. Default: critical→critical, error→high, high→high, warning→medium, info→info"
    )

    retention_days: int | None = Field(
        description="Resolved alerts (their timeline, members and deliveries) and metric series idle this many "
        "days are deleted by the retention schedule; null: the global HERALD_RETENTION_DAYS (`retention_days_default`)"
    )
    retention_days_default: int = Field(description="HERALD_RETENTION_DAYS: the retention of a tenant that sets none")
    time_zone: str = Field(description="IANA zone of day and week buckets in `/api/v1/alerts/statistics` (default UTC)")
    audit_retention_days: int = Field(
        description="Audit log rows (`/api/v1/audit`) older than this many days are deleted by the retention "
        "schedule; separate from `retention_days` (default 365)"
    )


class TenantUpdate(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")
    max_silence_duration: str | None = Field(
        None,
        description="A Prometheus duration (`12h`, `7d`, `2w`), more than zero and at most the ceiling; "
        "null: back to the global default",
    )
    resolve_timeout: str | None = Field(
        None, description="A Prometheus duration from `1s` to `7d`; null: back to the default (`5m`)"
    )
    severity_map: dict[SeverityValue, Severity] | None = Field(
        None,
        max_length=100,
        description="The whole mapping (it replaces the previous one; keys are lower-cased); null: back to the default",
    )
    retention_days: int | None = Field(
        None, ge=1, le=3650, description="Days from 1 to 3650; null: back to the global HERALD_RETENTION_DAYS"
    )
    time_zone: TimeZoneName = Field("UTC", description="An IANA zone name (`Europe/Paris`, `UTC`)")
    audit_retention_days: int = Field(
        365, ge=1, le=3650, description="Days from 1 to 3650 that audit log rows are kept (not null)"
    )
