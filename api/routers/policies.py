"""`/api/v1/escalation-policies`: ladders of who to page, and which alerts follow which."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response, status
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import Admin, SessionDep, Viewer
from api.errors import InUse, check
from api.schemas.policies import EDIT_NOTE, PolicyIn, PolicyOut, RouteIn, RoutingIn, RoutingOut
from models.crud import check_name, list_rows, require_row, rows_by_id, save_row
from models.errors import Conflict
from models.policies import list_routes
from models.references import references
from models.tables import Channel, EscalationPolicy, PolicyRoute, Schedule, Team, Tenant, User

router = APIRouter(prefix="/api/v1/escalation-policies", tags=["escalation policies"])
TARGET_TABLES: dict[str, Any] = {"user": User, "team": Team, "schedule": Schedule, "channel": Channel}


async def _tenant(session: AsyncSession, tenant_id: str) -> Tenant:
    tenant = await session.get(Tenant, tenant_id)
    assert tenant is not None  # the API key belongs to it
    return tenant


def _out(row: EscalationPolicy, tenant: Tenant) -> PolicyOut:
    return PolicyOut(
        id=row.id,
        name=row.name,
        description=row.description,
        levels=[{"targets": level["targets"], "delay_minutes": level["delay_seconds"] // 60} for level in row.levels],
        repeat=row.repeat,
        ack_timeout_minutes=row.ack_timeout_seconds // 60 if row.ack_timeout_seconds else None,
        is_default=tenant.default_policy_id == row.id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _stored(body: PolicyIn) -> dict[str, Any]:
    return {
        "name": body.name,
        "description": body.description,
        "levels": [
            {
                "targets": [target.model_dump(mode="json") for target in level.targets],
                "delay_seconds": level.delay_minutes * 60,
            }
            for level in body.levels
        ],
        "repeat": body.repeat,
        "ack_timeout_seconds": body.ack_timeout_minutes * 60 if body.ack_timeout_minutes else None,
    }


async def _check(session: AsyncSession, tenant_id: str, body: PolicyIn, policy_id: str | None) -> None:
    await check_name(session, EscalationPolicy, tenant_id, body.name, policy_id, "policy")
    errors: list[tuple[str, str]] = []
    for kind, table in TARGET_TABLES.items():
        wanted = {t.id for level in body.levels for t in level.targets if t.type == kind and t.id}
        found = await rows_by_id(session, table, tenant_id, wanted)
        for i, level in enumerate(body.levels):
            for j, target in enumerate(level.targets):
                if target.type == kind and target.id not in found:
                    errors.append((f"levels.{i}.targets.{j}.id", f"unknown {kind} {target.id}"))
    check(errors)


async def _policy(session: AsyncSession, tenant_id: str, policy_id: str) -> EscalationPolicy:
    return await require_row(session, EscalationPolicy, tenant_id, policy_id, "escalation policy")


async def _store(session: AsyncSession, tenant_id: str, body: PolicyIn, row: EscalationPolicy | None) -> PolicyOut:
    await _check(session, tenant_id, body, row.id if row else None)
    duplicate = Conflict.named("policy", body.name)
    row = await save_row(session, EscalationPolicy, tenant_id, _stored(body), row, duplicate=duplicate)
    return _out(row, await _tenant(session, tenant_id))


@router.get("", response_model=list[PolicyOut], summary="List escalation policies")
async def list_policies(principal: Viewer, session: SessionDep) -> list[PolicyOut]:
    tenant = await _tenant(session, principal.tenant_id)
    return [_out(row, tenant) for row in await list_rows(session, EscalationPolicy, principal.tenant_id)]


@router.post(
    "",
    response_model=PolicyOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create an escalation policy",
    description=EDIT_NOTE,
)
async def create_policy(body: PolicyIn, principal: Admin, session: SessionDep) -> PolicyOut:
    return await _store(session, principal.tenant_id, body, None)


# Declared before /{policy_id} so that "routing" is not taken for an id.
@router.get("/routing", response_model=RoutingOut, summary="Which alerts follow which policy")
async def get_routing(principal: Viewer, session: SessionDep) -> RoutingOut:
    tenant = await _tenant(session, principal.tenant_id)
    routes = await list_routes(session, principal.tenant_id)
    return RoutingOut(
        default_policy_id=tenant.default_policy_id,
        routes=[
            RouteIn.model_validate(
                {"policy_id": r.policy_id, "severities": r.severities, "categories": r.categories, "labels": r.labels}
            )
            for r in routes
        ],
    )


@router.put(
    "/routing",
    response_model=RoutingOut,
    summary="Replace the routing",
    description="An alert that names no policy follows the first route whose matchers all hold, "
    "else the default policy. " + EDIT_NOTE,
)
async def put_routing(body: RoutingIn, principal: Admin, session: SessionDep) -> RoutingOut:
    tenant_id = principal.tenant_id
    # Replacements one at a time: without the tenant's lock, the deletes of two at once each missed
    # the other's new routes, and the routing held both bodies.
    tenant = await session.get(Tenant, tenant_id, with_for_update=True)
    assert tenant is not None  # the API key belongs to it
    wanted = {r.policy_id for r in body.routes} | ({body.default_policy_id} if body.default_policy_id else set())
    found = await rows_by_id(session, EscalationPolicy, tenant_id, wanted)
    errors = [
        (f"routes.{i}.policy_id", f"unknown escalation policy {r.policy_id}")
        for i, r in enumerate(body.routes)
        if r.policy_id not in found
    ]
    if body.default_policy_id and body.default_policy_id not in found:
        errors.append(("default_policy_id", f"unknown escalation policy {body.default_policy_id}"))
    check(errors)
    await session.execute(delete(PolicyRoute).where(PolicyRoute.tenant_id == tenant_id))
    for position, route in enumerate(body.routes, start=1):
        session.add(
            PolicyRoute(
                id=str(uuid.uuid4()),
                tenant_id=tenant_id,
                position=position,
                policy_id=route.policy_id,
                severities=[s.value for s in route.severities],
                categories=[c.value for c in route.categories],
                labels=route.labels,
            )
        )
    tenant.default_policy_id = body.default_policy_id
    await session.flush()
    return RoutingOut.model_validate(body.model_dump())


@router.get("/{policy_id}", response_model=PolicyOut, summary="Read an escalation policy")
async def get_policy(policy_id: str, principal: Viewer, session: SessionDep) -> PolicyOut:
    row = await _policy(session, principal.tenant_id, policy_id)
    return _out(row, await _tenant(session, principal.tenant_id))


@router.put("/{policy_id}", response_model=PolicyOut, summary="Replace an escalation policy", description=EDIT_NOTE)
async def update_policy(policy_id: str, body: PolicyIn, principal: Admin, session: SessionDep) -> PolicyOut:
    return await _store(session, principal.tenant_id, body, await _policy(session, principal.tenant_id, policy_id))


@router.delete(
    "/{policy_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={409: {"description": "Still used by the routing, the tenant default, a rule or a heartbeat"}},
    summary="Delete an escalation policy",
    description="Open alerts keep their snapshot of it.",
)
async def delete_policy(policy_id: str, principal: Admin, session: SessionDep) -> Response:
    row = await _policy(session, principal.tenant_id, policy_id)
    used_by = await references(session, principal.tenant_id, "policy", row.id)
    if used_by:
        raise InUse(f"policy '{row.name}'", used_by)
    await session.delete(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
