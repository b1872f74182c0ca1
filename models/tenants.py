"""Tenants as a platform admin sees them: create (with the defaults every tenant starts with), list, rename,
disable and enable. One code path for `herald init`, `herald api-key create`, `herald tenant create` and
`POST /api/v1/tenants`: `seed_tenant`.

A disabled tenant keeps every row; `disabled_at` is what the API's authentication, the ingest doors, the rule
passes and the heartbeat monitors look at (`is_disabled`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.api_keys import ensure_tenant
from models.default_rules import seed_rules
from models.defaults import seed_defaults
from models.errors import Conflict, InvalidQuery, NotFound
from models.tables import Alert, ApiKey, Tenant
from models.templates import seed_templates
from workflows.ids import check_tenant_id


@dataclass(frozen=True)
class Seeded:
    policies: bool  # the default team, escalation policies and routing
    templates: bool  # the six default notification templates
    rules: bool  # the six default alert rules


async def seed_tenant(session: AsyncSession, tenant_id: str, name: str | None = None) -> Seeded:
    """Create the tenant if new and give it the defaults: each part goes only into a tenant that
    has none of it (idempotent). Every way of making a tenant goes through here, so every tenant
    starts alike. ValueError for an id outside `workflows.ids.TENANT_ID`."""
    await ensure_tenant(session=session, tenant_id=tenant_id, name=name)
    policies = await seed_defaults(session, tenant_id)
    await session.flush()  # the rules name the policies
    return Seeded(
        policies=policies,
        templates=await seed_templates(session, tenant_id),
        rules=await seed_rules(session, tenant_id),
    )


async def create_tenant(*, session: AsyncSession, tenant_id: str, name: str | None = None) -> Tenant:
    """A new tenant with the defaults (`seed_tenant`). InvalidQuery on `id` for an id outside the alphabet;
    Conflict when it exists (disabled or not)."""
    try:
        check_tenant_id(tenant_id)
    except ValueError as err:
        raise InvalidQuery("id", str(err)) from err
    if await session.get(Tenant, tenant_id) is not None:
        raise Conflict(f"id: a tenant {tenant_id!r} already exists")
    await seed_tenant(session, tenant_id, name)
    await session.flush()
    row = await session.get(Tenant, tenant_id)
    assert row is not None
    await session.refresh(row)
    return row


async def require_tenant(*, session: AsyncSession, tenant_id: str) -> Tenant:
    """The tenant; NotFound when there is none with this id."""
    row = await session.get(Tenant, tenant_id)
    if row is None:
        raise NotFound(f"tenant {tenant_id} not found")
    return row


@dataclass(frozen=True)
class TenantCounts:
    active_keys: int  # neither revoked nor expired
    open_alerts: int  # not resolved


async def tenant_counts(*, session: AsyncSession, tenant_ids: Sequence[str]) -> dict[str, TenantCounts]:
    """Active keys and open alerts of each tenant (two grouped counts over indexed columns)."""
    if not tenant_ids:
        return {}
    now = datetime.now(UTC)
    keys: dict[str, int] = dict(
        (
            await session.execute(
                select(ApiKey.tenant_id, func.count())
                .where(
                    ApiKey.tenant_id.in_(tenant_ids),
                    ApiKey.revoked_at.is_(None),
                    (ApiKey.expires_at.is_(None)) | (ApiKey.expires_at > now),
                )
                .group_by(ApiKey.tenant_id)
            )
        ).all()
    )
    alerts: dict[str, int] = dict(
        (
            await session.execute(
                select(Alert.tenant_id, func.count())
                .where(Alert.tenant_id.in_(tenant_ids), Alert.status != "resolved")
                .group_by(Alert.tenant_id)
            )
        ).all()
    )
    return {t: TenantCounts(active_keys=keys.get(t, 0), open_alerts=alerts.get(t, 0)) for t in tenant_ids}


async def list_tenants(*, session: AsyncSession, after: str | None, limit: int) -> Sequence[Tenant]:
    """Tenants by id, those after `after` (a keyset cursor), at most `limit`."""
    query = select(Tenant).order_by(Tenant.id).limit(limit)
    if after is not None:
        query = query.where(Tenant.id > after)
    return (await session.scalars(query)).all()


async def set_disabled(*, session: AsyncSession, tenant_id: str, disabled: bool) -> Tenant:
    """Disable the tenant (from now; an already disabled one keeps its time) or enable it. NotFound."""
    row = await require_tenant(session=session, tenant_id=tenant_id)
    if not disabled:
        row.disabled_at = None
    elif row.disabled_at is None:
        row.disabled_at = datetime.now(UTC)
    await session.flush()
    return row


async def is_disabled(*, session: AsyncSession, tenant_id: str) -> bool:
    """Whether the tenant is disabled (a missing tenant is not: its keys are gone with it)."""
    at = await session.scalar(select(Tenant.disabled_at).where(Tenant.id == tenant_id))
    return at is not None


def disabled_message(tenant_id: str) -> str:
    """The one sentence every refusal of a disabled tenant says."""
    return f"tenant {tenant_id} is disabled: a platform admin can enable it again (POST /api/v1/tenants/{tenant_id}/enable)"
