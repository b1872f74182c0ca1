"""The tenant's own settings (`/api/v1/tenant`)."""

from __future__ import annotations

from datetime import datetime
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
    default_repeat_interval: str | None = Field(
        description="How often an unacknowledged alert is notified again when its route (and the route's parents) "
        "set no `repeat_interval` (a Prometheus duration); null: the routing tree's default "
        "(`default_repeat_interval_default`). The seeded tree sets `30m` on its root, which wins over this"
    )
    default_repeat_interval_default: str = Field(description="The routing tree's own default (Alertmanager's 4h)")


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
    default_repeat_interval: str | None = Field(
        None,
        description="A Prometheus duration from `5m` to `30d`: the repeat interval where no route on an alert's "
        "path sets one; null: back to the routing tree's default",
    )


TenantName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class PlatformTenantOut(TenantOut):
    """A tenant as a platform admin sees it (`/api/v1/tenants`)."""

    disabled: bool = Field(description="Its keys, console sessions and ingest doors are refused; its rules wait")
    disabled_at: datetime | None = Field(description="When it was disabled (null: enabled)")
    created_at: datetime
    active_keys: int = Field(description="API keys neither revoked nor expired")
    open_alerts: int = Field(description="Alerts not resolved (they keep their escalation while it is disabled)")


class TenantPage(BaseModel):
    items: list[PlatformTenantOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last")


class TenantAdminUpdate(TenantUpdate):
    """Only the fields sent change: the tenant's name, and the settings of `PATCH /api/v1/tenant`."""

    name: TenantName | None = Field(None, description="The display name (the id never changes)")


class FirstKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: TenantName = Field(description="The key's name, e.g. `ops`")
    expires_in_days: int | None = Field(None, ge=1, le=3650, description="Expire after this many days (default: never)")


class TenantCreate(TenantUpdate):
    """A new tenant, seeded as `herald init` seeds one, with the settings of `PATCH /api/v1/tenant`."""

    id: str = Field(
        description="1-63 ASCII letters, digits, `.`, `_` or `-`, starting with a letter or a digit: it names "
        "the tenant for good (Temporal workflow ids and search attributes carry it)",
        max_length=200,
    )
    name: TenantName | None = Field(None, description="The display name (default: the id)")
    admin_key: FirstKey | None = Field(
        None, description="Make a first admin key of the tenant and answer it once in `admin_key`"
    )
