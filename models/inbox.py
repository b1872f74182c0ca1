"""The ingest inbox: events the API accepted, kept in PostgreSQL until their incidents have them.

Why: a signal per alert caps ingest at what the Temporal server can take one by one; a storm
grouped by alertname needs one signal per incident per batch. The API writes a batch's events
here in its request transaction (a 2xx means durable: they survive a crash of every process) and
wakes the drain (workflows/inbox.py); each drain *cycle* claims the oldest rows, sends each
incident its events as one signal, then deletes them.

A cycle's number comes from the `ingest_inbox_cycle` sequence, so it only grows, whatever happens
to the drain workflow. Claiming marks the rows with it and commits before anything is sent: a
cycle retried after a crash sends exactly the same rows again, under the same number, and an
incident that already took that cycle skips it (`AlertState.inbox_seen`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import IngestInbox
from workflows.payloads import FireEvent

CLAIM_LIMIT = 5000  # events per drain cycle


@dataclass(frozen=True)
class Queued:
    tenant_id: str
    key: str
    event: FireEvent


@dataclass(frozen=True)
class Claimed:
    cycle: int
    events: list[Queued]  # oldest first
    more: bool  # rows were left for the next cycle


async def enqueue(session: AsyncSession, items: Sequence[Queued]) -> None:
    """Add events (in order) in the caller's transaction; durable once it commits."""
    if not items:
        return
    await session.execute(
        insert(IngestInbox),
        [{"tenant_id": i.tenant_id, "key": i.key, "event": i.event.model_dump(mode="json")} for i in items],
    )


async def claim(session: AsyncSession, *, limit: int = CLAIM_LIMIT) -> Claimed | None:
    """The rows of the cycle in progress (one that was claimed and never finished: a retry), else
    the oldest unclaimed rows under a new cycle number; None when the inbox is empty. The caller commits."""
    pending = await session.scalar(select(IngestInbox.cycle).where(IngestInbox.cycle.is_not(None)).limit(1))
    if pending is None:
        oldest = select(IngestInbox.id).where(IngestInbox.cycle.is_(None)).order_by(IngestInbox.id).limit(limit)
        ids = list((await session.scalars(oldest.with_for_update(skip_locked=True))).all())
        if not ids:
            return None
        pending = int(await session.scalar(text("SELECT nextval('ingest_inbox_cycle')")) or 0)
        await session.execute(update(IngestInbox).where(IngestInbox.id.in_(ids)).values(cycle=pending))
    rows = (
        await session.execute(
            select(IngestInbox.tenant_id, IngestInbox.key, IngestInbox.event)
            .where(IngestInbox.cycle == pending)
            .order_by(IngestInbox.id)
        )
    ).all()
    more = await session.scalar(select(IngestInbox.id).where(IngestInbox.cycle.is_(None)).limit(1)) is not None
    events = [Queued(tenant_id, key, FireEvent.model_validate(event)) for tenant_id, key, event in rows]
    return Claimed(cycle=pending, events=events, more=more)


async def forget(session: AsyncSession, cycle: int) -> None:
    """The cycle's events reached their incidents: delete them."""
    await session.execute(delete(IngestInbox).where(IngestInbox.cycle == cycle))


async def backlog(session: AsyncSession) -> int:
    """Events waiting in the inbox (for health and metrics)."""
    return int(await session.scalar(select(text("count(*)")).select_from(IngestInbox)) or 0)
