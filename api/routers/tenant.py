"""`/api/v1/tenant`: the calling key's tenant and its own settings: its maximum silence duration
(api/silence_limits.py), and for the Alertmanager API its resolve_timeout and severity mapping (api/am_tenant.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.audit import AuditDep
from api.deps import Admin, SessionDep, SettingsDep, Viewer
from api.schemas.tenants import TenantOut, TenantUpdate
from api.tenant_settings import apply_settings, tenant_out
from models.tenants import require_tenant

router = APIRouter(prefix="/api/v1/tenant", tags=["tenant"])
GONE: dict[int | str, dict[str, Any]] = {404: {"description": "The key's tenant no longer exists"}}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "`max_silence_duration` is not a Prometheus duration, is zero, or is longer than the "
        "ceiling (HERALD_MAX_SILENCE_DAYS); `resolve_timeout` is not a duration from 1s to 7d; a `severity_map` "
        "value is not a severity; `retention_days` is not from 1 to 3650; `time_zone` is not an IANA zone; "
        "`default_repeat_interval` is not a duration from 5m to 30d; `audit_retention_days` is not from 1 to 3650; "
        "or an unknown field"
    }
}


@router.get("", response_model=TenantOut, responses=GONE, summary="Your tenant and its settings")
async def get_tenant(principal: Viewer, session: SessionDep, settings: SettingsDep) -> TenantOut:
    return tenant_out(await require_tenant(session=session, tenant_id=principal.tenant_id), settings)


@router.patch(
    "",
    response_model=TenantOut,
    responses={**GONE, **INVALID},
    summary="Change your tenant's settings (admin)",
    description="Fields left out keep their value. `max_silence_duration` bounds new and edited silences "
    "(existing ones keep their `ends_at`); null returns to the global default. `resolve_timeout` and "
    "`severity_map` apply to alerts posted to the Alertmanager API (`POST /api/v2/alerts`) from then on. `retention_days` applies "
    "from the next retention pass (hourly); `time_zone` to statistics' day and week buckets; "
    "`default_repeat_interval` to alerts routed from then on whose route (and its parents) set no `repeat_interval`; "
    "`audit_retention_days` from the next retention pass too. The change is in the audit log (`resource` tenant).",
)
async def update_tenant(
    body: TenantUpdate, principal: Admin, audit: AuditDep, session: SessionDep, settings: SettingsDep
) -> TenantOut:
    row = await require_tenant(session=session, tenant_id=principal.tenant_id)
    before = tenant_out(row, settings)
    apply_settings(row, body, settings)
    await session.flush()
    out = tenant_out(row, settings)
    await audit.record("tenant", row.id, "update", before=before, after=out)
    return out
