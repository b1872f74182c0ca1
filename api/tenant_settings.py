"""A tenant's settings, read and changed: one code for `/api/v1/tenant` (a tenant admin, its own tenant) and
`/api/v1/tenants/{id}` (a platform admin, any tenant). Each bad value is a 422 naming its field."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from api.am_tenant import am_settings
from api.errors import FieldErrors, check
from api.schemas.tenants import PlatformTenantOut, TenantOut, TenantUpdate
from api.silence_limits import ceiling
from models.tables import Tenant
from models.tenants import tenant_counts
from noise.durations import DurationError, format_duration, parse_duration
from noise.routing import DEFAULT_REPEAT_INTERVAL
from settings import Settings

MAX_RESOLVE_TIMEOUT = timedelta(days=7)
REPEAT_INTERVAL_RANGE = (timedelta(minutes=5), timedelta(days=30))


def settings_out(row: Tenant, settings: Settings) -> dict[str, object]:
    """The fields of `TenantOut` for this tenant (the deployment's defaults filled in where it sets none)."""
    own = row.max_silence_duration
    am = am_settings(row)
    repeat = row.default_repeat_interval
    return {
        "id": row.id,
        "name": row.name,
        "max_silence_duration": format_duration(own) if own is not None else None,
        "max_silence_duration_ceiling": format_duration(ceiling(settings)),
        "resolve_timeout": format_duration(am.resolve_timeout),
        "severity_map": am.severities,
        "retention_days": row.retention_days,
        "retention_days_default": settings.retention_days,
        "time_zone": row.time_zone,
        "default_repeat_interval": format_duration(repeat) if repeat is not None else None,
        "default_repeat_interval_default": format_duration(DEFAULT_REPEAT_INTERVAL),
        "audit_retention_days": row.audit_retention_days,
    }


def tenant_out(row: Tenant, settings: Settings) -> TenantOut:
    return TenantOut.model_validate(settings_out(row, settings))


def platform_out(row: Tenant, settings: Settings, active_keys: int, open_alerts: int) -> PlatformTenantOut:
    return PlatformTenantOut.model_validate(
        settings_out(row, settings)
        | {
            "disabled": row.disabled_at is not None,
            "disabled_at": row.disabled_at,
            "created_at": row.created_at,
            "active_keys": active_keys,
            "open_alerts": open_alerts,
        }
    )


async def platform_tenant_out(session: AsyncSession, row: Tenant, settings: Settings) -> PlatformTenantOut:
    """The tenant as `/api/v1/tenants` answers it (and `herald tenant show` prints it)."""
    counts = (await tenant_counts(session=session, tenant_ids=[row.id]))[row.id]
    return platform_out(row, settings, counts.active_keys, counts.open_alerts)


def _duration(field: str, text: str) -> timedelta:
    try:
        return parse_duration(text)
    except DurationError as err:
        raise FieldErrors([(field, str(err))]) from err


def _max_silence(text: str, settings: Settings) -> timedelta:
    """`text` as a tenant's maximum silence duration, or a 422 naming `max_silence_duration`."""
    value = _duration("max_silence_duration", text)
    errors: list[tuple[str, str]] = []
    if value <= timedelta(0):
        errors.append(("max_silence_duration", "must be more than zero"))
    elif value > ceiling(settings):
        errors.append(
            (
                "max_silence_duration",
                f"at most {format_duration(ceiling(settings))} (HERALD_MAX_SILENCE_DAYS is the ceiling)",
            )
        )
    check(errors)
    return value


def _resolve_timeout(text: str) -> timedelta:
    """`text` as a resolve_timeout, or a 422 naming `resolve_timeout`."""
    value = _duration("resolve_timeout", text)
    if not timedelta(seconds=1) <= value <= MAX_RESOLVE_TIMEOUT:
        raise FieldErrors([("resolve_timeout", "must be from 1s to 7d")])
    return value


def _repeat_interval(text: str) -> timedelta:
    """`text` as a default repeat interval, or a 422 naming `default_repeat_interval`."""
    value = _duration("default_repeat_interval", text)
    low, high = REPEAT_INTERVAL_RANGE
    if not low <= value <= high:
        raise FieldErrors(
            [("default_repeat_interval", f"must be from {format_duration(low)} to {format_duration(high)}")]
        )
    return value


def apply_settings(row: Tenant, body: TenantUpdate, settings: Settings) -> None:
    """Set on `row` the settings `body` sends (those left out keep their value; null: back to the default).
    FieldErrors (422) naming the first bad field; nothing is flushed."""
    sent = body.model_fields_set
    if "max_silence_duration" in sent:
        text = body.max_silence_duration
        row.max_silence_duration = None if text is None else _max_silence(text, settings)
    if "resolve_timeout" in sent:
        text = body.resolve_timeout
        row.resolve_timeout = None if text is None else _resolve_timeout(text)
    if "severity_map" in sent:
        mapping = body.severity_map
        row.severity_map = None if mapping is None else {value: severity.value for value, severity in mapping.items()}
    if "retention_days" in sent:
        row.retention_days = body.retention_days
    if "time_zone" in sent:
        row.time_zone = body.time_zone
    if "default_repeat_interval" in sent:
        text = body.default_repeat_interval
        row.default_repeat_interval = None if text is None else _repeat_interval(text)
    if "audit_retention_days" in sent:
        row.audit_retention_days = body.audit_retention_days
