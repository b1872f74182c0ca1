"""`/api/v1/schedules`: rotations, layers, restrictions, overrides; who is on call; calendar feeds,
with an API key or by a revocable secret URL (`/api/v1/calendar/<token>.ics`) for calendar applications."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import AwareDatetime
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import AuditDep
from api.deps import Admin, ResourcesDep, SessionDep, SettingsDep, Viewer
from api.errors import FieldErrors, InUse, check
from api.schemas.schedules import (
    CalendarFeedOut,
    OnCallOut,
    OverrideIn,
    OverrideOut,
    ScheduleIn,
    ScheduleOut,
    ScheduleTimelineLayer,
    ScheduleTimelineOut,
    ScheduleTimelineOverride,
    ShiftOut,
)
from models import oncall
from models.calendar_feeds import find_feed, issue_feed, revoke_feed
from models.crud import check_name, get_row, list_rows, require_row, rows_by_id, save_row
from models.errors import Conflict, NotFound
from models.references import references
from models.schedules import get_override, overrides_for, schedule_overrides, spec_of
from models.tables import CalendarFeed, Schedule, ScheduleOverride, User
from models.tenants import disabled_message, is_disabled
from settings import Settings

router = APIRouter(prefix="/api/v1/schedules", tags=["schedules"])
user_calendar = APIRouter(prefix="/api/v1/users", tags=["users"])
secret_calendar = APIRouter(prefix="/api/v1/calendar", tags=["schedules"])
ICS: dict[int | str, dict[str, Any]] = {200: {"content": {"text/calendar": {}}, "description": "iCalendar (RFC 5545)"}}
FEED_PAST = timedelta(days=7)
FEED_AHEAD = timedelta(days=90)


def _out(row: Schedule) -> ScheduleOut:
    return ScheduleOut.model_validate(
        {
            **row.spec,
            "id": row.id,
            "name": row.name,
            "description": row.description,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }
    )


async def _schedule(session: AsyncSession, tenant_id: str, schedule_id: str) -> Schedule:
    return await require_row(session, Schedule, tenant_id, schedule_id, "schedule")


async def _check(session: AsyncSession, tenant_id: str, body: ScheduleIn, schedule_id: str | None) -> None:
    await check_name(session, Schedule, tenant_id, body.name, schedule_id, "schedule")
    wanted = {uid for layer in body.layers for uid in layer.participants}
    found = await rows_by_id(session, User, tenant_id, wanted)
    check(
        [
            (f"layers.{i}.participants.{j}", f"unknown user {uid}")
            for i, layer in enumerate(body.layers)
            for j, uid in enumerate(layer.participants)
            if uid not in found
        ]
    )


async def _store(session: AsyncSession, tenant_id: str, body: ScheduleIn, row: Schedule | None) -> ScheduleOut:
    await _check(session, tenant_id, body, row.id if row else None)
    values = {
        "name": body.name,
        "description": body.description,
        "spec": body.model_dump(mode="json", include={"time_zone", "layers"}),
    }
    return _out(
        await save_row(session, Schedule, tenant_id, values, row, duplicate=Conflict.named("schedule", body.name))
    )


async def _names(session: AsyncSession, tenant_id: str, ids: set[str]) -> dict[str, str]:
    return {uid: row.name for uid, row in (await rows_by_id(session, User, tenant_id, ids)).items()}


def _plausible(**moments: datetime | None) -> None:
    """Instants far outside any schedule's life would only overflow the date arithmetic."""
    check(
        [
            (name, "must be between the years 1900 and 2200")
            for name, m in moments.items()
            if m and not 1900 <= m.year <= 2200
        ]
    )


