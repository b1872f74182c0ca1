"""`/api/v1/tenant`: the calling key's tenant and its own settings: its maximum silence duration
(api/silence_limits.py), and for the Alertmanager API its resolve_timeout and severity mapping (api/am_tenant.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter

from api.am_tenant import am_settings
from api.audit import AuditDep
from api.deps import Admin, SessionDep, SettingsDep, Viewer
from api.errors import FieldErrors, check
from api.schemas.tenants import TenantOut, TenantUpdate
from api.silence_limits import ceiling
from models.errors import NotFound
from models.tables import Tenant
from noise.durations import DurationError, format_duration, parse_duration
from settings import Settings

router = APIRouter(prefix="/api/v1/tenant", tags=["tenant"])
GONE: dict[int | str, dict[str, Any]] = {404: {"description": "The key's tenant no longer exists"}}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "`max_silence_duration` is not a Prometheus duration, is zero, or is longer than the "
        "ceiling (HERALD_MAX_SILENCE_DAYS); `resolve_timeout` is not a duration from 1s to 7d; a `severity_map` "
        "value is not a severity; `retention_days` is not from 1 to 3650; `time_zone` is not an IANA zone; "
        "`audit_retention_days` is not from 1 to 3650; or an unknown field"
    }
}


def _out(row: Tenant, settings: Settings) -> TenantOut:
    own = row.max_silence_duration
    am = am_settings(row)
    return TenantOut(
        id=row.id,
        name=row.name,
        max_silence_duration=format_duration(own) if own is not None else None,
        max_silence_duration_ceiling=format_duration(ceiling(settings)),
        resolve_timeout=format_duration(am.resolve_timeout),
        severity_map=am.severities,
        retention_days=row.retention_days,
        retention_days_default=settings.retention_days,
        time_zone=row.time_zone,
        audit_retention_days=row.audit_retention_days,
    )


async def _tenant(session: SessionDep, tenant_id: str) -> Tenant:
    row = await session.get(Tenant, tenant_id)
    if row is None:  # a key outlives no tenant (delete cascades); said rather than assumed
        raise NotFound(f"tenant {tenant_id} not found")
    return row


def _duration(text: str, settings: Settings) -> timedelta:
    """`text` as a tenant's maximum silence duration, or a 422 naming `max_silence_duration`."""
    try:
        value = parse_duration(text)
    except DurationError as err:
        raise FieldErrors([("max_silence_duration", str(err))]) from err
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


MAX_RESOLVE_TIMEOUT = timedelta(days=7)


def _resolve_timeout(text: str) -> timedelta:
    """`text` as a resolve_timeout, or a 422 naming `resolve_timeout`."""
    try:
        value = parse_duration(text)
    except DurationError as err:
        raise FieldErrors([("resolve_timeout", str(err))]) from err
    if not timedelta(seconds=1) <= value <= MAX_RESOLVE_TIMEOUT:
        raise FieldErrors([("resolve_timeout", "must be from 1s to 7d")])
    return value


@router.get("", response_model=TenantOut, responses=GONE, summary="Your tenant and its settings")
async def get_tenant(principal: Viewer, session: SessionDep, settings: SettingsDep) -> TenantOut:
    return _out(await _tenant(session, principal.tenant_id), settings)


@router.patch(
    "",
    response_model=TenantOut,
    responses={**GONE, **INVALID},
    summary="Change your tenant's settings (admin)",
    description="Fields left out keep their value. `max_silence_duration` bounds new and edited silences "
    "(existing ones keep their `ends_at`); null returns to the global default. `resolve_timeout` and "
    "`severity_map` apply to alerts posted to the Alertmanager API (`POST /api/v2/alerts`) from then on. `retention_days` applies "
    "from the next retention pass (hourly); `time_zone` to statistics' day and week buckets; "
    "`audit_retention_days` from the next retention pass too. The change is in the audit log (`resource` tenant).",
)
async def update_tenant(
    body: TenantUpdate, principal: Admin, audit: AuditDep, session: SessionDep, settings: SettingsDep
) -> TenantOut:
    row = await _tenant(session, principal.tenant_id)
    before = _out(row, settings)
    if "max_silence_duration" in body.model_fields_set:
        text = body.max_silence_duration
        row.max_silence_duration = None if text is None else _duration(text, settings)
    if "resolve_timeout" in body.model_fields_set:
        text = body.resolve_timeout
        row.resolve_timeout = None if text is None else _resolve_timeout(text)
    if "severity_map" in body.model_fields_set:
        mapping = body.severity_map
        row.severity_map = None if mapping is None else {value: severity.value for value, severity in mapping.items()}
    if "retention_days" in body.model_fields_set:
        row.retention_days = body.retention_days
    if "time_zone" in body.model_fields_set:
        row.time_zone = body.time_zone
    if "audit_retention_days" in body.model_fields_set:
        row.audit_retention_days = body.audit_retention_days
    await session.flush()
    out = _out(row, settings)
    await audit.record("tenant", row.id, "update", before=before, after=out)
    return out
