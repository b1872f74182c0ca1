"""`/api/v1/silences`: mute the fire notices of the alerts some matchers match, for a while
(Alertmanager's silences; the rules are in noise/silences.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from api.deps import Principal, Responder, SessionDep, SettingsDep, Viewer
from api.errors import check
from api.schemas.silences import MatchedAlert, SilenceIn, SilenceOut, SilencePreviewIn, SilencePreviewOut
from gateway.errors import TransitionRejected
from models.crud import add_row, require_row
from models.tables import Alert, Silence
from noise.matchers import matches
from noise.silences import SilenceState, silence_state, states_clause
from settings import Settings

router = APIRouter(prefix="/api/v1/silences", tags=["silences"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such silence in your tenant"}}
EXPIRED: dict[int | str, dict[str, Any]] = {409: {"description": "The silence has expired already"}}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": "A malformed matcher, no matcher that needs a value, or times out of order or too long"}
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
        replaces=replaces,
    )


def _times(body: SilenceIn, settings: Settings, now: datetime) -> tuple[datetime, datetime]:
    """The silence's start and end, or a 422 naming the field that is out of order or too long."""
    starts_at = max(body.starts_at or now, now)  # a start in the past is now, as Alertmanager has it
    longest = timedelta(days=settings.max_silence_days)
    errors: list[tuple[str, str]] = []
    if body.ends_at <= starts_at:
        errors.append(("ends_at", f"must be after starts_at ({starts_at.isoformat()}) and in the future"))
    elif body.ends_at - starts_at > longest:
        errors.append(
            ("ends_at", f"a silence lasts at most {settings.max_silence_days} days (HERALD_MAX_SILENCE_DAYS)")
        )
    check(errors)
    return starts_at, body.ends_at


def _row(body: SilenceIn, principal: Principal, starts_at: datetime, ends_at: datetime) -> Silence:
    return Silence(
        id=str(uuid.uuid4()),
        tenant_id=principal.tenant_id,
        matchers=[str(matcher) for matcher in body.matchers],
        starts_at=starts_at,
        ends_at=ends_at,
        comment=body.comment,
        created_by=body.created_by or principal.actor,
    )


@router.get("", response_model=list[SilenceOut], summary="List silences")
async def list_silences(
    principal: Viewer,
    session: SessionDep,
    state: Annotated[list[SilenceState] | None, Query(description="pending, active, expired (repeatable)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many, latest `ends_at` first")] = 500,
) -> list[SilenceOut]:
    now = datetime.now(UTC)
    query = select(Silence).where(Silence.tenant_id == principal.tenant_id)
    if state:
        query = query.where(states_clause(Silence.starts_at, Silence.ends_at, state, now))
    rows = await session.scalars(query.order_by(Silence.ends_at.desc(), Silence.id).limit(limit))
    return [_out(row, now) for row in rows]


@router.post(
    "",
    response_model=SilenceOut,
    status_code=201,
    responses=INVALID,
    summary="Create a silence (starts now unless told)",
)
async def create_silence(
    body: SilenceIn, principal: Responder, session: SessionDep, settings: SettingsDep
) -> SilenceOut:
    now = datetime.now(UTC)
    starts_at, ends_at = _times(body, settings, now)
    return _out(await add_row(session, _row(body, principal, starts_at, ends_at)), now)


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
    silence_id: str, body: SilenceIn, principal: Responder, session: SessionDep, settings: SettingsDep
) -> SilenceOut:
    row = await require_row(session, Silence, principal.tenant_id, silence_id, "silence")
    now = datetime.now(UTC)
    state = silence_state(row.starts_at, row.ends_at, now)
    if state == "expired":
        raise TransitionRejected(f"silence {row.id} expired at {row.ends_at.isoformat()}; create a new one")
    starts_at, ends_at = _times(body, settings, now)
    if state == "pending":
        row.matchers = [str(matcher) for matcher in body.matchers]
        row.starts_at, row.ends_at, row.comment = starts_at, ends_at, body.comment
        row.created_by = body.created_by or row.created_by
        await session.flush()
        await session.refresh(row)
        return _out(row, now)
    row.ends_at = now
    replacement = await add_row(session, _row(body, principal, starts_at, ends_at))
    return _out(replacement, now, replaces=row.id)


@router.delete(
    "/{silence_id}",
    response_model=SilenceOut,
    responses={**NOT_FOUND, **EXPIRED},
    summary="Expire a silence now (it is kept, expired)",
)
async def expire_silence(silence_id: str, principal: Responder, session: SessionDep) -> SilenceOut:
    row = await require_row(session, Silence, principal.tenant_id, silence_id, "silence")
    now = datetime.now(UTC)
    if silence_state(row.starts_at, row.ends_at, now) == "expired":
        raise TransitionRejected(f"silence {row.id} expired at {row.ends_at.isoformat()} already")
    row.starts_at = min(row.starts_at, now)
    row.ends_at = now
    await session.flush()
    await session.refresh(row)
    return _out(row, now)
