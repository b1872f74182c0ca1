"""What `GET /api/v2/alerts` and `/api/v2/alerts/groups` read: the tenant's firing incident members
(`alert_members`) as Alertmanager's GettableAlerts, with silences and inhibitions worked out at read
time by noise/ (the same rules the notify activity applies).

Bounded: at most `MAX_ALERTS` members (the most recently seen first) are read per call; inhibition is
looked up per member only when the tenant has inhibit rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from amapi.config import receiver_name
from amapi.fingerprint import fingerprint
from amapi.shapes import AlertmanagerAlertStatus, GettableAlert, Receiver
from models.tables import Alert, AlertMember, Channel, InhibitRule, Silence
from noise.inhibition import inhibiting
from noise.matchers import Matcher, matches
from noise.silences import stored_matchers

MAX_ALERTS = 1_000


@dataclass(frozen=True)
class ListedAlert:
    """One GettableAlert and the incident it belongs to (for grouping)."""

    alert: GettableAlert
    incident_id: str


async def channel_names(*, session: AsyncSession, tenant_id: str) -> dict[str, str]:
    rows = await session.execute(select(Channel.id, Channel.name).where(Channel.tenant_id == tenant_id))
    return {channel_id: name for channel_id, name in rows}


async def _active_silences(session: AsyncSession, tenant_id: str, now: datetime) -> list[tuple[str, list[Matcher]]]:
    rows = await session.execute(
        select(Silence.id, Silence.matchers)
        .where(Silence.tenant_id == tenant_id, Silence.starts_at <= now, Silence.ends_at > now)
        .order_by(Silence.starts_at, Silence.id)
    )
    return [(silence_id, stored_matchers(texts)) for silence_id, texts in rows]


async def firing_alerts(
    *, session: AsyncSession, tenant_id: str, now: datetime, resolve_timeout: timedelta, filters: list[Matcher]
) -> list[ListedAlert]:
    """The tenant's firing members that `filters` all match, most recently seen first (at most MAX_ALERTS).

    A member without an expiry (sent by another door than Alertmanager's) shows `endsAt` as
    `now + resolve_timeout`, as an alert re-sent now would; its receiver is its incident's channels as
    one (amapi.config.receiver_name: `ops+mail`, `none` when it tells nobody)."""
    rows = await session.execute(
        select(AlertMember, Alert.channel_ids)
        .join(Alert, Alert.id == AlertMember.alert_id)
        .where(AlertMember.tenant_id == tenant_id, AlertMember.status == "firing", Alert.status != "resolved")
        .order_by(AlertMember.last_seen.desc(), AlertMember.key)
        .limit(MAX_ALERTS)
    )
    names = await channel_names(session=session, tenant_id=tenant_id)
    silences = await _active_silences(session, tenant_id, now)
    has_rules = (
        await session.scalar(select(InhibitRule.id).where(InhibitRule.tenant_id == tenant_id).limit(1))
    ) is not None
    listed: list[ListedAlert] = []
    for member, channel_ids in rows:
        labels = dict(member.labels)
        if filters and not matches(filters, labels):
            continue
        silenced_by = [silence_id for silence_id, matchers in silences if matches(matchers, labels)]
        inhibited_by: list[str] = []
        if has_rules:
            found = await inhibiting(session=session, tenant_id=tenant_id, alert_id=member.alert_id, labels=labels)
            inhibited_by = [inhibitor.alert_id for inhibitor in found]
        alert = GettableAlert(
            labels=labels,
            annotations=dict(member.annotations),
            startsAt=member.starts_at or member.first_seen,
            endsAt=member.ends_at or now + resolve_timeout,
            updatedAt=member.last_seen,
            generatorURL=member.generator_url,
            fingerprint=fingerprint(labels),
            receivers=[Receiver(name=receiver_name(list(channel_ids), names))],
            status=AlertmanagerAlertStatus(
                state="suppressed" if silenced_by or inhibited_by else "active",
                silencedBy=silenced_by,
                inhibitedBy=inhibited_by,
            ),
        )
        listed.append(ListedAlert(alert, member.alert_id))
    return listed
