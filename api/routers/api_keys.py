"""`/api/v1/api-keys`: admins create, list and revoke their tenant's keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.deps import Admin, SessionDep
from models.api_keys import Role, list_keys, new_key, revoke_key, store_key
from models.errors import NotFound

router = APIRouter(prefix="/api/v1/api-keys", tags=["api keys"])


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    role: Role = Field(
        description="viewer reads; responder also acknowledges, resolves and sends events; admin also configures"
    )


class ApiKeyOut(BaseModel):
    id: str
    name: str
    role: Role
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself: shown once, store it now")


@router.post("", response_model=ApiKeyCreated, status_code=status.HTTP_201_CREATED, summary="Create an API key")
async def create_key(body: ApiKeyCreate, principal: Admin, session: SessionDep) -> ApiKeyCreated:
    key = new_key()
    row = await store_key(session=session, tenant_id=principal.tenant_id, name=body.name, role=body.role, key=key)
    await session.refresh(row)
    return ApiKeyCreated(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        prefix=row.prefix,
        created_at=row.created_at,
        revoked_at=None,
        key=key,
    )


@router.get("", response_model=list[ApiKeyOut], summary="List API keys (never the keys themselves)")
async def list_api_keys(principal: Admin, session: SessionDep) -> list[ApiKeyOut]:
    return [
        ApiKeyOut(
            id=r.id, name=r.name, role=Role(r.role), prefix=r.prefix, created_at=r.created_at, revoked_at=r.revoked_at
        )
        for r in await list_keys(session=session, tenant_id=principal.tenant_id)
    ]


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke an API key")
async def revoke(key_id: str, principal: Admin, session: SessionDep) -> Response:
    if await revoke_key(session=session, tenant_id=principal.tenant_id, key_id=key_id) is None:
        raise NotFound(f"API key {key_id} not found")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
