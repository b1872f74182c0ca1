"""Whether a fire notice is muted, and why: the one place the notify activity asks.

In order (the first that applies is the reason recorded):

1. an active silence matches the alert (`notification_silenced`, noise/silences.py);
2. an active maintenance window matches it (`notification_suppressed`, noise/maintenance.py);
3. the alert's route (`Grouping`, None for alerts that no route placed) names `mute_time_intervals` and now lies
   in one of them, or names `active_time_intervals` and now lies in none (`notification_muted`,
   noise/time_intervals.py; a name the tenant has no interval for — deleted — contains no instant);
4. an open alert inhibits it (`notification_inhibited`, noise/inhibition.py).

Only fire notices (triggered, renotified, escalated) are ever muted: the caller sends acknowledged and resolved
notices to whoever heard the alert fire, whatever mutes it since. Every check reads the tenant's rows only, and a
bounded number of them; one read first (`active_noise`) says which of silences, maintenance windows and inhibit
rules the tenant has at all, and a kind it has none of is not read again (most notices: one round trip, not three).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import InhibitRule, MaintenanceWindow, Silence
from models.tables import TimeInterval as TimeIntervalRow
from noise.inhibition import inhibiting
from noise.maintenance import in_maintenance
from noise.silences import silencing
from noise.time_intervals import TimeInterval, contains, next_change
from workflows.payloads import Grouping


@dataclass(frozen=True)
class Muted:
    """Why a fire notice is not sent: the timeline entry's kind, the words after the notice's name, its details."""

    kind: str  # notification_silenced / _suppressed / _muted / _inhibited
    reason: str  # "silenced by <id>", "suppressed by maintenance window <id> (<reason>)", ...
    details: dict[str, str] = field(default_factory=dict)
    # When this reason ends at the latest (the last matching silence's or window's end, the interval's
    # next change); None when no instant is known (inhibition ends when its source resolves).
    until: datetime | None = None


@dataclass(frozen=True)
class ActiveNoise:
    """Which kinds of muting a tenant has at an instant: a silence or a maintenance window active then, any
    inhibit rule. A kind it has none of cannot mute a notice, so its check is skipped."""

    silences: bool = True
    windows: bool = True
    inhibit_rules: bool = True

    @property
    def any(self) -> bool:
        return self.silences or self.windows or self.inhibit_rules


async def active_noise(*, session: AsyncSession, tenant_id: str, at: datetime) -> ActiveNoise:
    """One read (three EXISTS over the tenant's indexed rows): what of silences, windows and inhibit rules applies."""
    row = (
        await session.execute(
            select(
                exists().where(Silence.tenant_id == tenant_id, Silence.starts_at <= at, Silence.ends_at > at),
                exists().where(
                    MaintenanceWindow.tenant_id == tenant_id,
                    MaintenanceWindow.starts_at <= at,
                    MaintenanceWindow.ends_at > at,
                ),
                exists().where(InhibitRule.tenant_id == tenant_id),
            )
        )
    ).one()
    return ActiveNoise(silences=bool(row[0]), windows=bool(row[1]), inhibit_rules=bool(row[2]))


async def intervals_named(*, session: AsyncSession, tenant_id: str, names: set[str]) -> dict[str, TimeInterval]:
    """The tenant's time intervals of these names (names it has none of are absent)."""
    if not names:
        return {}
    rows = await session.execute(
        select(TimeIntervalRow.name, TimeIntervalRow.time_intervals).where(
            TimeIntervalRow.tenant_id == tenant_id, TimeIntervalRow.name.in_(names)
        )
    )
    return {name: TimeInterval(name=name, time_intervals=specs) for name, specs in rows}


async def muted_by_time(
    *, session: AsyncSession, tenant_id: str, grouping: Grouping | None, at: datetime
) -> Muted | None:
    """Alertmanager's route time intervals: inside a mute interval, or outside every active one, mutes."""
    if grouping is None or not (grouping.mute_time_intervals or grouping.active_time_intervals):
        return None
    wanted = set(grouping.mute_time_intervals) | set(grouping.active_time_intervals)
    known = await intervals_named(session=session, tenant_id=tenant_id, names=wanted)
    for name in grouping.mute_time_intervals:
        if name in known and contains(known[name], at):
            until = next_change(known[name], at, TIME_HORIZON)
            return Muted("notification_muted", f"muted by time interval '{name}'", {"time_interval": name}, until)
    active = grouping.active_time_intervals
    if active and not any(name in known and contains(known[name], at) for name in active):
        names = ", ".join(f"'{name}'" for name in active)
        changes = [next_change(known[name], at, TIME_HORIZON) for name in active if name in known]
        return Muted(
            "notification_muted",
            f"muted: outside active time intervals {names}",
            {"time_intervals": ",".join(active)},
            min((c for c in changes if c is not None), default=None),
        )
    return None


TIME_HORIZON = timedelta(days=7)  # how far a muted notice looks for its time interval's next change
MEMBERS_CHECKED = 100  # firing members of an incident whose silences, windows and inhibitions are checked


async def muting(
    *,
    session: AsyncSession,
    tenant_id: str,
    alert_id: str,
    labels: dict[str, str],
    grouping: Grouping | None,
    at: datetime,
    members: list[dict[str, str]] | None = None,
    noise: ActiveNoise | None = None,
) -> Muted | None:
    """Why a fire notice of this alert is not to be sent at `at`; None when it is to be sent.

    For an incident, `members` are its firing members' label sets (the first `MEMBERS_CHECKED`
    by key): it is muted by time intervals as a whole, and otherwise only when every one of those
    members is muted (silenced, in maintenance or inhibited), the reason naming what muted them.
    `noise` is what `active_noise` said for the tenant at `at` (read here when not given)."""
    if noise is None:
        noise = await active_noise(session=session, tenant_id=tenant_id, at=at)
    if members:
        by_time = await muted_by_time(session=session, tenant_id=tenant_id, grouping=grouping, at=at)
        if by_time is not None or not noise.any:
            return by_time
        reasons: list[Muted] = []
        for member in members[:MEMBERS_CHECKED]:
            muted = await _muted_alone(
                session=session, tenant_id=tenant_id, alert_id=alert_id, labels=member, at=at, noise=noise
            )
            if muted is None:
                return None  # one member that may page is enough
            reasons.append(muted)
        return _all_members(reasons)
    muted = None
    if noise.any:
        muted = await _muted_alone(
            session=session, tenant_id=tenant_id, alert_id=alert_id, labels=labels, at=at, noise=noise
        )
    if muted is not None and muted.kind != "notification_inhibited":
        return muted
    by_time = await muted_by_time(session=session, tenant_id=tenant_id, grouping=grouping, at=at)
    return by_time or muted


def _all_members(reasons: list[Muted]) -> Muted:
    """One reason for an incident whose firing members are all muted: the first member's kind when
    they agree, else `notification_muted`; details merged (ids joined, each once)."""
    kinds = {muted.kind for muted in reasons}
    kind = reasons[0].kind if len(kinds) == 1 else "notification_muted"
    details: dict[str, list[str]] = {}
    for muted in reasons:
        for name, value in muted.details.items():
            for part in value.split(","):
                if part and part not in details.setdefault(name, []):
                    details[name].append(part)
    said = "; ".join(dict.fromkeys(muted.reason for muted in reasons))
    ends = [muted.until for muted in reasons]
    # The incident may page again as soon as one member's reason ends.
    until = None if None in ends else min(end for end in ends if end is not None)
    return Muted(
        kind, f"all {len(reasons)} firing members muted ({said})", {k: ",".join(v) for k, v in details.items()}, until
    )


async def _muted_alone(
    *, session: AsyncSession, tenant_id: str, alert_id: str, labels: dict[str, str], at: datetime, noise: ActiveNoise
) -> Muted | None:
    """Silences, maintenance windows and inhibition for one label set (in that order; a kind `noise` says the
    tenant has none of is skipped)."""
    silences = await silencing(session=session, tenant_id=tenant_id, labels=labels, at=at) if noise.silences else []
    if silences:
        until = await session.scalar(select(func.max(Silence.ends_at)).where(Silence.id.in_(silences)))
        return Muted(
            "notification_silenced", f"silenced by {', '.join(silences)}", {"silence_ids": ",".join(silences)}, until
        )
    windows = await in_maintenance(session=session, tenant_id=tenant_id, labels=labels, at=at) if noise.windows else []
    if windows:
        named = ", ".join(f"maintenance window {w.id}" + (f" ({w.reason})" if w.reason else "") for w in windows)
        ids = [w.id for w in windows]
        until = await session.scalar(select(func.max(MaintenanceWindow.ends_at)).where(MaintenanceWindow.id.in_(ids)))
        return Muted(
            "notification_suppressed",
            f"suppressed by {named}",
            {"maintenance_window_ids": ",".join(ids), "reason": windows[0].reason},
            until,
        )
    inhibitors = []
    if noise.inhibit_rules:
        inhibitors = await inhibiting(session=session, tenant_id=tenant_id, alert_id=alert_id, labels=labels)
    if inhibitors:
        names = ", ".join(f"alert '{i.title}' ({i.alert_id})" for i in inhibitors)
        details = {
            "inhibited_by": ",".join(i.alert_id for i in inhibitors),
            "inhibit_rule_ids": ",".join(i.rule_id for i in inhibitors),
        }
        return Muted("notification_inhibited", f"inhibited by {names}", details)
    return None
