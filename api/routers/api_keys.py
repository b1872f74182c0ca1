"""`/api/v1/api-keys`: admins create, list, rotate and revoke their tenant's keys.

A key may expire (`expires_in_days`); rotating one makes a new key with the same name and role
and keeps the old one valid for a grace period, so clients can move over without an outage.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Response, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import Audit, AuditDep
from api.deps import Admin, SessionDep
from models.api_keys import Role, check_key_person, list_keys, new_key, revoke_key, rotate_key, store_key
from models.errors import NotFound
from models.tables import ApiKey

router = APIRouter(prefix="/api/v1/api-keys", tags=["api keys"])
INVALID: dict[int | str, dict[str, Any]] = {422: {"description": "A bad field, or a user_id not in your tenant"}}


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    role: Role = Field(
        description="viewer reads; responder also acknowledges, resolves and sends events; admin also configures; "
        "platform also manages every tenant (`/api/v1/tenants`)"
    )
    expires_in_days: int | None = Field(None, ge=1, le=3650, description="Expire after this many days (default: never)")
    user_id: str | None = Field(
        None,
        description="The person the key belongs to (a user of your tenant): the console shows their shifts, "
        "the audit log names them. Null: a service key",
    )


class ApiKeyPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    user_id: str | None = Field(None, description="The key's person (null: none); omitted: unchanged")


class ApiKeyRotate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grace_seconds: int = Field(
        86400, ge=0, le=30 * 86400, description="How long the old key keeps working (default one day; 0: at once)"
    )


class ApiKeyOut(BaseModel):
    id: str
    name: str
    role: Role
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None = Field(description="When the key stops working (null: never)")
    last_used_at: datetime | None = Field(description="Last authenticated request, to the minute")
    user_id: str | None = Field(description="The person the key belongs to (null: a service key)")


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself: shown once, store it now")


def _out(row: ApiKey) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "role": Role(row.role),
        "prefix": row.prefix,
        "created_at": row.created_at,
        "revoked_at": row.revoked_at,
        "expires_at": row.expires_at,
        "last_used_at": row.last_used_at,
        "user_id": row.user_id,
    }


async def create_in(session: AsyncSession, tenant_id: str, body: ApiKeyCreate, audit: Audit) -> ApiKeyCreated:
    """A new key of `tenant_id` (this router's and `/api/v1/tenants/{id}/api-keys`' one write), on `audit`'s log."""
    await check_key_person(session=session, tenant_id=tenant_id, user_id=body.user_id)
    key = new_key()
    expires_at = datetime.now(UTC) + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    row = await store_key(
        session=session,
        tenant_id=tenant_id,
        name=body.name,
        role=body.role,
        key=key,
        expires_at=expires_at,
        user_id=body.user_id,
    )
    await session.refresh(row)
    await audit.record("api_key", row.id, "create", after=ApiKeyOut(**_out(row)))
    return ApiKeyCreated(**_out(row), key=key)


async def list_in(session: AsyncSession, tenant_id: str) -> list[ApiKeyOut]:
    return [ApiKeyOut(**_out(r)) for r in await list_keys(session=session, tenant_id=tenant_id)]


async def rotate_in(
    session: AsyncSession, tenant_id: str, key_id: str, body: ApiKeyRotate | None, audit: Audit
) -> ApiKeyCreated:
    """The rotated key of `tenant_id`; NotFound when it has no such active key."""
    grace = timedelta(seconds=(body or ApiKeyRotate()).grace_seconds)
    rotated = await rotate_key(session=session, tenant_id=tenant_id, key_id=key_id, grace=grace)
    if rotated is None:
        raise NotFound(f"API key {key_id} not found, revoked or expired")
    row, key = rotated
    await session.refresh(row)
    await audit.record("api_key", key_id, "rotate", after={**_out(row), "grace_seconds": grace.total_seconds()})
    return ApiKeyCreated(**_out(row), key=key)


async def revoke_in(session: AsyncSession, tenant_id: str, key_id: str, audit: Audit) -> None:
    """Revoke the key of `tenant_id`; NotFound when it has no such key."""
    if await revoke_key(session=session, tenant_id=tenant_id, key_id=key_id) is None:
        raise NotFound(f"API key {key_id} not found")
    await audit.record("api_key", key_id, "revoke")


@router.post(
    "",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses={**INVALID, 403: {"description": "The role asked for is above the caller's (a platform key)"}},
    summary="Create an API key",
    description="A key of any role up to the caller's: an admin cannot make a platform key.",
)
async def create_key(body: ApiKeyCreate, principal: Admin, audit: AuditDep, session: SessionDep) -> ApiKeyCreated:
    if body.role.rank > principal.role.rank:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"role: a {principal.role.value} key cannot create a {body.role.value} key "
            "(a platform admin makes platform keys: `herald api-key create --role platform`)",
        )
    return await create_in(session, principal.tenant_id, body, audit)


@router.get("", response_model=list[ApiKeyOut], summary="List API keys (never the keys themselves)")
async def list_api_keys(principal: Admin, session: SessionDep) -> list[ApiKeyOut]:
    return await list_in(session, principal.tenant_id)


@router.post(
    "/{key_id}/rotate",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses={404: {"description": "No such active key in your tenant"}},
    summary="Replace a key: a new one now, the old one until the grace period ends",
)
async def rotate(
    key_id: str, principal: Admin, audit: AuditDep, session: SessionDep, body: ApiKeyRotate | None = None
) -> ApiKeyCreated:
    return await rotate_in(session, principal.tenant_id, key_id, body, audit)


@router.patch(
    "/{key_id}",
    response_model=ApiKeyOut,
    responses={404: {"description": "No such key in your tenant"}, **INVALID},
    summary="Rename a key or set its person",
    description="Only the fields sent change; `user_id: null` makes it a service key. A key's role is fixed: "
    "create a new key for another role.",
)
async def update_key(
    key_id: str, body: ApiKeyPatch, principal: Admin, audit: AuditDep, session: SessionDep
) -> ApiKeyOut:
    row = await session.scalar(select(ApiKey).where(ApiKey.tenant_id == principal.tenant_id, ApiKey.id == key_id))
    if row is None:
        raise NotFound(f"API key {key_id} not found")
    before = ApiKeyOut(**_out(row))
    if "user_id" in body.model_fields_set:
        await check_key_person(session=session, tenant_id=principal.tenant_id, user_id=body.user_id)
        row.user_id = body.user_id
    if body.name is not None:
        row.name = body.name
    await session.flush()
    await session.refresh(row)
    out = ApiKeyOut(**_out(row))
    await audit.record("api_key", row.id, "update", before=before, after=out)
    return out


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"description": "No such key in your tenant"}},
    summary="Revoke an API key",
)
async def revoke(key_id: str, principal: Admin, audit: AuditDep, session: SessionDep) -> Response:
    await revoke_in(session, principal.tenant_id, key_id, audit)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
