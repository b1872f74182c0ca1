"""Escalation policies as the workflow sees them: snapshots, the choice of one, and who uses what."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.crud import get_row, list_rows
from models.tables import EscalationPolicy, Tenant, User
from workflows.payloads import (
    ChoosePolicyInput,
    EscalationLevel,
    EscalationTarget,
    PolicyChoice,
    PolicySnapshot,
)

# Reassigning to one person: page them, then twice more at this interval until someone acknowledges.
DIRECT_DELAY = timedelta(minutes=15)
DIRECT_REPEAT = 2


def snapshot(row: EscalationPolicy) -> PolicySnapshot:
    return PolicySnapshot(
        id=row.id,
        name=row.name,
        levels=[
            EscalationLevel(
                targets=[EscalationTarget(**target) for target in level["targets"]],
                delay=timedelta(seconds=level["delay_seconds"]),
            )
            for level in row.levels
        ],
        repeat=row.repeat,
        ack_timeout=timedelta(seconds=row.ack_timeout_seconds) if row.ack_timeout_seconds else None,
    )


def direct_policy(user: User) -> PolicySnapshot:
    return PolicySnapshot(
        id=f"user:{user.id}",
        name=f"{user.name} (direct)",
        levels=[EscalationLevel(targets=[EscalationTarget(type="user", id=user.id)], delay=DIRECT_DELAY)],
        repeat=DIRECT_REPEAT,
    )


async def choose_policy(session: AsyncSession, request: ChoosePolicyInput) -> PolicyChoice:
    """Named user or policy first; then the route the alert took (`request.grouping`, noise/route_store.py
    `opening_grouping` fills it for events queued before routing trees); then the tenant's default policy."""
    tenant_id = request.tenant_id
    if request.user_id is not None:
        user = await get_row(session, User, tenant_id, request.user_id)
        if user is None:
            return PolicyChoice(policy=None, reason=f"user {request.user_id} does not exist")
        return PolicyChoice(policy=direct_policy(user), reason=f"assigned to {user.name}")
    prefix = ""
    if request.policy_id is not None:
        row = await get_row(session, EscalationPolicy, tenant_id, request.policy_id)
        if row is not None:
            return PolicyChoice(policy=snapshot(row), reason="named by the alert")
        if request.content is None:
            return PolicyChoice(policy=None, reason=f"escalation policy {request.policy_id} does not exist")
        prefix = f"named policy {request.policy_id} no longer exists; "
    grouping = request.grouping
    if grouping is not None and grouping.policy_id is not None:
        row = await get_row(session, EscalationPolicy, tenant_id, grouping.policy_id)
        if row is not None:
            return PolicyChoice(policy=snapshot(row), reason=f"{prefix}route {grouping.route_key}")
        prefix += f"route {grouping.route_key}'s policy {grouping.policy_id} no longer exists; "
    tenant = await session.get(Tenant, tenant_id)
    if tenant is not None and tenant.default_policy_id:
        row = await get_row(session, EscalationPolicy, tenant_id, tenant.default_policy_id)
        if row is not None:
            return PolicyChoice(policy=snapshot(row), reason=prefix + "tenant default")
    return PolicyChoice(policy=None, reason=prefix + "no route matched and the tenant has no default policy")


def _targets(policy: EscalationPolicy) -> list[dict[str, Any]]:
    return [target for level in policy.levels for target in level["targets"]]


async def policies_using(session: AsyncSession, tenant_id: str, target_type: str, target_id: str) -> list[str]:
    """Names of the policies with a level that targets this user / team / schedule / channel."""
    return [
        policy.name
        for policy in await list_rows(session, EscalationPolicy, tenant_id)
        if any(t["type"] == target_type and t.get("id") == target_id for t in _targets(policy))
    ]
