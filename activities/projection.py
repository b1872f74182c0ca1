"""Projection activities: the alert workflow's writes into PostgreSQL.

They run as local activities (short, idempotent), so a transition costs no extra
round-trip to the Temporal server.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from models.alert_queries import resolved_member_labels
from models.channels import channels_for_alert
from models.policies import choose_policy
from models.projection import add_timeline_entry, upsert_alert, upsert_members
from noise.route_store import opening_grouping
from noise.silence_expiry import any_expiring, expire_resolved, note_matches
from workflows import activity_refs as refs
from workflows.payloads import (
    AlertStatus,
    AlertView,
    ChannelRef,
    ChoosePolicyInput,
    MemberRecord,
    OpenAlertInput,
    OpenedAlert,
    RecordInput,
    TimelineEntry,
)


class ProjectionActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @activity.defn(name=refs.ALERT_OPEN.name)
    async def open_alert(self, request: OpenAlertInput) -> list[ChannelRef]:
        """Project a new alert and resolve the channels it will notify."""
        async with self._sessions.begin() as session:
            return await self._open(session, await self._routed(session, request))

    @staticmethod
    async def _routed(session: AsyncSession, request: OpenAlertInput) -> OpenAlertInput:
        """The request with its route's grouping (walking the tree when the workflow did not pass one)."""
        if request.grouping is not None:
            return request
        view = request.view
        found = await opening_grouping(session, view.tenant_id, view.key, view.content)
        return request.model_copy(update={"grouping": found})

    @activity.defn(name=refs.ALERT_OPEN_ESCALATING.name)
    async def open_escalating(self, request: OpenAlertInput) -> OpenedAlert:
        """`alert.open`, and choose the escalation policy (timeline entry 2 says which and why)."""
        view = request.view
        async with self._sessions.begin() as session:
            request = await self._routed(session, request)
            channels = await self._open(session, request)
            choice = await choose_policy(
                session,
                ChoosePolicyInput(
                    tenant_id=view.tenant_id,
                    policy_id=request.policy_id,
                    content=view.content,
                    grouping=request.grouping,
                ),
            )
            if choice.policy is not None:
                message = f"escalation policy '{choice.policy.name}' ({choice.reason})"
            else:
                message = f"no escalation policy ({choice.reason}); notifying channels only"
            await add_timeline_entry(
                session=session,
                tenant_id=view.tenant_id,
                alert_id=view.alert_id,
                dedup="seq:2",
                entry=TimelineEntry(kind="policy", at=request.entry.at, actor="herald", message=message),
            )
        return OpenedAlert(channels=channels, policy=choice)

    async def _open(self, session: AsyncSession, request: OpenAlertInput) -> list[ChannelRef]:
        view = request.view
        # The alert's own channels, else its route's, else the tenant's default channels.
        wanted = request.channel_ids
        if wanted is None and request.grouping is not None:
            wanted = request.grouping.channel_ids
        channels = await channels_for_alert(session=session, tenant_id=view.tenant_id, channel_ids=wanted)
        opened_channels = [ChannelRef(id=c.id, name=c.name, type=c.type) for c in channels]
        # The row names its channels from the start: a delete of one of them is refused while it is open.
        await upsert_alert(session=session, view=view.model_copy(update={"channels": opened_channels}))
        await add_timeline_entry(
            session=session, tenant_id=view.tenant_id, alert_id=view.alert_id, dedup="seq:1", entry=request.entry
        )
        await _upsert_members(session, view, request.members)
        missing = sorted(set(wanted or []) - {c.id for c in channels})
        if missing:
            # Deleted between ingest (which checked them) and now: say so, never drop silently.
            await add_timeline_entry(
                session=session,
                tenant_id=view.tenant_id,
                alert_id=view.alert_id,
                dedup="open:missing-channels",
                entry=TimelineEntry(
                    kind="notification_failed",
                    at=request.entry.at,
                    actor="herald",
                    message=f"listed channels no longer exist: {', '.join(missing)}",
                ),
            )
        return opened_channels

    @activity.defn(name=refs.ALERT_RECORD.name)
    async def record(self, request: RecordInput) -> None:
        view = request.view
        async with self._sessions.begin() as session:
            await upsert_alert(session=session, view=view)
            await _upsert_members(session, view, request.members)
            if request.entry is not None and request.seq is not None:
                await add_timeline_entry(
                    session=session,
                    tenant_id=view.tenant_id,
                    alert_id=view.alert_id,
                    dedup=f"seq:{request.seq}",
                    entry=request.entry,
                )
        resolved = [member.key for member in request.members if not member.firing]
        if resolved or view.status == AlertStatus.RESOLVED:
            # After the write committed: of two members resolving at once, the later check sees both resolved.
            async with self._sessions.begin() as session:
                now = datetime.now(UTC)
                if await any_expiring(session=session, tenant_id=view.tenant_id, at=now):
                    keys = None if view.status == AlertStatus.RESOLVED else resolved
                    labels = await resolved_member_labels(session=session, alert_id=view.alert_id, keys=keys)
                    await expire_resolved(session=session, tenant_id=view.tenant_id, resolved=labels, at=now)


async def _upsert_members(session: AsyncSession, view: AlertView, members: list[MemberRecord]) -> None:
    """Write the members, and mark the `expire_when_resolved` silences the firing ones match as matched."""
    await upsert_members(session=session, view=view, members=members)
    firing = [member.labels for member in members if member.firing]
    await note_matches(session=session, tenant_id=view.tenant_id, firing=firing, at=datetime.now(UTC))
