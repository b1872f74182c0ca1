"""Projection writes made by the alert workflow's activities.

Each write is idempotent: the alert row only moves forward (`version` guard) and timeline
entries carry a dedup string, so an activity retried after a crash changes nothing twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Alert, AlertEvent, AlertMember
from workflows.ids import bounded
from workflows.payloads import AlertStatus, AlertView, MemberRecord, TimelineEntry


def _row_values(view: AlertView) -> dict[str, Any]:
    content = view.content
    return {
        "tenant_id": view.tenant_id,
        "workflow_id": view.workflow_id,
        "dedup_key": view.key,
        "title": content.title,
        "description": content.description,
        "severity": content.severity.value,
        "category": content.category.value,
        "source": content.source,
        "labels": content.labels,
        "annotations": content.annotations,
        "status": view.status.value,
        "event_count": view.event_count,
        "created_at": view.first_seen,
        "last_seen": view.last_seen,
        "acknowledged_at": view.acknowledged_at,
        "acknowledged_by": view.acknowledged_by,
        "resolved_at": view.resolved_at,
        "resolved_by": view.resolved_by,
        "next_notification_at": view.next_notification_at,
        "notify_cycle": view.notify_cycle,
        "version": view.version,
        "snoozed_until": view.snoozed_until,
        "channel_ids": [channel.id for channel in view.channels],
        "firing_members": view.firing_members,
        "resolved_members": view.resolved_members,
        **_escalation_values(view),
    }


def _escalation_values(view: AlertView) -> dict[str, Any]:
    escalation = view.escalation
    if escalation is None:
        return {}
    return {
        "escalation_policy_id": escalation.policy.id,
        "escalation_level": escalation.level + 1,
        "next_escalation_at": escalation.next_escalation_at,
        "escalation": escalation.model_dump(mode="json", exclude={"scheduled"}),
    }


async def upsert_alert(*, session: AsyncSession, view: AlertView) -> None:
    values = _row_values(view)
    statement = insert(Alert).values(id=view.alert_id, **values)
    statement = statement.on_conflict_do_update(
        index_elements=[Alert.id],
        set_={key: statement.excluded[key] for key in values if key != "created_at"},
        where=Alert.version < statement.excluded.version,
    )
    await session.execute(statement)


TIMELINE_DEDUP_MAX = 400  # alert_events.dedup


async def add_timeline_entry(
    *, session: AsyncSession, tenant_id: str, alert_id: str, dedup: str, entry: TimelineEntry
) -> None:
    """`dedup` makes retries write one entry; a long one (a page's idempotency key under a 255-character
    dedup key) is `bounded` to the column, so it still fits and stays distinct."""
    statement = insert(AlertEvent).values(
        tenant_id=tenant_id,
        alert_id=alert_id,
        dedup=bounded(dedup, TIMELINE_DEDUP_MAX),
        at=entry.at,
        kind=entry.kind,
        actor=entry.actor,
        message=entry.message,
        details=entry.details,
    )
    await session.execute(statement.on_conflict_do_nothing(constraint="uq_alert_events_alert_dedup"))


MEMBER_ROWS_PER_STATEMENT = 1000  # rows of one multi-row INSERT (PostgreSQL takes at most 32,767 parameters)


async def upsert_members(*, session: AsyncSession, view: AlertView, members: list[MemberRecord]) -> None:
    """Write the members that changed, each change with its timeline entry (`member_firing` /
    `member_resolved`, details `{"member": key}`). A row only moves forward (`transitions`, then
    `event_count`), so a retried write changes nothing twice. Multi-row statements of at most
    MEMBER_ROWS_PER_STATEMENT rows: an incident of 10,000 members writes in about a second."""
    latest: dict[str, MemberRecord] = {}
    for member in members:  # one row per key and statement: the furthest change of each
        seen = latest.get(member.key)
        if seen is None or (member.transitions, member.events) >= (seen.transitions, seen.events):
            latest[member.key] = member
    changes = list(latest.values())
    for firing in (True, False):
        of_kind = [member for member in changes if member.firing is firing]
        for start in range(0, len(of_kind), MEMBER_ROWS_PER_STATEMENT):
            await _upsert_member_rows(session, view, of_kind[start : start + MEMBER_ROWS_PER_STATEMENT], firing)
    entries = [_member_entry(view, member) for member in changes]
    for start in range(0, len(entries), MEMBER_ROWS_PER_STATEMENT):
        statement = insert(AlertEvent).values(entries[start : start + MEMBER_ROWS_PER_STATEMENT])
        await session.execute(statement.on_conflict_do_nothing(constraint="uq_alert_events_alert_dedup"))
    if view.status == AlertStatus.RESOLVED and view.firing_members:
        # Resolved by hand with members still firing: they end with the incident.
        await session.execute(
            update(AlertMember)
            .where(AlertMember.alert_id == view.alert_id, AlertMember.status == "firing")
            .values(status="resolved", resolved_at=view.resolved_at)
        )


async def _upsert_member_rows(
    session: AsyncSession, view: AlertView, members: list[MemberRecord], firing: bool
) -> None:
    """One multi-row upsert of members that all fire (labels and title are rewritten) or all resolve
    (a resolve is not a sighting: `last_seen` stays)."""
    rows = [
        {
            "alert_id": view.alert_id,
            "key": member.key,
            "tenant_id": view.tenant_id,
            "first_seen": member.at,
            "labels": member.labels,
            "title": member.title,
            "status": "firing" if firing else "resolved",
            "transitions": member.transitions,
            "event_count": member.events,
            "last_seen": member.at,
            "resolved_at": None if firing else member.at,
        }
        for member in members
    ]
    statement = insert(AlertMember).values(rows)
    changed = ["status", "transitions", "event_count", "resolved_at"]
    changed += ["last_seen", "labels", "title"] if firing else []
    newer = (AlertMember.transitions < statement.excluded.transitions) | (
        (AlertMember.transitions == statement.excluded.transitions)
        & (AlertMember.event_count < statement.excluded.event_count)
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[AlertMember.alert_id, AlertMember.key],
            set_={name: statement.excluded[name] for name in changed},
            where=newer,
        )
    )


def _member_entry(view: AlertView, member: MemberRecord) -> dict[str, Any]:
    """The timeline row of one member change (an `alert_events` row's values)."""
    label_text = ", ".join(f"{name}={value}" for name, value in sorted(member.labels.items()))
    message = (member.title + (f" ({label_text})" if label_text else "")) if member.firing else "resolved"
    return {
        "tenant_id": view.tenant_id,
        "alert_id": view.alert_id,
        "dedup": bounded(f"member:{member.key}:{member.transitions}", TIMELINE_DEDUP_MAX),
        "at": member.at,
        "kind": "member_firing" if member.firing else "member_resolved",
        "actor": None,
        "message": message,
        "details": {"member": member.key},
    }
