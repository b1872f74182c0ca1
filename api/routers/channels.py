"""`/api/v1/channels`: where notifications go — webhook, email, Slack, Discord, Teams, SMS, push, PagerDuty."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Response, status

from api.audit import AuditDep
from api.channel_input import masked, parse_config
from api.deps import Admin, ResourcesDep, SessionDep, Viewer
from api.errors import InUse
from api.schemas.channels import ChannelCreate, ChannelOut, ChannelTestResult, ChannelUpdate
from channels.base import ChannelTarget, DeliveryError, Message
from channels.render import SAMPLE_LINKS, TemplateText, context, in_render_thread, render_or_built_in, sample_alert
from models import channels as queries
from models.crud import check_name, require_row, save_row
from models.errors import Conflict
from models.references import references
from models.secrets import SecretBox
from models.tables import Channel
from models.templates import template_for
from workflows.ids import channel_test_idempotency_key
from workflows.payloads import NotifyEvent

router = APIRouter(prefix="/api/v1/channels", tags=["channels"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such channel in your tenant"}}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": "A config field is invalid for the type; `errors` names it"}
}


def channel_out(row: Channel, box: SecretBox) -> ChannelOut:
    secrets = box.open(row.secret)
    return ChannelOut(
        id=row.id,
        name=row.name,
        type=row.type,
        config=masked(row.type, row.config, secrets),
        has_secret=bool(secrets),
        is_default=row.is_default,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _get(session: SessionDep, tenant_id: str, channel_id: str) -> Channel:
    return await require_row(session, Channel, tenant_id, channel_id, "channel")


async def _store(
    session: SessionDep, resources: ResourcesDep, tenant_id: str, body: ChannelCreate, row: Channel | None
) -> ChannelOut:
    kept = resources.secrets.open(row.secret) if row is not None and row.type == body.type else {}
    stored = parse_config(body.type, body.config, kept)
    await check_name(session, Channel, tenant_id, body.name, row.id if row else None, "channel")
    values = {
        "name": body.name,
        "type": body.type,
        "config": stored.public,
        "secret": resources.secrets.seal(stored.secrets),
        "is_default": body.is_default,
    }
    row = await save_row(session, Channel, tenant_id, values, row, duplicate=Conflict.named("channel", body.name))
    return channel_out(row, resources.secrets)


@router.get("", response_model=list[ChannelOut], summary="List channels")
async def list_channels(principal: Viewer, session: SessionDep, resources: ResourcesDep) -> list[ChannelOut]:
    rows = await queries.list_channels(session=session, tenant_id=principal.tenant_id)
    return [channel_out(c, resources.secrets) for c in rows]


@router.post(
    "",
    response_model=ChannelOut,
    status_code=status.HTTP_201_CREATED,
    responses={409: {}, **INVALID},
    summary="Create a channel",
)
async def create_channel(
    body: ChannelCreate, principal: Admin, session: SessionDep, resources: ResourcesDep, audit: AuditDep
) -> ChannelOut:
    out = await _store(session, resources, principal.tenant_id, body, None)
    await audit.record("channel", out.id, "create", after=out)
    return out


@router.get("/{channel_id}", response_model=ChannelOut, responses=NOT_FOUND, summary="Read a channel")
async def get_channel(channel_id: str, principal: Viewer, session: SessionDep, resources: ResourcesDep) -> ChannelOut:
    return channel_out(await _get(session, principal.tenant_id, channel_id), resources.secrets)


@router.put(
    "/{channel_id}",
    response_model=ChannelOut,
    responses={**NOT_FOUND, 409: {}, **INVALID},
    summary="Replace a channel",
    description="Secret fields omitted (or sent back as `********`) keep their stored value; `null` removes one. "
    "Changing the type drops the stored secrets.",
)
async def update_channel(
    channel_id: str,
    body: ChannelUpdate,
    principal: Admin,
    session: SessionDep,
    resources: ResourcesDep,
    audit: AuditDep,
) -> ChannelOut:
    row = await _get(session, principal.tenant_id, channel_id)
    before = channel_out(row, resources.secrets)
    out = await _store(session, resources, principal.tenant_id, body, row)
    await audit.record("channel", out.id, "update", before=before, after=out)
    return out


@router.delete(
    "/{channel_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **NOT_FOUND,
        409: {"description": "An escalation policy level, a rule, a heartbeat or an open alert uses it"},
    },
    summary="Delete a channel",
)
async def delete_channel(
    channel_id: str, principal: Admin, session: SessionDep, resources: ResourcesDep, audit: AuditDep
) -> Response:
    row = await _get(session, principal.tenant_id, channel_id)
    used_by = await references(session, principal.tenant_id, "channel", row.id)
    if used_by:
        raise InUse(f"channel '{row.name}'", used_by)
    await audit.record("channel", row.id, "delete", before=channel_out(row, resources.secrets))
    await session.delete(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{channel_id}/test",
    response_model=ChannelTestResult,
    responses=NOT_FOUND,
    summary="Send a test message",
    description="Sends a sample alert through the channel now (once, no retries) and reports the provider's answer. "
    "A failed send is still a 200: `delivered` is false and `detail` says why.",
)
async def test_channel(
    channel_id: str, principal: Admin, session: SessionDep, resources: ResourcesDep, audit: AuditDep
) -> ChannelTestResult:
    row = await _get(session, principal.tenant_id, channel_id)
    alert = sample_alert()
    template = await template_for(
        session,
        tenant_id=principal.tenant_id,
        channel_type=row.type,
        event="triggered",
        severity=alert.content.severity.value,
        category=alert.content.category.value,
    )
    text = TemplateText(template.subject, template.body, template.body_html) if template else None
    rendered, _ = await in_render_thread(
        render_or_built_in, text, context(alert, NotifyEvent.TRIGGERED, SAMPLE_LINKS), row.type
    )
    rendered = replace(rendered, subject=f"[Herald test] {rendered.subject}")
    target = ChannelTarget(row.id, row.name, row.type, dict(row.config), resources.secrets.open(row.secret))
    message = Message(
        event=NotifyEvent.TRIGGERED,
        alert=alert,
        links=SAMPLE_LINKS,
        idempotency_key=channel_test_idempotency_key(row.id, str(uuid.uuid4())),
        rendered=rendered,
    )
    try:
        sent = await resources.senders[row.type].send(target, message)
    except DeliveryError as err:
        result = ChannelTestResult(delivered=False, provider_status=err.provider_status, detail=str(err))
    else:
        result = ChannelTestResult(
            delivered=True,
            provider_status=sent.provider_status,
            provider_message_id=sent.provider_id,
            detail=sent.detail,
        )
    await audit.record("channel", row.id, "test", after=result)
    return result
