"""Web console sessions: an API key exchanged for a cookie (docs/architecture.md, "The console").

The cookie is a random 256-bit token; only its SHA-256 digest is stored (as for API keys, there is
nothing to brute-force). A session lasts `SESSION_LIFETIME` from sign-in (fixed, not sliding: a
stolen cookie is worth at most one shift) and ends earlier on sign-out or when its key is revoked
or expires: every lookup joins the key and applies the key's own validity.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.api_keys import hash_key
from models.tables import ApiKey, ConsoleSession

SESSION_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True)
class OpenSession:
    """A live session and the key it stands for."""

    id_hash: str
    csrf_token: str
    expires_at: datetime
    key: ApiKey


async def open_session(*, session: AsyncSession, key: ApiKey, now: datetime | None = None) -> tuple[str, OpenSession]:
    """A new session for `key` (already checked active): (the cookie value, the stored session)."""
    at = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    row = ConsoleSession(
        id_hash=hash_key(token),
        api_key_id=key.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=at,
        expires_at=at + SESSION_LIFETIME,
    )
    session.add(row)
    await session.flush()
    return token, OpenSession(row.id_hash, row.csrf_token, row.expires_at, key)


async def find_session(*, session: AsyncSession, token: str, now: datetime | None = None) -> OpenSession | None:
    """The session behind a cookie value if it and its key are both still valid at `now`; else None."""
    at = now or datetime.now(UTC)
    found = (
        await session.execute(
            select(ConsoleSession, ApiKey)
            .join(ApiKey, ApiKey.id == ConsoleSession.api_key_id)
            .where(
                ConsoleSession.id_hash == hash_key(token),
                ConsoleSession.revoked_at.is_(None),
                ConsoleSession.expires_at > at,
                ApiKey.revoked_at.is_(None),
                or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > at),
            )
        )
    ).first()
    if found is None:
        return None
    row, key = found
    return OpenSession(row.id_hash, row.csrf_token, row.expires_at, key)


async def revoke_session(*, session: AsyncSession, id_hash: str, now: datetime | None = None) -> None:
    """End a session (sign-out); ending one that has ended changes nothing."""
    await session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.id_hash == id_hash, ConsoleSession.revoked_at.is_(None))
        .values(revoked_at=now or datetime.now(UTC))
    )
