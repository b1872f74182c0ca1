"""`/api/v1/silences`: mute the fire notices of the alerts some matchers match, for a while
(Alertmanager's silences; the rules are in noise/silences.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import AuditDep
from api.deps import Principal, Responder, SessionDep, SettingsDep, Viewer
from api.errors import check
from api.schemas.silences import MatchedAlert, SilenceIn, SilenceOut, SilencePreviewIn, SilencePreviewOut
from api.silence_limits import silence_limit
from gateway.errors import TransitionRejected
from models.crud import add_row, require_row
from models.tables import Alert, Silence
from noise.matchers import matches
from noise.silence_expiry import firing_member_matches
from noise.silences import SilenceState, silence_state, windows_in_states
from settings import Settings

router = APIRouter(prefix="/api/v1/silences", tags=["silences"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such silence in your tenant"}}
EXPIRED: dict[int | str, dict[str, Any]] = {409: {"description": "The silence has expired already"}}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "A malformed matcher, no matcher that needs a value, or times out of order or longer than "
        "the tenant's limit (`ends_at`: its `max_silence_duration`, else HERALD_MAX_SILENCE_DAYS)"
    }
}
PREVIEW_LIMIT = 100  # alerts named in a preview
PREVIEW_SCAN = 10_000  # open alerts a preview reads (newest first): one request stays bounded


def _out(row: Silence, now: datetime, replaces: str | None = None) -> SilenceOut:
    return SilenceOut(
        id=row.id,
        matchers=list(row.matchers),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        state=silence_state(row.starts_at, row.ends_at, now),
        comment=row.comment,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        expire_when_resolved=row.expire_when_resolved,
        matched_at=row.matched_at,
        replaces=replaces,
    )


async def _times(
    body: SilenceIn, session: AsyncSession, settings: Settings, tenant_id: str, now: datetime
) -> tuple[datetime, datetime]:
    """The silence's start and end, or a 422 naming the field that is out of order or longer than the
    tenant's limit (api/silence_limits.py)."""
    starts_at = max(body.starts_at or now, now)  # a start in the past is now, as Alertmanager has it
    errors: list[tuple[str, str]] = []
    if body.ends_at <= starts_at:
        errors.append(("ends_at", f"must be after starts_at ({starts_at.isoformat()}) and in the future"))
    else:
        limit = await silence_limit(session=session, settings=settings, tenant_id=tenant_id)
        if body.ends_at - starts_at > limit.longest:
            errors.append(("ends_at", f"a silence lasts {limit.words}"))
    check(errors)
    return starts_at, body.ends_at


async def _row(
    body: SilenceIn, principal: Principal, session: AsyncSession, starts_at: datetime, ends_at: datetime, now: datetime
) -> Silence:
    """A new silence; one that expires when resolved and starts now is matched at once if a firing member matches."""
    matched = body.expire_when_resolved and starts_at <= now
    if matched:
        matched = await firing_member_matches(session=session, tenant_id=principal.tenant_id, matchers=body.matchers)
    return Silence(
        id=str(uuid.uuid4()),
        tenant_id=principal.tenant_id,
        matchers=[str(matcher) for matcher in body.matchers],
        starts_at=starts_at,
        ends_at=ends_at,
        comment=body.comment,
        created_by=body.created_by or principal.actor,
        expire_when_resolved=body.expire_when_resolved,
        matched_at=now if matched else None,
    )


@router.get("", response_model=list[SilenceOut], summary="List silences")
async def list_silences(
    principal: Viewer,
    session: SessionDep,
    state: Annotated[list[SilenceState] | None, Query(description="pending, active, expired (repeatable)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many, latest `ends_at` first")] = 500,
) -> list[SilenceOut]:
    now = datetime.now(UTC)
    rows = await windows_in_states(session, Silence, principal.tenant_id, state, now, limit)
    return [_out(row, now) for row in rows]


