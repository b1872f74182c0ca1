"""`/api/v1/channels`: where notifications go (the `webhook` type in this release)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy.exc import IntegrityError

from api.deps import Admin, SessionDep, Viewer
from api.errors import InUse
from api.schemas.channels import ChannelCreate, ChannelOut, ChannelUpdate
from models import channels as queries
from models.policies import policies_using
from models.tables import Channel

router = APIRouter(prefix="/api/v1/channels", tags=["channels"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such channel in your tenant"}}


def channel_out(row: Channel) -> ChannelOut:
    return ChannelOut(
        id=row.id,
        name=row.name,
        type=row.type,
        config=row.config,
        has_secret=row.secret is not None,
        is_default=row.is_default,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _conflict(name: str) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, f"name: a channel named {name!r} already exists")


async def _get(session: SessionDep, tenant_id: str, channel_id: str) -> Channel:
    row = await queries.get_channel(session=session, tenant_id=tenant_id, channel_id=channel_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"channel {channel_id} not found")
    return row


@router.get("", response_model=list[ChannelOut], summary="List channels")
async def list_channels(principal: Viewer, session: SessionDep) -> list[ChannelOut]:
    return [channel_out(c) for c in await queries.list_channels(session=session, tenant_id=principal.tenant_id)]


@router.post(
    "", response_model=ChannelOut, status_code=status.HTTP_201_CREATED, responses={409: {}}, summary="Create a channel"
)
async def create_channel(body: ChannelCreate, principal: Admin, session: SessionDep) -> ChannelOut:
    if await queries.get_channel_by_name(session=session, tenant_id=principal.tenant_id, name=body.name):
        raise _conflict(body.name)
    config = body.config.model_dump(mode="json", exclude={"secret"})
    try:
        row = await queries.create_channel(
            session=session,
            tenant_id=principal.tenant_id,
            name=body.name,
            type=body.type,
            config=config,
            secret=body.config.secret,
            is_default=body.is_default,
        )
    except IntegrityError as err:
        raise _conflict(body.name) from err
    return channel_out(row)


@router.get("/{channel_id}", response_model=ChannelOut, responses=NOT_FOUND, summary="Read a channel")
async def get_channel(channel_id: str, principal: Viewer, session: SessionDep) -> ChannelOut:
    return channel_out(await _get(session, principal.tenant_id, channel_id))


@router.put("/{channel_id}", response_model=ChannelOut, responses={**NOT_FOUND, 409: {}}, summary="Replace a channel")
async def update_channel(channel_id: str, body: ChannelUpdate, principal: Admin, session: SessionDep) -> ChannelOut:
    row = await _get(session, principal.tenant_id, channel_id)
    other = await queries.get_channel_by_name(session=session, tenant_id=principal.tenant_id, name=body.name)
    if other is not None and other.id != row.id:
        raise _conflict(body.name)
    row.name = body.name
    row.type = body.type
    row.config = body.config.model_dump(mode="json", exclude={"secret"})
    if "secret" in body.config.model_fields_set:
        row.secret = body.config.secret
    row.is_default = body.is_default
    await session.flush()
    await session.refresh(row)
    return channel_out(row)


@router.delete(
    "/{channel_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, 409: {"description": "An escalation policy level targets it"}},
    summary="Delete a channel",
)
async def delete_channel(channel_id: str, principal: Admin, session: SessionDep) -> Response:
    row = await _get(session, principal.tenant_id, channel_id)
    used_by = [f"policy '{name}'" for name in await policies_using(session, principal.tenant_id, "channel", row.id)]
    if used_by:
        raise InUse(f"channel '{row.name}'", used_by)
    await session.delete(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
