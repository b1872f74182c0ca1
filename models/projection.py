"""Projection writes made by the alert workflow's activities.

Each write is idempotent: the alert row only moves forward (`version` guard) and timeline
entries carry a dedup string, so an activity retried after a crash changes nothing twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, bindparam, cast, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.alert_changes import CHANNEL, NEXT_CHANGE
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


# The `excluded` pseudo-tables of the upserts below, built once: SQLAlchemy would otherwise build a
# column collection for every statement (a tenth of the worker's CPU in an alert storm).
_ALERT_EXCLUDED = insert(Alert).excluded
_MEMBER_EXCLUDED = insert(AlertMember).excluded


# The alert upsert for each set of columns a view writes (with and without an escalation), built once with bound
# parameters: SQLAlchemy then reuses the statement's cache key and compiled form instead of building a
# 30-column insert, its conflict clause and their cache key on every write (bench/engine_cost.py found statement
# building the largest part of the worker's busy time).
_ALERT_UPSERTS: dict[tuple[str, ...], Any] = {}


def _alert_upsert(columns: tuple[str, ...]) -> Any:
    found = _ALERT_UPSERTS.get(columns)
    if found is None:
        statement = insert(Alert).values({"id": bindparam("id"), **{name: bindparam(name) for name in columns}})
        written = (
            statement.on_conflict_do_update(
                index_elements=[Alert.id],
                set_={
                    **{name: _ALERT_EXCLUDED[name] for name in columns if name != "created_at"},
                    "change_seq": NEXT_CHANGE,
                },
                where=Alert.version < _ALERT_EXCLUDED.version,
            )
            .returning(Alert.tenant_id, Alert.id, Alert.version)
            .cte("written")
        )
        payload = written.c.tenant_id + ":" + written.c.id + ":" + cast(written.c.version, Text)
        found = _ALERT_UPSERTS[columns] = select(func.pg_notify(CHANNEL, payload)).select_from(written)
    return found


async def upsert_alert(*, session: AsyncSession, view: AlertView) -> None:
    """Write the alert row if `view` is newer than it. A write takes the next change number and, in the
    same statement, tells the console's live streams (NOTIFY, delivered when the caller's transaction
    commits): `<tenant>:<alert id>:<version>` (models/alert_changes.py)."""
    values = _row_values(view)
    await session.execute(_alert_upsert(tuple(values)), {"id": view.alert_id, **values})


TIMELINE_DEDUP_MAX = 400  # alert_events.dedup


def _timeline_row(tenant_id: str, alert_id: str, dedup: str, entry: TimelineEntry) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "alert_id": alert_id,
        "dedup": bounded(dedup, TIMELINE_DEDUP_MAX),
        "at": entry.at,
        "kind": entry.kind,
        "actor": entry.actor,
        "message": entry.message,
        "details": entry.details,
    }


async def add_timeline_entry(
    *, session: AsyncSession, tenant_id: str, alert_id: str, dedup: str, entry: TimelineEntry
) -> None:
    """`dedup` makes retries write one entry; a long one (a page's idempotency key under a 255-character
    dedup key) is `bounded` to the column, so it still fits and stays distinct."""
    await session.execute(_TIMELINE_INSERT, _timeline_row(tenant_id, alert_id, dedup, entry))


def _member_upsert(firing: bool) -> Any:
    """The upsert of a member that fires, or resolves (a resolve is not a sighting: it leaves
    `last_seen`, `labels` and `title`); a row only moves forward (`transitions`, then `event_count`)."""
    updated = ["status", "transitions", "event_count", "resolved_at", "ends_at"]
    updated += ["labels", "title", "last_seen", "annotations", "generator_url", "starts_at"] if firing else []
    newer = (AlertMember.transitions < _MEMBER_EXCLUDED.transitions) | (
        (AlertMember.transitions == _MEMBER_EXCLUDED.transitions)
        & (AlertMember.event_count < _MEMBER_EXCLUDED.event_count)
    )
    return insert(AlertMember).on_conflict_do_update(
        index_elements=[AlertMember.alert_id, AlertMember.key],
        set_={key: _MEMBER_EXCLUDED[key] for key in updated},
        where=newer,
    )


# Built once and run with many parameter sets: compiled once per process (SQLAlchemy's cache), not
# once per write as a multi-row VALUES statement of varying length would be.
_FIRING_UPSERT = _member_upsert(firing=True)
_RESOLVED_UPSERT = _member_upsert(firing=False)
_TIMELINE_INSERT = insert(AlertEvent).on_conflict_do_nothing(constraint="uq_alert_events_alert_dedup")


async def upsert_members(*, session: AsyncSession, view: AlertView, members: list[MemberRecord]) -> None:
    """Write the members that changed (distinct keys), each change with its timeline entry
    (`member_firing` / `member_resolved`, details `{"member": key}`): three statements, each run
    with many parameter sets. A row only moves forward, so a retried write changes nothing twice."""
    for firing, statement in ((True, _FIRING_UPSERT), (False, _RESOLVED_UPSERT)):
        rows = [_member_row(view, member) for member in members if member.firing == firing]
        if rows:
            await session.execute(statement, rows)
    if members:
        await session.execute(_TIMELINE_INSERT, [_member_entry(view, member) for member in members])
    if view.status == AlertStatus.RESOLVED and view.firing_members:
        # Resolved by hand with members still firing: they end with the incident.
        await session.execute(
            update(AlertMember)
            .where(AlertMember.alert_id == view.alert_id, AlertMember.status == "firing")
            .values(status="resolved", resolved_at=view.resolved_at)
        )


def _member_row(view: AlertView, member: MemberRecord) -> dict[str, Any]:
    return {
        "alert_id": view.alert_id,
        "key": member.key,
        "tenant_id": view.tenant_id,
        "first_seen": member.at,
        "labels": member.labels,
        "title": member.title,
        "status": "firing" if member.firing else "resolved",
        "transitions": member.transitions,
        "event_count": member.events,
        "last_seen": member.at,
        "resolved_at": None if member.firing else member.at,
        "annotations": member.annotations,
        "generator_url": member.generator_url,
        "starts_at": member.starts_at,
        "ends_at": member.ends_at if member.ends_at is not None or member.firing else member.at,
    }


def _member_entry(view: AlertView, member: MemberRecord) -> dict[str, Any]:
    kind = "member_firing" if member.firing else "member_resolved"
    label_text = ", ".join(f"{name}={value}" for name, value in sorted(member.labels.items()))
    entry = TimelineEntry(
        kind=kind,
        at=member.at,
        actor=None,
        message=(member.title + (f" ({label_text})" if label_text else "")) if member.firing else "resolved",
        details={"member": member.key},
    )
    return _timeline_row(view.tenant_id, view.alert_id, f"member:{member.key}:{member.transitions}", entry)
