"""Secret calendar URLs: issue (replacing the previous one), revoke, and find by token.

A feed's token is its only credential (calendar applications send no `Authorization` header),
so it is as strong as an API key (256 random bits) and stored, like one, as its SHA-256 digest."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.api_keys import hash_key
from models.tables import CalendarFeed

TOKEN_PREFIX = "hcal_"


def new_feed_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _of(schedule_id: str | None, user_id: str | None) -> ColumnElement[bool]:
    if schedule_id is not None and user_id is None:
        return CalendarFeed.schedule_id == schedule_id
    if user_id is not None and schedule_id is None:
        return CalendarFeed.user_id == user_id
    raise ValueError("a calendar feed is of one schedule or of one user")


async def revoke_feed(
    *, session: AsyncSession, tenant_id: str, schedule_id: str | None = None, user_id: str | None = None
) -> bool:
    """Delete the feed of the schedule or user; False when it had none."""
    gone = await session.execute(
        delete(CalendarFeed)
        .where(CalendarFeed.tenant_id == tenant_id, _of(schedule_id, user_id))
        .returning(CalendarFeed.id)
    )
    return gone.first() is not None


async def issue_feed(
    *, session: AsyncSession, tenant_id: str, schedule_id: str | None = None, user_id: str | None = None
) -> tuple[CalendarFeed, str]:
    """A new secret URL token for the schedule or user; the previous one (if any) stops working.

    One upsert, so two issues at once (a double click) both succeed and the later one's token is
    the feed's (a delete then an insert made the second a unique violation: a 500)."""
    _of(schedule_id, user_id)  # exactly one subject
    token = new_feed_token()
    subject = CalendarFeed.schedule_id if schedule_id is not None else CalendarFeed.user_id
    statement = insert(CalendarFeed).values(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        schedule_id=schedule_id,
        user_id=user_id,
        token_hash=hash_key(token),
    )
    statement = statement.on_conflict_do_update(
        index_elements=[subject],
        set_={"id": statement.excluded.id, "token_hash": statement.excluded.token_hash, "created_at": func.now()},
    )
    feed = await session.scalar(statement.returning(CalendarFeed), execution_options={"populate_existing": True})
    assert feed is not None
    return feed, token


async def find_feed(*, session: AsyncSession, token: str) -> CalendarFeed | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    found: CalendarFeed | None = await session.scalar(
        select(CalendarFeed).where(CalendarFeed.token_hash == hash_key(token))
    )
    return found
