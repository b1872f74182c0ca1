"""What still points at a user, team, schedule, channel, escalation policy, data source or time interval: the
`used_by` of a refused delete (409).

One function for every delete, so each kind of pointer is checked wherever it matters:
integrations bound to a policy, policy levels, schedule layers and overrides still to come, team members, managers, routes of the
routing tree (policies, channels, time intervals by name), the
tenant default, rules (their channels, policy, data source) and heartbeats, and open alerts (their channels, and the targets of the
policy snapshot they escalate by: an alert keeps the policy it started with, so deleting a user
its snapshot pages would leave a level with nobody to page).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.crud import list_rows
from models.integrations import integrations_using_policy
from models.policies import policies_using
from models.routing_trees import routes_using, tree_row
from models.rule_tables import rules_using_source, sources_using
from models.tables import Alert, Channel, Notification, Schedule, ScheduleOverride, Team, Tenant, TimeInterval, User
from models.timestamps import utc_text

Referenced = Literal["user", "team", "schedule", "channel", "policy", "data_source", "time_interval"]
ALERTS_NAMED = 10  # open alerts named in a 409; the rest are counted


async def references(session: AsyncSession, tenant_id: str, kind: Referenced, target_id: str) -> list[str]:
    """Names of what points at this `kind` of object (`policy 'Std'`, `open alert 'Disk full' (id)`);
    empty when it can go."""
    if kind == "time_interval":
        return await _routes_using(session, tenant_id, kind, target_id)
    if kind == "data_source":
        return [
            f"rule '{name}'"
            for name in await rules_using_source(session=session, tenant_id=tenant_id, source_id=target_id)
        ]
    found: list[str] = []
    if kind != "policy":
        found += [f"policy '{name}'" for name in await policies_using(session, tenant_id, kind, target_id)]
    if kind == "user":
        found += await _user_pointers(session, tenant_id, target_id)
    if kind in ("policy", "channel"):
        found += await _routes_using(session, tenant_id, kind, target_id)
    if kind == "policy":
        tenant = await session.get(Tenant, tenant_id)
        if tenant is not None and tenant.default_policy_id == target_id:
            found.append("the tenant default")
    if kind == "channel":
        found += await sources_using(session, tenant_id, channel_id=target_id)
    if kind == "policy":
        found += await sources_using(session, tenant_id, policy_id=target_id)
        found += [f"integration '{name}'" for name in await integrations_using_policy(session, tenant_id, target_id)]
    else:
        found += await _open_alerts_using(session, tenant_id, kind, target_id)
    return found


async def _routes_using(session: AsyncSession, tenant_id: str, kind: Referenced, target_id: str) -> list[str]:
    """The routes of the tenant's tree that name it (a time interval by its name, as routes do)."""
    row = await tree_row(session, tenant_id)
    if row is None:
        return []
    if kind == "policy":
        return routes_using(row.tree, policy_id=target_id)
    if kind == "channel":
        return routes_using(row.tree, channel_id=target_id)
    interval = await session.get(TimeInterval, target_id)
    if interval is None or interval.tenant_id != tenant_id:
        return []
    return routes_using(row.tree, interval=interval.name)


async def _user_pointers(session: AsyncSession, tenant_id: str, user_id: str) -> list[str]:
    found = [
        f"schedule '{schedule.name}'"
        for schedule in await list_rows(session, Schedule, tenant_id)
        if any(user_id in layer.get("participants", []) for layer in schedule.spec.get("layers", []))
    ]
    found += [f"team '{team.name}'" for team in await list_rows(session, Team, tenant_id) if user_id in team.member_ids]
    overrides = await session.execute(
        select(Schedule.name, ScheduleOverride.starts_at)
        .join(Schedule, Schedule.id == ScheduleOverride.schedule_id)
        .where(
            ScheduleOverride.tenant_id == tenant_id,
            ScheduleOverride.user_id == user_id,
            ScheduleOverride.ends_at > datetime.now(UTC),
        )
        .order_by(ScheduleOverride.starts_at)
    )
    found += [f"an override of schedule '{name}' from {utc_text(start)}" for name, start in overrides]
    reports = await session.scalars(
        select(User.name).where(User.tenant_id == tenant_id, User.manager_id == user_id).order_by(User.name)
    )
    found += [f"the manager of user '{name}'" for name in reports]
    return found


async def _sole_carrier_of(session: AsyncSession, tenant_id: str, channel_id: str) -> str | None:
    """The contact-method type (sms, email, push...) this channel alone carries pages of: people's
    contact methods of a type go through the tenant's channel of that type, so deleting the only
    one leaves their pages nowhere to go (webhook contact methods need no channel)."""
    channel = await session.get(Channel, channel_id)
    if channel is None or channel.tenant_id != tenant_id or channel.type == "webhook":
        return None
    others = await session.scalar(
        select(func.count()).where(
            Channel.tenant_id == tenant_id, Channel.type == channel.type, Channel.id != channel_id
        )
    )
    return None if others else channel.type


def _targeted_by_snapshot(kind: str, target_id: str) -> ColumnElement[bool]:
    """The alert's policy snapshot has a level with this target (JSONB containment)."""
    pattern: dict[str, Any] = {"policy": {"levels": [{"targets": [{"type": kind, "id": target_id}]}]}}
    return Alert.escalation.contains(pattern)


async def _open_alerts_using(session: AsyncSession, tenant_id: str, kind: Referenced, target_id: str) -> list[str]:
    used = _targeted_by_snapshot(kind, target_id)
    if kind == "channel":
        used = or_(used, Alert.channel_ids.contains([target_id]))
        carrier = await _sole_carrier_of(session, tenant_id, target_id)
        if carrier is not None:  # people's contact methods of its type are paged through it
            paged = exists().where(
                Notification.alert_id == Alert.id,
                Notification.user_id.is_not(None),
                Notification.channel_type == carrier,
            )
            used = or_(used, paged)
    where = (Alert.tenant_id == tenant_id, Alert.status != "resolved", used)
    rows = await session.execute(
        select(Alert.id, Alert.title).where(*where).order_by(Alert.created_at).limit(ALERTS_NAMED)
    )
    found = [f"open alert '{title}' ({alert_id})" for alert_id, title in rows]
    if len(found) == ALERTS_NAMED:
        total = int((await session.execute(select(func.count()).select_from(Alert).where(*where))).scalar_one())
        if total > ALERTS_NAMED:
            found.append(f"{total - ALERTS_NAMED} more open alerts")
    return found