@router.post(
    "",
    response_model=SilenceOut,
    status_code=201,
    responses=INVALID,
    summary="Create a silence (starts now unless told)",
)
async def create_silence(
    body: SilenceIn, principal: Responder, audit: AuditDep, session: SessionDep, settings: SettingsDep
) -> SilenceOut:
    now = datetime.now(UTC)
    starts_at, ends_at = await _times(body, session, settings, principal.tenant_id, now)
    out = _out(await add_row(session, await _row(body, principal, session, starts_at, ends_at, now)), now)
    await audit.record("silence", out.id, "create", after=out)
    return out


@router.post(
    "/preview",
    response_model=SilencePreviewOut,
    responses=INVALID,
    summary="The open alerts a draft silence would match",
)
async def preview_silence(body: SilencePreviewIn, principal: Viewer, session: SessionDep) -> SilencePreviewOut:
    rows = await session.scalars(
        select(Alert)
        .where(Alert.tenant_id == principal.tenant_id, Alert.status != "resolved")
        .order_by(Alert.created_at.desc(), Alert.id)
        .limit(PREVIEW_SCAN)
    )
    matched = [row for row in rows if matches(body.matchers, row.labels)]
    alerts = [
        MatchedAlert(id=row.id, title=row.title, status=row.status, labels=row.labels)
        for row in matched[:PREVIEW_LIMIT]
    ]
    return SilencePreviewOut(alerts=alerts, total=len(matched))


@router.get("/{silence_id}", response_model=SilenceOut, responses=NOT_FOUND, summary="Read a silence")
async def get_silence(silence_id: str, principal: Viewer, session: SessionDep) -> SilenceOut:
    return _out(await require_row(session, Silence, principal.tenant_id, silence_id, "silence"), datetime.now(UTC))


@router.put(
    "/{silence_id}",
    response_model=SilenceOut,
    responses={**NOT_FOUND, **EXPIRED, **INVALID},
    summary="Edit a silence",
    description="A pending silence is changed in place. An active one is expired and a new one made from the body "
    "(its id is new; `replaces` names the old), so what muted an alert can always be read back as it was.",
)
async def edit_silence(
    silence_id: str, body: SilenceIn, principal: Responder, audit: AuditDep, session: SessionDep, settings: SettingsDep
) -> SilenceOut:
    row = await require_row(session, Silence, principal.tenant_id, silence_id, "silence")
    now = datetime.now(UTC)
    state = silence_state(row.starts_at, row.ends_at, now)
    before = _out(row, now)
    if state == "expired":
        raise TransitionRejected(f"silence {row.id} expired at {row.ends_at.isoformat()}; create a new one")
    starts_at, ends_at = await _times(body, session, settings, principal.tenant_id, now)
    if state == "pending":
        row.matchers = [str(matcher) for matcher in body.matchers]
        row.starts_at, row.ends_at, row.comment = starts_at, ends_at, body.comment
        row.created_by = body.created_by or row.created_by
        row.expire_when_resolved = body.expire_when_resolved
        await session.flush()
        await session.refresh(row)
        out = _out(row, now)
        await audit.record("silence", row.id, "update", before=before, after=out)
        return out
    row.ends_at = now
    ended = _out(row, now)
    replacement = await add_row(session, await _row(body, principal, session, starts_at, ends_at, now))
    out = _out(replacement, now, replaces=row.id)
    await audit.record("silence", row.id, "expire", before=before, after=ended)
    await audit.record("silence", replacement.id, "create", after=out)
    return out


@router.delete(
    "/{silence_id}",
    response_model=SilenceOut,
    responses={**NOT_FOUND, **EXPIRED},
    summary="Expire a silence now (it is kept, expired)",
)
async def expire_silence(silence_id: str, principal: Responder, audit: AuditDep, session: SessionDep) -> SilenceOut:
    row = await require_row(session, Silence, principal.tenant_id, silence_id, "silence")
    now = datetime.now(UTC)
    if silence_state(row.starts_at, row.ends_at, now) == "expired":
        raise TransitionRejected(f"silence {row.id} expired at {row.ends_at.isoformat()} already")
    before = _out(row, now)
    row.starts_at = min(row.starts_at, now)
    row.ends_at = now
    await session.flush()
    await session.refresh(row)
    out = _out(row, now)
    await audit.record("silence", row.id, "expire", before=before, after=out)
    return out