def _range(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    _plausible(**{"from": start, "to": end})
    now = datetime.now(UTC)
    start = start or now
    end = end or start + timedelta(days=14)
    errors: list[tuple[str, str]] = []
    if end <= start:
        errors.append(("to", "must be after `from`"))
    elif end - start > timedelta(days=366):
        errors.append(("to", "the range is at most 366 days"))
    check(errors)
    return start, end


@router.get("", response_model=list[ScheduleOut], summary="List schedules")
async def list_schedules(principal: Viewer, session: SessionDep) -> list[ScheduleOut]:
    return [_out(row) for row in await list_rows(session, Schedule, principal.tenant_id)]


@router.post("", response_model=ScheduleOut, status_code=status.HTTP_201_CREATED, summary="Create a schedule")
async def create_schedule(body: ScheduleIn, principal: Admin, session: SessionDep, audit: AuditDep) -> ScheduleOut:
    out = await _store(session, principal.tenant_id, body, None)
    await audit.record("schedule", out.id, "create", after=out)
    return out


@router.get("/{schedule_id}", response_model=ScheduleOut, summary="Read a schedule")
async def get_schedule(schedule_id: str, principal: Viewer, session: SessionDep) -> ScheduleOut:
    return _out(await _schedule(session, principal.tenant_id, schedule_id))


@router.put(
    "/{schedule_id}",
    response_model=ScheduleOut,
    summary="Replace a schedule",
    description="Open alerts see the change at their next escalation level (targets are resolved then).",
)
async def update_schedule(
    schedule_id: str, body: ScheduleIn, principal: Admin, session: SessionDep, audit: AuditDep
) -> ScheduleOut:
    row = await _schedule(session, principal.tenant_id, schedule_id)
    before = _out(row)
    out = await _store(session, principal.tenant_id, body, row)
    await audit.record("schedule", out.id, "update", before=before, after=out)
    return out


@router.delete(
    "/{schedule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={409: {"description": "Still used by escalation policies or open alerts"}},
    summary="Delete a schedule",
)
async def delete_schedule(schedule_id: str, principal: Admin, session: SessionDep, audit: AuditDep) -> Response:
    row = await _schedule(session, principal.tenant_id, schedule_id)
    used_by = await references(session, principal.tenant_id, "schedule", row.id)
    if used_by:
        raise InUse(f"schedule '{row.name}'", used_by)
    await audit.record("schedule", row.id, "delete", before=_out(row))
    await session.delete(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{schedule_id}/oncall", response_model=OnCallOut, summary="Who is on call (now, or `at`)")
async def who_is_on_call(
    schedule_id: str, principal: Viewer, session: SessionDep, at: AwareDatetime | None = None
) -> OnCallOut:
    row = await _schedule(session, principal.tenant_id, schedule_id)
    _plausible(at=at)
    moment = at or datetime.now(UTC)
    who = oncall.on_call(spec_of(row), await overrides_for(session, row.id), moment)
    names = await _names(session, principal.tenant_id, {who.user_id} if who.user_id else set())
    return OnCallOut(at=moment, user_id=who.user_id, user_name=names.get(who.user_id or ""), source=who.source)


@router.get(
    "/{schedule_id}/shifts",
    response_model=list[ShiftOut],
    summary="The final timeline of shifts (layers, restrictions and overrides applied)",
)
async def list_shifts(
    schedule_id: str,
    principal: Viewer,
    session: SessionDep,
    start: Annotated[AwareDatetime | None, Query(alias="from", description="Default: now")] = None,
    end: Annotated[AwareDatetime | None, Query(alias="to", description="Default: `from` + 14 days")] = None,
) -> list[ShiftOut]:
    row = await _schedule(session, principal.tenant_id, schedule_id)
    start, end = _range(start, end)
    pieces = oncall.shifts(spec_of(row), await overrides_for(session, row.id, start, end), start, end)
    names = await _names(session, principal.tenant_id, {p.user_id for p in pieces if p.user_id})
    return [_shift_out(p, names) for p in pieces]


def _shift_out(piece: oncall.Shift, names: dict[str, str]) -> ShiftOut:
    return ShiftOut(
        start=piece.start,
        end=piece.end,
        user_id=piece.user_id,
        user_name=names.get(piece.user_id or ""),
        source=piece.source,
    )


@router.get(
    "/{schedule_id}/timeline",
    response_model=ScheduleTimelineOut,
    responses={404: {"description": "No such schedule in your tenant"}, 422: {"description": "A bad `from` or `to`"}},
    summary="The timeline row by row: each layer alone, the overrides, and the final shifts",
    description="What a schedule view draws: every layer's own rotation (restrictions applied), the overrides "
    "overlapping the range, and the final row, which alone says who is paged (the same engine as `/shifts` and "
    "`/oncall`). Range as for `/shifts`: default now + 14 days, at most 366 days.",
)
async def schedule_timeline(
    schedule_id: str,
    principal: Viewer,
    session: SessionDep,
    start: Annotated[AwareDatetime | None, Query(alias="from", description="Default: now")] = None,
    end: Annotated[AwareDatetime | None, Query(alias="to", description="Default: `from` + 14 days")] = None,
) -> ScheduleTimelineOut:
    row = await _schedule(session, principal.tenant_id, schedule_id)
    start, end = _range(start, end)
    spec = spec_of(row)
    overrides = await overrides_for(session, row.id, start, end)
    final = oncall.shifts(spec, overrides, start, end)
    per_layer = [
        (layer.name, oncall.shifts(spec.model_copy(update={"layers": [layer]}), [], start, end))
        for layer in spec.layers
    ]
    stored = [
        o
        for o in await schedule_overrides(session=session, schedule_id=row.id)
        if o.ends_at > start and o.starts_at < end
    ]
    wanted = {p.user_id for p in final if p.user_id} | {o.user_id for o in stored}
    wanted |= {p.user_id for _, pieces in per_layer for p in pieces if p.user_id}
    names = await _names(session, principal.tenant_id, wanted)
    return ScheduleTimelineOut(
        start=start,
        end=end,
        time_zone=spec.time_zone,
        layers=[
            ScheduleTimelineLayer(name=name, shifts=[_shift_out(p, names) for p in pieces])
            for name, pieces in per_layer
        ],
        overrides=[
            ScheduleTimelineOverride(
                id=o.id, user_id=o.user_id, user_name=names.get(o.user_id), start=o.starts_at, end=o.ends_at
            )
            for o in sorted(stored, key=lambda o: (o.created_at, o.id))
        ],
        final=[_shift_out(p, names) for p in final],
    )


async def _schedule_ics(session: AsyncSession, row: Schedule) -> Response:
    now = datetime.now(UTC)
    start, end = now - FEED_PAST, now + FEED_AHEAD
    pieces = oncall.shifts(spec_of(row), await overrides_for(session, row.id, start, end), start, end)
    names = await _names(session, row.tenant_id, {p.user_id for p in pieces if p.user_id})
    body = oncall.to_ical(f"On call: {row.name}", pieces, names, uid_prefix=row.id)
    return Response(body, media_type="text/calendar")


async def _user_ics(session: AsyncSession, user: User) -> Response:
    now = datetime.now(UTC)
    start, end = now - FEED_PAST, now + FEED_AHEAD
    mine: list[oncall.Shift] = []
    for row in await list_rows(session, Schedule, user.tenant_id):
        pieces = oncall.shifts(spec_of(row), await overrides_for(session, row.id, start, end), start, end)
        mine += [p for p in pieces if p.user_id == user.id]
    mine.sort(key=lambda p: p.start)
    body = oncall.to_ical(f"On call: {user.name}", mine, {user.id: user.name}, uid_prefix=user.id)
    return Response(body, media_type="text/calendar")


@router.get("/{schedule_id}/calendar.ics", responses=ICS, summary="iCalendar feed of the schedule's shifts")
async def schedule_calendar(schedule_id: str, principal: Viewer, session: SessionDep) -> Response:
    return await _schedule_ics(session, await _schedule(session, principal.tenant_id, schedule_id))


@user_calendar.get("/{user_id}/calendar.ics", responses=ICS, summary="iCalendar feed of one person's shifts")
async def user_shifts_calendar(user_id: str, principal: Viewer, session: SessionDep) -> Response:
    return await _user_ics(session, await require_row(session, User, principal.tenant_id, user_id, "user"))


def _feed_out(settings: Settings, feed: CalendarFeed, token: str) -> CalendarFeedOut:
    return CalendarFeedOut(
        url=f"{settings.public_url.rstrip('/')}/api/v1/calendar/{token}.ics", created_at=feed.created_at
    )


FEED_ISSUED = (
    "A secret URL of this calendar for calendar applications, which cannot send an API key: whoever "
    "has the URL reads the feed. Issuing again replaces the URL (the old one stops working at once); "
    "DELETE revokes it. Only its digest is stored: the URL is shown once."
)


@router.post(
    "/{schedule_id}/calendar-feed",
    response_model=CalendarFeedOut,
    status_code=status.HTTP_201_CREATED,
    summary="Issue (or replace) the schedule's secret calendar URL",
    description=FEED_ISSUED,
)
async def issue_schedule_feed(
    schedule_id: str, principal: Admin, session: SessionDep, settings: SettingsDep, audit: AuditDep
) -> CalendarFeedOut:
    row = await _schedule(session, principal.tenant_id, schedule_id)
    feed, token = await issue_feed(session=session, tenant_id=principal.tenant_id, schedule_id=row.id)
    await audit.record("schedule", row.id, "issue_calendar_feed", after={"created_at": feed.created_at})
    return _feed_out(settings, feed, token)


@router.delete(
    "/{schedule_id}/calendar-feed",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke the schedule's secret calendar URL",
    responses={404: {"description": "No such schedule, or it has no secret calendar URL"}},
)
async def revoke_schedule_feed(schedule_id: str, principal: Admin, session: SessionDep, audit: AuditDep) -> Response:
    row = await _schedule(session, principal.tenant_id, schedule_id)
    if not await revoke_feed(session=session, tenant_id=principal.tenant_id, schedule_id=row.id):
        raise NotFound(f"schedule '{row.name}' has no secret calendar URL")
    await audit.record("schedule", row.id, "revoke_calendar_feed")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@user_calendar.post(
    "/{user_id}/calendar-feed",
    response_model=CalendarFeedOut,
    status_code=status.HTTP_201_CREATED,
    summary="Issue (or replace) the secret calendar URL of one person's shifts",
    description=FEED_ISSUED,
)
async def issue_user_feed(
    user_id: str, principal: Admin, session: SessionDep, settings: SettingsDep, audit: AuditDep
) -> CalendarFeedOut:
    user = await require_row(session, User, principal.tenant_id, user_id, "user")
    feed, token = await issue_feed(session=session, tenant_id=principal.tenant_id, user_id=user.id)
    await audit.record("user", user.id, "issue_calendar_feed", after={"created_at": feed.created_at})
    return _feed_out(settings, feed, token)


@user_calendar.delete(
    "/{user_id}/calendar-feed",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke the secret calendar URL of one person's shifts",
    responses={404: {"description": "No such user, or they have no secret calendar URL"}},
)
async def revoke_user_feed(user_id: str, principal: Admin, session: SessionDep, audit: AuditDep) -> Response:
    user = await require_row(session, User, principal.tenant_id, user_id, "user")
    if not await revoke_feed(session=session, tenant_id=principal.tenant_id, user_id=user.id):
        raise NotFound(f"user '{user.name}' has no secret calendar URL")
    await audit.record("user", user.id, "revoke_calendar_feed")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@secret_calendar.get(
    "/{token}.ics",
    responses={
        **ICS,
        403: {"description": "The feed's tenant is disabled"},
        404: {"description": "No such calendar URL: never issued, replaced or revoked"},
    },
    summary="A calendar feed by its secret URL (no API key)",
    description="What `calendar.ics` of the schedule or user serves, for calendar applications, which "
    "cannot send an `Authorization` header. The token in the path is the credential: an unknown one "
    "counts as a failed authentication of the caller's address.",
)
async def calendar_by_secret_url(
    token: str, request: Request, session: SessionDep, resources: ResourcesDep
) -> Response:
    feed = await find_feed(session=session, token=token)
    if feed is None:
        resources.guard.failed_authentication(request.scope)
        raise NotFound("no such calendar URL (never issued, replaced or revoked)")
    if await is_disabled(session=session, tenant_id=feed.tenant_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, disabled_message(feed.tenant_id))
    if feed.schedule_id is not None:
        return await _schedule_ics(session, await _schedule(session, feed.tenant_id, feed.schedule_id))
    assert feed.user_id is not None  # the table's check: exactly one subject
    return await _user_ics(session, await require_row(session, User, feed.tenant_id, feed.user_id, "user"))


# ---------------------------------------------------------------------- overrides


@router.get("/{schedule_id}/overrides", response_model=list[OverrideOut], summary="List overrides")
async def list_overrides(schedule_id: str, principal: Viewer, session: SessionDep) -> list[OverrideOut]:
    row = await _schedule(session, principal.tenant_id, schedule_id)
    return [_override_out(o) for o in await schedule_overrides(session=session, schedule_id=row.id)]


def _override_out(row: ScheduleOverride) -> OverrideOut:
    return OverrideOut(id=row.id, user_id=row.user_id, start=row.starts_at, end=row.ends_at, created_at=row.created_at)


@router.post(
    "/{schedule_id}/overrides",
    response_model=OverrideOut,
    status_code=status.HTTP_201_CREATED,
    summary="Put someone on call from `start` to `end` (wins over every layer; the newest override wins)",
)
async def create_override(
    schedule_id: str, body: OverrideIn, principal: Admin, session: SessionDep, audit: AuditDep
) -> OverrideOut:
    row = await _schedule(session, principal.tenant_id, schedule_id)
    if await get_row(session, User, principal.tenant_id, body.user_id) is None:
        raise FieldErrors([("user_id", f"unknown user {body.user_id}")])
    override = ScheduleOverride(
        id=str(uuid.uuid4()),
        tenant_id=principal.tenant_id,
        schedule_id=row.id,
        user_id=body.user_id,
        starts_at=body.start,
        ends_at=body.end,
        created_at=datetime.now(UTC),
    )
    session.add(override)
    await session.flush()
    await audit.record(
        "schedule_override",
        override.id,
        "create",
        after={**_override_out(override).model_dump(mode="json"), "schedule_id": row.id},
    )
    return _override_out(override)


@router.delete("/{schedule_id}/overrides/{override_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete one")
async def delete_override(
    schedule_id: str, override_id: str, principal: Admin, session: SessionDep, audit: AuditDep
) -> Response:
    row = await _schedule(session, principal.tenant_id, schedule_id)
    override = await get_override(session=session, schedule_id=row.id, override_id=override_id)
    if override is None:
        raise NotFound(f"override {override_id} not found")
    await audit.record(
        "schedule_override",
        override.id,
        "delete",
        before={**_override_out(override).model_dump(mode="json"), "schedule_id": row.id},
    )
    await session.delete(override)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
