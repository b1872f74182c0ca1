"""Responders, schedules and policies written straight into PostgreSQL for workflow tests
(the REST API's own tests create them through the API)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.tables import EscalationPolicy, Schedule, Team, Tenant, User


async def add_user(
    sessions: async_sessionmaker[AsyncSession],
    tenant_id: str,
    name: str,
    hook_url: str,
    *,
    manager_id: str | None = None,
    later_after: timedelta | None = None,
) -> str:
    """A user paged by webhook at `<hook_url>/<name>`; with `later_after`, also at `/<name>-late` that much later."""
    methods = [{"id": "hook", "type": "webhook", "address": f"{hook_url}/{name}", "label": ""}]
    rules: list[dict[str, Any]] = [{"contact_method_id": "hook", "delay_minutes": 0}]
    if later_after is not None:
        methods.append({"id": "late", "type": "webhook", "address": f"{hook_url}/{name}-late", "label": ""})
        rules.append({"contact_method_id": "late", "delay_minutes": int(later_after.total_seconds() // 60)})
    user_id = str(uuid.uuid4())
    async with sessions.begin() as session:
        session.add(
            User(
                id=user_id,
                tenant_id=tenant_id,
                name=name,
                email=f"{name}-{user_id[:8]}@example.com",
                manager_id=manager_id,
                contact_methods=methods,
                notification_rules=rules,
            )
        )
    return user_id


async def add_team(sessions: async_sessionmaker[AsyncSession], tenant_id: str, name: str, members: list[str]) -> str:
    team_id = str(uuid.uuid4())
    async with sessions.begin() as session:
        session.add(Team(id=team_id, tenant_id=tenant_id, name=name, member_ids=members))
    return team_id


async def add_schedule(sessions: async_sessionmaker[AsyncSession], tenant_id: str, spec: dict[str, Any]) -> str:
    schedule_id = str(uuid.uuid4())
    async with sessions.begin() as session:
        session.add(Schedule(id=schedule_id, tenant_id=tenant_id, name=f"schedule-{schedule_id[:8]}", spec=spec))
    return schedule_id


def level(*targets: tuple[str, str | None], minutes: float) -> dict[str, Any]:
    return {
        "targets": [{"type": kind, "id": target_id} for kind, target_id in targets],
        "delay_seconds": int(minutes * 60),
    }


async def add_policy(
    sessions: async_sessionmaker[AsyncSession],
    tenant_id: str,
    levels: list[dict[str, Any]],
    *,
    repeat: int = 0,
    ack_timeout: timedelta | None = None,
    default: bool = False,
) -> str:
    policy_id = str(uuid.uuid4())
    async with sessions.begin() as session:
        session.add(
            EscalationPolicy(
                id=policy_id,
                tenant_id=tenant_id,
                name=f"policy-{policy_id[:8]}",
                levels=levels,
                repeat=repeat,
                ack_timeout_seconds=int(ack_timeout.total_seconds()) if ack_timeout else None,
            )
        )
        if default:
            tenant = await session.get(Tenant, tenant_id)
            assert tenant is not None
            tenant.default_policy_id = policy_id
    return policy_id
