"""The configuration a new tenant starts with (`herald init`, and `herald dev` on a new data dir).

Two escalation policies over one team, and a routing tree that sends `severity="critical"` to the
rapid one and everything else to the standard one (one incident per label set, notified at once):
add people to the "Operations" team and alerts reach them. Seeded only into a tenant that has no escalation policy yet, so
running it again never overwrites (or resurrects) what a user changed or removed.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.routing_trees import default_tree, flat_route, tree_row
from models.tables import EscalationPolicy, RoutingTree, Team, Tenant

TEAM = "Operations"
STANDARD = "Standard Escalation"
CRITICAL = "Critical Alert Escalation"


def _levels(team_id: str, first: int, second: int) -> list[dict[str, Any]]:
    return [
        {"targets": [{"type": "team", "id": team_id}], "delay_seconds": first * 60},
        {"targets": [{"type": "team", "id": team_id}, {"type": "manager", "id": None}], "delay_seconds": second * 60},
    ]


async def seed_defaults(session: AsyncSession, tenant_id: str) -> bool:
    """Create the default team, policies and routing; False when the tenant already has policies."""
    count = await session.scalar(
        select(func.count()).select_from(EscalationPolicy).where(EscalationPolicy.tenant_id == tenant_id)
    )
    if count:
        return False
    team = await session.scalar(select(Team).where(Team.tenant_id == tenant_id, Team.name == TEAM))
    if team is None:
        team = Team(
            id=str(uuid.uuid4()),
            tenant_id=tenant_id,
            name=TEAM,
            description="Paged by the default escalation policies: add the people on call here.",
            member_ids=[],
        )
        session.add(team)
    standard = EscalationPolicy(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        name=STANDARD,
        description="Operations after 15 minutes unacknowledged, then Operations and their managers; twice.",
        levels=_levels(team.id, 15, 30),
        repeat=1,
        ack_timeout_seconds=4 * 3600,
    )
    critical = EscalationPolicy(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        name=CRITICAL,
        description="Rapid: Operations, then Operations and their managers every 5 minutes; four passes.",
        levels=_levels(team.id, 5, 5),
        repeat=3,
        ack_timeout_seconds=3600,
    )
    session.add_all([standard, critical])
    await session.flush()
    tenant = await session.get(Tenant, tenant_id)
    assert tenant is not None
    if tenant.default_policy_id is None:
        tenant.default_policy_id = standard.id
    if await tree_row(session, tenant_id) is None:
        critical_route = flat_route(critical.id, ["critical"], [], {})
        session.add(RoutingTree(tenant_id=tenant_id, tree=default_tree(standard.id, [critical_route]), version=1))
    return True
