"""The audit log: who changed what, when, from where, and the change itself.

`add_entry` inserts one row in the caller's transaction (it never commits): a change and its record
commit together or not at all, and a failed insert fails the change. `before` / `after` arrive
already masked (api/audit.py masks them); here each is bounded to MAX_JSON_BYTES of JSON: a bigger
one is replaced by `{"truncated": true, "bytes": <its size>, "sha256": <of its JSON>}` and the row's
`truncated` is set. Reads are tenant-scoped, newest first, with the cursor of models/cursors.py.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from models.cursors import decode_time_cursor, encode_cursor
from models.tables import AuditEntry, Tenant

MAX_JSON_BYTES = 64 * 1024  # per side (before, after) of one row
ORDER = "-at"


@dataclass(frozen=True)
class Actor:
    """Who acted: the API key (id and name), its person, and the door it came through
    (`api-key`, `console`, `slack`); `detail` adds what the door knows (the Slack user)."""

    key_id: str | None
    key_name: str | None
    user_id: str | None
    via: str
    detail: str | None = None


@dataclass(frozen=True)
class Origin:
    """From where: the client address (as uvicorn reports it, FORWARDED_ALLOW_IPS honoured) and the request id."""

    client_address: str | None
    request_id: str | None


def cli_actor(command: str) -> Actor:
    """An operator command run against the database (`herald api-key create`): no key; who ran it, where."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (a container)
        who = f"uid {os.getuid()}"
    return Actor(
        key_id=None, key_name=None, user_id=None, via="cli", detail=f"herald {command} ({who}@{socket.gethostname()})"
    )


def bounded(value: Any) -> tuple[Any, bool]:
    """`value` as stored, and whether it was cut: JSON over MAX_JSON_BYTES becomes a small summary."""
    if value is None:
        return None, False
    text = json.dumps(value, sort_keys=True, default=str)
    size = len(text.encode())
    if size <= MAX_JSON_BYTES:
        return json.loads(text), False
    return {"truncated": True, "bytes": size, "sha256": hashlib.sha256(text.encode()).hexdigest()}, True


async def add_entry(
    *,
    session: AsyncSession,
    tenant_id: str,
    actor: Actor,
    origin: Origin,
    resource: str,
    resource_id: str | None,
    action: str,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Insert one audit row in the caller's transaction and flush it (so a failing insert fails now,
    inside the change's transaction). `before` / `after` must already be masked."""
    stored_before, cut_before = bounded(before)
    stored_after, cut_after = bounded(after)
    row = AuditEntry(
        tenant_id=tenant_id,
        key_id=actor.key_id,
        key_name=actor.key_name,
        user_id=actor.user_id,
        via=actor.via,
        actor_detail=actor.detail[:200] if actor.detail else None,
        client_address=(origin.client_address or None) and origin.client_address[:64],
        request_id=origin.request_id,
        resource=resource,
        resource_id=None if resource_id is None else str(resource_id)[:200],
        action=action,
        before=stored_before,
        after=stored_after,
        truncated=cut_before or cut_after,
    )
    session.add(row)
    await session.flush()
    return row


@dataclass(frozen=True)
class AuditFilter:
    tenant_id: str
    resource: str | None = None
    resource_id: str | None = None
    actor: str | None = None  # a key id or a user id
    action: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    def conditions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = [AuditEntry.tenant_id == self.tenant_id]
        for column, value in (
            (AuditEntry.resource, self.resource),
            (AuditEntry.resource_id, self.resource_id),
            (AuditEntry.action, self.action),
        ):
            if value is not None:
                where.append(column == value)
        if self.actor is not None:
            where.append(or_(AuditEntry.key_id == self.actor, AuditEntry.user_id == self.actor))
        if self.since is not None:
            where.append(AuditEntry.at >= self.since)
        if self.until is not None:
            where.append(AuditEntry.at < self.until)
        return where


@dataclass(frozen=True)
class AuditPage:
    items: Sequence[AuditEntry]
    next_cursor: str | None


Position = tuple[datetime, int]  # (at, id): the order of the log, newest first


def read_cursor(cursor: str) -> Position:
    """The position a `next_cursor` holds; InvalidQuery("cursor") for anything this API did not return."""
    return decode_time_cursor(cursor, ORDER)


def _newest_first(query: Any) -> Any:
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


async def list_entries(*, session: AsyncSession, flt: AuditFilter, limit: int, cursor: str | None) -> AuditPage:
    """The tenant's rows matching `flt`, newest first (`at`, then id), `limit` of them after `cursor`
    (a previous page's `next_cursor`; InvalidQuery("cursor") for any other)."""
    where = flt.conditions()
    if cursor is not None:
        where.append(tuple_(AuditEntry.at, AuditEntry.id) < tuple_(*read_cursor(cursor)))
    rows = (await session.scalars(_newest_first(select(AuditEntry).where(*where)).limit(limit + 1))).all()
    last = rows[limit - 1] if len(rows) > limit else None
    return AuditPage(rows[:limit], encode_cursor(ORDER, last.at, str(last.id)) if last is not None else None)


async def page_bound(
    *, session: AsyncSession, flt: AuditFilter, limit: int, cursor: str | None
) -> tuple[Position | None, Position | None, bool]:
    """For an export part of at most `limit` rows after `cursor`: where it starts (the cursor's position,
    exclusive; None: the newest row), its last (oldest) row's position (None: no row), and whether
    more rows follow it. Two index range reads, no row bodies."""
    start = read_cursor(cursor) if cursor is not None else None
    where = flt.conditions()
    if start is not None:
        where.append(tuple_(AuditEntry.at, AuditEntry.id) < tuple_(*start))
    keys = select(AuditEntry.at, AuditEntry.id).where(*where)
    found = (await session.execute(_newest_first(keys).offset(limit - 1).limit(2))).all()
    if found:
        return start, (found[0][0], found[0][1]), len(found) > 1
    oldest = (await session.execute(keys.order_by(AuditEntry.at, AuditEntry.id).limit(1))).first()
    return start, (oldest[0], oldest[1]) if oldest is not None else None, False


async def audit_cutoffs(
    *, session: AsyncSession, at: datetime, tenant_id: str | None = None
) -> list[tuple[str, datetime]]:
    """Every tenant (or only `tenant_id`) with the instant before which its audit rows go: `at` minus
    its audit_retention_days."""
    query = select(Tenant.id, Tenant.audit_retention_days).order_by(Tenant.id)
    if tenant_id is not None:
        query = query.where(Tenant.id == tenant_id)
    rows = await session.execute(query)
    return [(tid, at - timedelta(days=days)) for tid, days in rows.all()]


async def delete_audit_batch(*, session: AsyncSession, tenant_id: str, before: datetime, limit: int) -> int:
    """Delete up to `limit` of the tenant's audit rows older than `before`, oldest first (rows locked
    elsewhere are skipped); the number deleted."""
    ids = (
        await session.scalars(
            select(AuditEntry.id)
            .where(AuditEntry.tenant_id == tenant_id, AuditEntry.at < before)
            .order_by(AuditEntry.at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not ids:
        return 0
    result = await session.execute(delete(AuditEntry).where(AuditEntry.id.in_(list(ids))))
    return int(getattr(result, "rowcount", 0) or 0)
