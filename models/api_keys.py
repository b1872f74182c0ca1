"""Tenants and API keys. Keys are random 256-bit tokens, so a fast SHA-256 digest is a safe
hash (there is nothing to brute-force); only the digest and a display prefix are stored."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import ApiKey, Tenant
from workflows.ids import check_tenant_id

KEY_PREFIX = "hk_"


class Role(StrEnum):
    VIEWER = "viewer"
    RESPONDER = "responder"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return {Role.VIEWER: 0, Role.RESPONDER: 1, Role.ADMIN: 2}[self]


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


async def store_key(*, session: AsyncSession, tenant_id: str, name: str, role: Role, key: str) -> ApiKey:
    """Store `key` (hashed) unless an identical key exists; returns the row."""
    digest = hash_key(key)
    existing = await session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    if existing is not None:
        return existing
    row = ApiKey(
        id=str(uuid.uuid4()), tenant_id=tenant_id, name=name, role=role.value, prefix=key[:10], key_hash=digest
    )
    session.add(row)
    await session.flush()
    return row


async def find_active_key(*, session: AsyncSession, key: str) -> ApiKey | None:
    return await session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None)))


async def list_keys(*, session: AsyncSession, tenant_id: str) -> Sequence[ApiKey]:
    result = await session.scalars(select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.created_at))
    return result.all()


async def revoke_key(*, session: AsyncSession, tenant_id: str, key_id: str) -> ApiKey | None:
    row = await session.scalar(select(ApiKey).where(ApiKey.tenant_id == tenant_id, ApiKey.id == key_id))
    if row is not None and row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
    return row
