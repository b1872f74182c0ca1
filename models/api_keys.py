"""Tenants and API keys. Keys are random 256-bit tokens, so a fast SHA-256 digest is a safe
hash (there is nothing to brute-force); only the digest and a display prefix are stored."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import InvalidQuery
from models.tables import ApiKey, Tenant, User
from workflows.ids import check_tenant_id

KEY_PREFIX = "hk_"


class Role(StrEnum):
    VIEWER = "viewer"
    RESPONDER = "responder"
    ADMIN = "admin"
    PLATFORM = "platform"  # admin of its own tenant, and manages every tenant (`/api/v1/tenants`)

    @property
    def rank(self) -> int:
        return {Role.VIEWER: 0, Role.RESPONDER: 1, Role.ADMIN: 2, Role.PLATFORM: 3}[self]


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def ensure_tenant(*, session: AsyncSession, tenant_id: str, name: str | None = None) -> None:
    """Create the tenant unless it exists. ValueError for an id outside `workflows.ids.TENANT_ID`."""
    check_tenant_id(tenant_id)
    await session.execute(
        insert(Tenant).values(id=tenant_id, name=name or tenant_id).on_conflict_do_nothing(index_elements=["id"])
    )


async def store_key(
    *,
    session: AsyncSession,
    tenant_id: str,
    name: str,
    role: Role,
    key: str,
    expires_at: datetime | None = None,
    user_id: str | None = None,
) -> ApiKey:
    """Store `key` (hashed) unless an identical key exists; returns the row. `user_id` (the key's person) must be
    a user of `tenant_id`: see `check_key_person`."""
    digest = hash_key(key)
    existing = await session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    if existing is not None:
        return existing
    row = ApiKey(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        name=name,
        role=role.value,
        prefix=key[:10],
        key_hash=digest,
        expires_at=expires_at,
        user_id=user_id,
    )
    session.add(row)
    await session.flush()
    return row


async def find_active_key(*, session: AsyncSession, key: str, now: datetime | None = None) -> ApiKey | None:
    """The key's row if it is neither revoked nor expired at `now` (default: the current time)."""
    at = now or datetime.now(UTC)
    return await session.scalar(
        select(ApiKey).where(
            ApiKey.key_hash == hash_key(key),
            ApiKey.revoked_at.is_(None),
            or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > at),
        )
    )


LAST_USED_RESOLUTION = timedelta(minutes=1)


async def touch_key(*, session: AsyncSession, key_id: str, now: datetime | None = None) -> None:
    """Record a use of the key, at most once a minute (authentication must not write on every request)."""
    at = now or datetime.now(UTC)
    await session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < at - LAST_USED_RESOLUTION),
        )
        .values(last_used_at=at)
    )


async def rotate_key(
    *, session: AsyncSession, tenant_id: str | None, key_id: str, grace: timedelta, now: datetime | None = None
) -> tuple[ApiKey, str] | None:
    """A new key with the old one's name and role; the old one stays valid for `grace`, then expires
    (sooner if it was to expire sooner). None when no such active key (of `tenant_id`, if given)."""
    at = now or datetime.now(UTC)
    query = select(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
    if tenant_id is not None:
        query = query.where(ApiKey.tenant_id == tenant_id)
    old = await session.scalar(query)
    if old is None or (old.expires_at is not None and old.expires_at <= at):
        return None
    old.expires_at = min(at + grace, old.expires_at) if old.expires_at else at + grace
    key = new_key()
    role = Role(old.role)
    row = await store_key(
        session=session, tenant_id=old.tenant_id, name=old.name, role=role, key=key, user_id=old.user_id
    )
    return row, key


async def check_key_person(*, session: AsyncSession, tenant_id: str, user_id: str | None) -> None:
    """InvalidQuery on `user_id` unless it is None or a user of `tenant_id` (another tenant's user is not found
    either: a key never learns of other tenants' people)."""
    if user_id is None:
        return
    found = await session.scalar(select(User.id).where(User.tenant_id == tenant_id, User.id == user_id))
    if found is None:
        raise InvalidQuery("user_id", f"no user {user_id!r} in your tenant")


async def list_keys(*, session: AsyncSession, tenant_id: str) -> Sequence[ApiKey]:
    result = await session.scalars(select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.created_at))
    return result.all()


async def revoke_key(*, session: AsyncSession, tenant_id: str, key_id: str) -> ApiKey | None:
    row = await session.scalar(select(ApiKey).where(ApiKey.tenant_id == tenant_id, ApiKey.id == key_id))
    if row is not None and row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
    return row
