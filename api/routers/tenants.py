"""`/api/v1/tenants`: a platform admin (role `platform`) creates, lists, renames, sets, disables and enables
tenants, and manages any tenant's API keys. A tenant admin gets 403 here.

One code path with the CLI (`herald tenant ...`): creation is `models.tenants.create_tenant` (the seeding of
`herald init`), settings are `api.tenant_settings` (those of `PATCH /api/v1/tenant`), keys are the functions of
`api.routers.api_keys`. Each write endpoint writes in one place, and records its audit row on the log of the tenant
it changed (`Audit.in_tenant`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import Field

from api.audit import AuditDep
from api.deps import Platform, SessionDep, SettingsDep
from api.routers.api_keys import INVALID as KEY_INVALID
from api.routers.api_keys import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    ApiKeyRotate,
    create_in,
    list_in,
    revoke_in,
    rotate_in,
)
from api.routers.tenant import INVALID
from api.schemas.tenants import PlatformTenantOut, TenantAdminUpdate, TenantCreate, TenantPage
from api.tenant_settings import apply_settings, platform_out, platform_tenant_out
from models.api_keys import Role
from models.cursors import decode_cursor, encode_cursor
from models.errors import Conflict
from models.tenants import create_tenant, list_tenants, require_tenant, set_disabled, tenant_counts

router = APIRouter(prefix="/api/v1/tenants", tags=["tenants"])
FORBIDDEN: dict[int | str, dict[str, Any]] = {403: {"description": "The key is not a platform admin's"}}
MISSING: dict[int | str, dict[str, Any]] = {404: {"description": "No such tenant"}}
ORDER = "id"


class TenantCreated(PlatformTenantOut):
    admin_key: ApiKeyCreated | None = Field(description="The first admin key, when asked for: shown once")


@router.post(
    "",
    response_model=TenantCreated,
    status_code=status.HTTP_201_CREATED,
    responses={
        **FORBIDDEN,
        409: {"description": "A tenant with this id exists (disabled or not)"},
        422: {"description": "`id` outside the tenant id alphabet, or a bad setting (as `PATCH /api/v1/tenant`)"},
    },
    summary="Create a tenant, seeded as `herald init` seeds one (platform)",
    description="The new tenant gets the defaults of `herald init`: the team Operations, the escalation policies "
    "Standard Escalation (its default) and Critical Alert Escalation, the routing tree sending critical alerts "
    "to the latter, the six notification templates and the six rules over pushed metrics. Settings sent are "
    "set as `PATCH /api/v1/tenant` sets them. With `admin_key`, the answer carries the tenant's first admin "
    "key, shown once.",
)
async def create(
    body: TenantCreate, principal: Platform, audit: AuditDep, session: SessionDep, settings: SettingsDep
) -> TenantCreated:
    row = await create_tenant(session=session, tenant_id=body.id, name=body.name)
    apply_settings(row, body, settings)
    await session.flush()
    logged = audit.in_tenant(row.id)
    out = await platform_tenant_out(session, row, settings)
    await logged.record("tenant", row.id, "create", after=out)
    first = None
    if body.admin_key is not None:
        wanted = ApiKeyCreate(name=body.admin_key.name, role=Role.ADMIN, expires_in_days=body.admin_key.expires_in_days)
        first = await create_in(session, row.id, wanted, logged)
        out = await platform_tenant_out(session, row, settings)
    return TenantCreated(**out.model_dump(), admin_key=first)


@router.get(
    "",
    response_model=TenantPage,
    responses=FORBIDDEN,
    summary="List tenants, by id (platform)",
    description="With each tenant's settings, its active key count and open alert count. `cursor` (a "
    "`next_cursor`) pages on; 422 for a cursor this API did not return.",
)
async def list_all(
    principal: Platform,
    session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")] = None,
) -> TenantPage:
    after = decode_cursor(cursor, ORDER)[1] if cursor is not None else None
    rows = list(await list_tenants(session=session, after=after, limit=limit + 1))
    page = rows[:limit]
    counts = await tenant_counts(session=session, tenant_ids=[r.id for r in page])
    items = [platform_out(r, settings, counts[r.id].active_keys, counts[r.id].open_alerts) for r in page]
    last = page[-1] if len(rows) > limit else None
    return TenantPage(items=items, next_cursor=encode_cursor(ORDER, last.id, last.id) if last is not None else None)


@router.get(
    "/{tenant_id}",
    response_model=PlatformTenantOut,
    responses={**FORBIDDEN, **MISSING},
    summary="A tenant and its settings (platform)",
)
async def get_one(tenant_id: str, principal: Platform, session: SessionDep, settings: SettingsDep) -> PlatformTenantOut:
    return await platform_tenant_out(session, await require_tenant(session=session, tenant_id=tenant_id), settings)


@router.patch(
    "/{tenant_id}",
    response_model=PlatformTenantOut,
    responses={**FORBIDDEN, **MISSING, **INVALID},
    summary="Rename a tenant or change its settings (platform)",
    description="Fields left out keep their value; the settings are those of `PATCH /api/v1/tenant`, checked "
    "the same way.",
)
async def update(
    tenant_id: str,
    body: TenantAdminUpdate,
    principal: Platform,
    audit: AuditDep,
    session: SessionDep,
    settings: SettingsDep,
) -> PlatformTenantOut:
    row = await require_tenant(session=session, tenant_id=tenant_id)
    before = await platform_tenant_out(session, row, settings)
    if body.name is not None:
        row.name = body.name
    apply_settings(row, body, settings)
    await session.flush()
    out = await platform_tenant_out(session, row, settings)
    await audit.in_tenant(tenant_id).record("tenant", tenant_id, "update", before=before, after=out)
    return out


@router.post(
    "/{tenant_id}/disable",
    response_model=PlatformTenantOut,
    responses={**FORBIDDEN, **MISSING, 409: {"description": "It is the caller's own tenant"}},
    summary="Disable a tenant (platform)",
    description="From now on its API keys, console sessions, calendar URLs and ingest doors (events, "
    "Alertmanager API and webhook, PagerDuty, heartbeat pings) are refused with 403 `tenant <id> is "
    "disabled`; its rules are not evaluated and its heartbeat monitors raise no alert. Nothing is deleted, and "
    "alerts already open keep their escalation (`open_alerts`: resolve them first if nobody should be paged). "
    "Disabling a disabled tenant changes nothing.",
)
async def disable(
    tenant_id: str, principal: Platform, audit: AuditDep, session: SessionDep, settings: SettingsDep
) -> PlatformTenantOut:
    if tenant_id == principal.tenant_id:
        raise Conflict(
            f"tenant {tenant_id} is your own: a platform admin cannot lock itself out (use a platform key of "
            "another tenant)"
        )
    row = await set_disabled(session=session, tenant_id=tenant_id, disabled=True)
    out = await platform_tenant_out(session, row, settings)
    await audit.in_tenant(tenant_id).record("tenant", tenant_id, "disable", after=out)
    return out


@router.post(
    "/{tenant_id}/enable",
    response_model=PlatformTenantOut,
    responses={**FORBIDDEN, **MISSING},
    summary="Enable a disabled tenant (platform)",
    description="Everything a disabled tenant had works again: keys, sessions, ingest, rules, heartbeats.",
)
async def enable(
    tenant_id: str, principal: Platform, audit: AuditDep, session: SessionDep, settings: SettingsDep
) -> PlatformTenantOut:
    row = await set_disabled(session=session, tenant_id=tenant_id, disabled=False)
    out = await platform_tenant_out(session, row, settings)
    await audit.in_tenant(tenant_id).record("tenant", tenant_id, "enable", after=out)
    return out


# ------------------------------------------------------------------------------- keys


@router.get(
    "/{tenant_id}/api-keys",
    response_model=list[ApiKeyOut],
    responses={**FORBIDDEN, **MISSING},
    summary="List a tenant's API keys (platform)",
)
async def list_keys(tenant_id: str, principal: Platform, session: SessionDep) -> list[ApiKeyOut]:
    await require_tenant(session=session, tenant_id=tenant_id)
    return await list_in(session, tenant_id)


@router.post(
    "/{tenant_id}/api-keys",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses={**FORBIDDEN, **MISSING, **KEY_INVALID},
    summary="Create an API key of a tenant (platform)",
    description="As `POST /api/v1/api-keys` in that tenant; any role, platform included.",
)
async def create_key(
    tenant_id: str, body: ApiKeyCreate, principal: Platform, audit: AuditDep, session: SessionDep
) -> ApiKeyCreated:
    await require_tenant(session=session, tenant_id=tenant_id)
    return await create_in(session, tenant_id, body, audit.in_tenant(tenant_id))


@router.post(
    "/{tenant_id}/api-keys/{key_id}/rotate",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses={**FORBIDDEN, 404: {"description": "No such tenant, or no such active key in it"}},
    summary="Rotate a tenant's API key (platform)",
    description="As `POST /api/v1/api-keys/{key_id}/rotate` in that tenant.",
)
async def rotate_key(
    tenant_id: str,
    key_id: str,
    principal: Platform,
    audit: AuditDep,
    session: SessionDep,
    body: ApiKeyRotate | None = None,
) -> ApiKeyCreated:
    await require_tenant(session=session, tenant_id=tenant_id)
    return await rotate_in(session, tenant_id, key_id, body, audit.in_tenant(tenant_id))


@router.delete(
    "/{tenant_id}/api-keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**FORBIDDEN, 404: {"description": "No such tenant, or no such key in it"}},
    summary="Revoke a tenant's API key (platform)",
)
async def revoke_key(
    tenant_id: str, key_id: str, principal: Platform, audit: AuditDep, session: SessionDep
) -> Response:
    await require_tenant(session=session, tenant_id=tenant_id)
    await revoke_in(session, tenant_id, key_id, audit.in_tenant(tenant_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
