"""Turning API bodies into workflow events: group keys, options, channel checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from fastapi import HTTPException, status
from sqlalchemy.ext.asyncio import AsyncSession

from api.schemas.alerts import AlertBody, EventIn
from models.channels import missing_channel_ids
from models.keys import labels_key
from settings import Settings
from workflows.payloads import AlertContent, AlertOptions, FireEvent


def group_key(tenant_id: str, body: AlertBody | EventIn) -> str:
    return body.dedup_key or labels_key(tenant_id, body.labels)


def to_event(
    body: AlertBody | EventIn, settings: Settings, *, actor: str, received_at: datetime | None = None
) -> FireEvent:
    action = body.action if isinstance(body, EventIn) else "trigger"
    content = None
    if action == "trigger":
        assert body.title is not None
        content = AlertContent(
            title=body.title,
            description=body.description,
            severity=body.severity,
            category=body.category,
            source=body.source,
            labels=body.labels,
            annotations=body.annotations,
        )
    repeat = (
        timedelta(seconds=body.repeat_interval_seconds)
        if body.repeat_interval_seconds
        else settings.default_repeat_interval
    )
    return FireEvent(
        action=action,
        content=content,
        options=AlertOptions(
            channel_ids=[str(c) for c in body.channels] if body.channels is not None else None,
            repeat_interval=repeat,
            notify_attempt_timeout=settings.notify_attempt_timeout,
        ),
        received_at=received_at or datetime.now(UTC),
        actor=actor,
    )


async def check_channels(session: AsyncSession, tenant_id: str, bodies: Sequence[AlertBody | EventIn]) -> None:
    """422 naming the event and channel when a body lists a channel the tenant does not have."""
    wanted = {str(c) for body in bodies for c in (body.channels or [])}
    missing = await missing_channel_ids(session=session, tenant_id=tenant_id, channel_ids=wanted)
    if not missing:
        return
    errors = []
    for index, body in enumerate(bodies):
        for position, channel in enumerate(body.channels or []):
            if str(channel) in missing:
                field = f"events.{index}.channels.{position}" if isinstance(body, EventIn) else f"channels.{position}"
                errors.append({"field": field, "message": f"unknown channel {channel}"})
    raise HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail="; ".join(f"{e['field']}: {e['message']}" for e in errors[:5]),
    )
