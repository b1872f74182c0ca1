"""`/api/v1/escalation-policies`: ladders of who to page, and which alerts follow which."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import AuditDep
from api.deps import Admin, SessionDep, Viewer
from api.errors import InUse, check
from api.schemas.policies import EDIT_NOTE, PolicyIn, PolicyOut, RouteIn, RoutingIn, RoutingOut
from models.crud import check_name, list_rows, require_row, rows_by_id, save_row
from models.errors import Conflict
from models.references import references
from models.routing_trees import flat_route, write_tree
from models.tables import Channel, EscalationPolicy, Schedule, Team, Tenant, User
from noise.matchers import parse_matchers
from noise.route_store import stored_tree

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
async def create_policy(body: PolicyIn, principal: Admin, session: SessionDep, audit: AuditDep) -> PolicyOut:
    out = await _store(session, principal.tenant_id, body, None)
    await audit.record("escalation_policy", out.id, "create", after=out)
    return out


def _flat(node: dict[str, Any]) -> RouteIn | None:
    """A child of the root as a flat route, when it is one (severity / category / label equality
    matchers, a policy, nothing else); None otherwise."""
    plain = {"matchers", "continue", "escalation_policy_id", "mute_time_intervals", "active_time_intervals", "routes"}
    if set(node) - plain or node.get("routes") or node.get("continue") or not node.get("escalation_policy_id"):
        return None
    if node.get("mute_time_intervals") or node.get("active_time_intervals"):
        return None
    found: dict[str, Any] = {"policy_id": node["escalation_policy_id"], "labels": {}}
    for matcher in [m for line in node.get("matchers", []) for m in parse_matchers(line)]:
        plural = {"severity": "severities", "category": "categories"}.get(matcher.name)
        if plural is not None and plural not in found:
            if matcher.op not in ("=", "=~"):
                return None
            found[plural] = [matcher.value] if matcher.op == "=" else matcher.value.split("|")
        elif matcher.op == "=" and matcher.name not in found["labels"]:
            found["labels"][matcher.name] = matcher.value
        else:
            return None
    try:
        return RouteIn.model_validate(found)
    except ValidationError:
        return None


# Declared before /{policy_id} so that "routing" is not taken for an id.
@router.get(
    "/routing",
    response_model=RoutingOut,
    deprecated=True,
    responses={409: {"description": "The routing tree holds routes this flat view cannot show"}},
    summary="Which alerts follow which policy (deprecated: /api/v1/routes)",
    description="The root route's children as flat routes, and the tenant default policy. A tree with nested "
    "routes, continue, timings, channels, time intervals or other matchers is a 409: read /api/v1/routes.",
)
async def get_routing(principal: Viewer, session: SessionDep) -> RoutingOut:
    tenant = await _tenant(session, principal.tenant_id)
    _, tree = await stored_tree(session, principal.tenant_id)
    flat = [_flat(child) for child in tree.get("routes") or []]
    if any(route is None for route in flat):
        raise Conflict("the routing tree has routes the flat view cannot show: read /api/v1/routes")
    return RoutingOut(default_policy_id=tenant.default_policy_id, routes=[r for r in flat if r is not None])


@router.put(
    "/routing",
    response_model=RoutingOut,
    deprecated=True,
    summary="Replace the routing (deprecated: /api/v1/routes)",
    description="Replaces the root route's children by one child per route (its matchers and policy, first match "
    "wins) and sets the tenant default policy as the root's; the root's grouping and timings stay. An alert that "
    "names no policy follows the first route whose matchers all hold, else the default policy. " + EDIT_NOTE,
)
async def put_routing(body: RoutingIn, principal: Admin, session: SessionDep, audit: AuditDep) -> RoutingOut:
    tenant_id = principal.tenant_id
    # Replacements one at a time: write_tree locks the tenant row before it reads the version.
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
    before = {"default_policy_id": tenant.default_policy_id, "tree": (await stored_tree(session, tenant_id))[1]}
    _, tree = await stored_tree(session, tenant_id)
    tree = {
        **tree,
        "routes": [
            flat_route(r.policy_id, [s.value for s in r.severities], [c.value for c in r.categories], r.labels)
            for r in body.routes
        ],
    }
    tree.pop("escalation_policy_id", None)
    if body.default_policy_id:
        tree["escalation_policy_id"] = body.default_policy_id
    await write_tree(session, tenant_id, tree, None)
    tenant.default_policy_id = body.default_policy_id
    await session.flush()
    out = RoutingOut.model_validate(body.model_dump())
    await audit.record("routing", None, "replace", before=before, after=out)
    return out


@router.get("/{policy_id}", response_model=PolicyOut, summary="Read an escalation policy")
async def get_policy(policy_id: str, principal: Viewer, session: SessionDep) -> PolicyOut:
    row = await _policy(session, principal.tenant_id, policy_id)
    return _out(row, await _tenant(session, principal.tenant_id))


@router.put("/{policy_id}", response_model=PolicyOut, summary="Replace an escalation policy", description=EDIT_NOTE)
async def update_policy(
    policy_id: str, body: PolicyIn, principal: Admin, session: SessionDep, audit: AuditDep
) -> PolicyOut:
    row = await _policy(session, principal.tenant_id, policy_id)
    before = _out(row, await _tenant(session, principal.tenant_id))
    out = await _store(session, principal.tenant_id, body, row)
    await audit.record("escalation_policy", out.id, "update", before=before, after=out)
    return out


@router.delete(
    "/{policy_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={409: {"description": "Still used by the routing, the tenant default, a rule or a heartbeat"}},
    summary="Delete an escalation policy",
    description="Open alerts keep their snapshot of it.",
)
async def delete_policy(policy_id: str, principal: Admin, session: SessionDep, audit: AuditDep) -> Response:
    row = await _policy(session, principal.tenant_id, policy_id)
    used_by = await references(session, principal.tenant_id, "policy", row.id)
    if used_by:
        raise InUse(f"policy '{row.name}'", used_by)
    await audit.record(
        "escalation_policy", row.id, "delete", before=_out(row, await _tenant(session, principal.tenant_id))
    )
    await session.delete(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
