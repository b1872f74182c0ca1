"""Silences that expire when every alert they matched has resolved (`expire_when_resolved`,
Alertmanager issue #1057).

Such a silence expires — its `ends_at` becomes that moment and its comment says why — once it has
matched at least one firing alert member during its life (`matched_at`) and no firing member of
its tenant matches it any more. It is event-driven, never polled: the projection activity that
writes `alert_members` calls `note_matches` with the label sets of the members it wrote firing
(same transaction) and, after that write has committed, `expire_resolved` with the label sets of
the members it wrote resolved (a fresh transaction, so that of two members resolving at once the
later check sees both). The API marks a silence matched when it is created while firing members
match it (`firing_member_matches`). A silence that never matched a firing member keeps its
`ends_at`.

Every query reads one tenant's rows: its active flagged silences (index `tenant_id, ends_at`) and
its firing members, narrowed by the silence's non-empty `=` matchers through the GIN index on
`alert_members.labels`, the other matchers applied in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import AlertMember, Silence
from noise.matchers import Matcher, matches
from noise.silences import stored_matchers

EXPIRED_NOTE = "[expired by herald: every alert it matched has resolved]"


def _flagged_active(tenant_id: str, at: datetime) -> ColumnElement[bool]:
    return (
        (Silence.tenant_id == tenant_id)
        & Silence.expire_when_resolved.is_(True)
        & (Silence.starts_at <= at)
        & (Silence.ends_at > at)
    )


async def firing_member_matches(*, session: AsyncSession, tenant_id: str, matchers: Sequence[Matcher]) -> bool:
    """Whether any firing alert member of the tenant has labels that all `matchers` match."""
    equal = {m.name: m.value for m in matchers if m.op == "=" and m.value}
    query = select(AlertMember.labels).where(AlertMember.tenant_id == tenant_id, AlertMember.status == "firing")
    if equal:
        query = query.where(AlertMember.labels.contains(equal))  # the GIN index narrows the scan
    found = await session.stream_scalars(query.execution_options(yield_per=500))
    async for labels in found:
        if matches(matchers, {str(k): str(v) for k, v in labels.items()}):
            await found.close()
            return True
    return False


async def note_matches(
    *, session: AsyncSession, tenant_id: str, firing: Sequence[dict[str, str]], at: datetime
) -> list[str]:
    """Set `matched_at = at` on the tenant's active `expire_when_resolved` silences not yet matched that
    match one of the `firing` label sets; returns their ids (the caller's transaction commits)."""
    if not firing:
        return []
    rows = await session.execute(
        select(Silence.id, Silence.matchers).where(_flagged_active(tenant_id, at), Silence.matched_at.is_(None))
    )
    ids = [sid for sid, texts in rows if any(matches(stored_matchers(texts), labels) for labels in firing)]
    if ids:
        await session.execute(
            update(Silence).where(Silence.id.in_(ids), Silence.matched_at.is_(None)).values(matched_at=at)
        )
    return ids


async def any_expiring(*, session: AsyncSession, tenant_id: str, at: datetime) -> bool:
    """Whether the tenant has an active, matched `expire_when_resolved` silence: when it has none (the
    usual case), a resolve need not read its members' labels at all."""
    query = select(Silence.id).where(_flagged_active(tenant_id, at), Silence.matched_at.is_not(None)).limit(1)
    return await session.scalar(query) is not None


async def expire_resolved(
    *, session: AsyncSession, tenant_id: str, resolved: Sequence[dict[str, str]], at: datetime
) -> list[str]:
    """Expire, at `at`, the tenant's active matched `expire_when_resolved` silences that match one of the
    `resolved` label sets and no firing member any more; returns their ids (the caller commits).

    Idempotent: a silence already expired is not among the active ones."""
    if not resolved:
        return []
    rows = (
        await session.execute(
            select(Silence)
            .where(_flagged_active(tenant_id, at), Silence.matched_at.is_not(None))
            .order_by(Silence.id)
            .with_for_update()
        )
    ).scalars()
    expired: list[str] = []
    for row in rows:
        matchers = stored_matchers(row.matchers)
        if not any(matches(matchers, labels) for labels in resolved):
            continue
        if await firing_member_matches(session=session, tenant_id=tenant_id, matchers=matchers):
            continue
        row.ends_at = at
        row.comment = f"{row.comment} {EXPIRED_NOTE}" if row.comment else EXPIRED_NOTE
        expired.append(row.id)
    await session.flush()
    return expired
