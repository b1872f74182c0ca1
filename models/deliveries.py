"""The deliveries table (`notifications`): one row per notification, updated per attempt."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.cursors import decode_cursor, encode_cursor
from models.tables import Notification


async def begin_attempt(
    *,
    session: AsyncSession,
    idempotency_key: str,
    tenant_id: str,
    alert_id: str,
    channel_id: str,
    channel_name: str,
    channel_type: str,
    event: str,
    user_id: str | None = None,
) -> Notification:
    """Create the delivery row on the first attempt, count the attempt, and return the row
    (locked for this transaction). A row already `delivered` means: do not send again.

    One round trip (an upsert that returns the row) unless the row was delivered already."""
    upsert = (
        insert(Notification)
        .values(
            id=str(uuid.uuid4()),
            tenant_id=tenant_id,
            alert_id=alert_id,
            channel_id=channel_id,
            channel_name=channel_name,
            channel_type=channel_type,
            event=event,
            user_id=user_id,
            idempotency_key=idempotency_key,
            status="sending",
            attempts=1,
        )
        .on_conflict_do_update(
            index_elements=[Notification.idempotency_key],
            # provider_status: this attempt has no answer yet (fire_may_have_reached reads it)
            set_={
                "attempts": Notification.attempts + 1,
                "status": "sending",
                "provider_status": None,
                "updated_at": func.now(),
            },
            where=Notification.status != "delivered",
        )
        .returning(Notification)
    )
    row: Notification | None = await session.scalar(
        select(Notification).from_statement(upsert).execution_options(populate_existing=True)
    )
    if row is None:  # delivered by an earlier attempt: the conflict changed nothing
        row = await session.scalar(
            select(Notification).where(Notification.idempotency_key == idempotency_key).with_for_update()
        )
    assert row is not None
    return row


async def deliveries_of_alert(*, session: AsyncSession, alert_id: str) -> Sequence[Notification]:
    rows = await session.scalars(
        select(Notification).where(Notification.alert_id == alert_id).order_by(Notification.created_at)
    )
    return rows.all()


async def get_delivery(*, session: AsyncSession, idempotency_key: str) -> Notification | None:
    return await session.scalar(select(Notification).where(Notification.idempotency_key == idempotency_key))


async def finish_attempt(
    *,
    session: AsyncSession,
    idempotency_key: str,
    status: str,
    at: datetime,
    provider_status: int | None,
    error: str | None,
    provider_message_id: str | None = None,
) -> None:
    """Record an attempt's outcome on the delivery row, in one UPDATE. `delivered` also sets `delivered_at`
    and `latency_ms` (from the row's creation to `at`, whole milliseconds)."""
    values: dict[str, Any] = {
        "status": status,
        "provider_status": provider_status,
        "last_error": error,
        "updated_at": func.now(),
    }
    if provider_message_id:
        values["provider_message_id"] = provider_message_id[:200]
    if status == "delivered":
        values["delivered_at"] = at
        elapsed = func.extract("epoch", literal(at, DateTime(timezone=True)) - Notification.created_at)
        values["latency_ms"] = cast(func.floor(elapsed * 1000), Integer)
    await session.execute(update(Notification).where(Notification.idempotency_key == idempotency_key).values(**values))


FIRE_EVENTS = ("triggered", "renotified", "escalated")  # a notice that the alert fired (the others follow one)


async def fire_may_have_reached(*, session: AsyncSession, alert_id: str, channel_id: str, user_id: str | None) -> bool:
    """Whether a fire notice of this alert (triggered, re-notified or escalated) was accepted by this
    channel (or person's contact method), or may have reached it: its last attempt got no answer
    (it is in progress, it timed out, the connection failed or dropped, or Herald stopped waiting
    for it), so the receiver may have it. Not reached: the last attempt of every fire notice was
    answered with an error status, or no fire notice was attempted at all."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    Notification.alert_id == alert_id,
                    Notification.channel_id == channel_id,
                    Notification.user_id.is_(None) if user_id is None else Notification.user_id == user_id,
                    Notification.event.in_(FIRE_EVENTS),
                    or_(
                        Notification.status.in_(("delivered", "sending")),
                        and_(Notification.status.in_(("retrying", "failed")), Notification.provider_status.is_(None)),
                    ),
                )
            )
        )
    )


async def previous_message_id(
    *, session: AsyncSession, alert_id: str, channel_id: str, user_id: str | None
) -> str | None:
    """The provider id of the last message this alert got delivered to this channel (or person's contact method)."""
    return await session.scalar(
        select(Notification.provider_message_id)
        .where(
            Notification.alert_id == alert_id,
            Notification.channel_id == channel_id,
            Notification.user_id.is_(None) if user_id is None else Notification.user_id == user_id,
            Notification.status == "delivered",
            Notification.provider_message_id.is_not(None),
        )
        .order_by(Notification.delivered_at.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class DeliveryFilter:
    tenant_id: str
    statuses: list[str] = field(default_factory=list)
    channel_types: list[str] = field(default_factory=list)
    channel_id: str | None = None
    user_id: str | None = None
    alert_id: str | None = None
    events: list[str] = field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class DeliveryPage:
    items: Sequence[Notification]
    next_cursor: str | None


async def list_deliveries(
    *, session: AsyncSession, flt: DeliveryFilter, limit: int, cursor: str | None
) -> DeliveryPage:
    """Newest first; `cursor` is the previous page's `next_cursor`."""
    where: list[ColumnElement[bool]] = [Notification.tenant_id == flt.tenant_id]
    if flt.statuses:
        where.append(Notification.status.in_(flt.statuses))
    if flt.channel_types:
        where.append(Notification.channel_type.in_(flt.channel_types))
    if flt.events:
        where.append(Notification.event.in_(flt.events))
    for column, value in (
        (Notification.channel_id, flt.channel_id),
        (Notification.user_id, flt.user_id),
        (Notification.alert_id, flt.alert_id),
    ):
        if value is not None:
            where.append(column == value)
    if flt.since is not None:
        where.append(Notification.created_at >= flt.since)
    if flt.until is not None:
        where.append(Notification.created_at < flt.until)
    if cursor is not None:
        before = decode_cursor(cursor, "created_at", datetime.fromisoformat)
        where.append(tuple_(Notification.created_at, Notification.id) < tuple_(*before))
    order = (Notification.created_at.desc(), Notification.id.desc())
    rows = (await session.scalars(select(Notification).where(*where).order_by(*order).limit(limit + 1))).all()
    last = rows[limit - 1] if len(rows) > limit else None
    return DeliveryPage(rows[:limit], encode_cursor("created_at", last.created_at, last.id) if last else None)


@dataclass(frozen=True)
class ChannelStats:
    channel_type: str
    channel_id: str
    channel_name: str
    total: int
    delivered: int
    failed: int
    pending: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None


async def delivery_stats(
    *, session: AsyncSession, tenant_id: str, since: datetime, until: datetime
) -> list[ChannelStats]:
    """Outcomes per channel; pages to people are grouped per contact-method type (channel id `user:<type>`)."""
    paged = Notification.user_id.is_not(None)
    channel = case((paged, literal("user:") + Notification.channel_type), else_=Notification.channel_id)
    name = case(
        (paged, literal("people (") + Notification.channel_type + literal(")")), else_=Notification.channel_name
    )
    latency = Notification.latency_ms
    rows = await session.execute(
        select(
            Notification.channel_type,
            channel,
            func.max(name),
            func.count(),
            func.count().filter(Notification.status == "delivered"),
            func.count().filter(Notification.status == "failed"),
            func.percentile_cont(0.5).within_group(latency),
            func.percentile_cont(0.95).within_group(latency),
        )
        .where(Notification.tenant_id == tenant_id, Notification.created_at >= since, Notification.created_at < until)
        .group_by(Notification.channel_type, channel)
        .order_by(Notification.channel_type, channel)
    )
    return [
        ChannelStats(
            channel_type=kind,
            channel_id=str(channel_id),
            channel_name=str(channel_name),
            total=int(total),
            delivered=int(delivered),
            failed=int(failed),
            pending=int(total) - int(delivered) - int(failed),
            latency_p50_ms=float(p50) if p50 is not None else None,
            latency_p95_ms=float(p95) if p95 is not None else None,
        )
        for kind, channel_id, channel_name, total, delivered, failed, p50, p95 in rows.all()
    ]
