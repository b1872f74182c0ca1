"""`/api/v1/maintenance-windows`: one-off windows during which the alerts some matchers match (none: all of the
tenant's) are recorded but page nobody (PagerDuty's maintenance windows; the rule is in noise/maintenance.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.audit import AuditDep
from api.deps import Principal, Responder, SessionDep, SettingsDep, Viewer
from api.errors import check
from api.schemas.maintenance_windows import MaintenanceWindowIn, MaintenanceWindowOut
from gateway.errors import TransitionRejected
from models.crud import add_row, require_row
from models.tables import MaintenanceWindow
from noise.maintenance import WindowState, window_state
from noise.silences import windows_in_states
from settings import Settings

router = APIRouter(prefix="/api/v1/maintenance-windows", tags=["maintenance windows"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such maintenance window in your tenant"}}
EXPIRED: dict[int | str, dict[str, Any]] = {409: {"description": "The window has ended already"}}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": "A malformed matcher, or times out of order, in the past or longer than the maximum"}
}
WHAT = "maintenance window"


def _out(row: MaintenanceWindow, now: datetime, replaces: str | None = None) -> MaintenanceWindowOut:
    return MaintenanceWindowOut(
        id=row.id,
        matchers=list(row.matchers),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        state=window_state(row.starts_at, row.ends_at, now),
        reason=row.reason,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        replaces=replaces,
    )


def _times(body: MaintenanceWindowIn, settings: Settings, now: datetime) -> tuple[datetime, datetime]:
    """The window's start and end, or a 422 naming the field that is out of order or too long."""
    starts_at = max(body.starts_at or now, now)  # a start in the past is now
    longest = timedelta(days=settings.max_silence_days)
    errors: list[tuple[str, str]] = []
    if body.ends_at <= starts_at:
        errors.append(("ends_at", f"must be after starts_at ({starts_at.isoformat()}) and in the future"))
    elif body.ends_at - starts_at > longest:
        errors.append(
            (
                "ends_at",
                f"a maintenance window lasts at most {settings.max_silence_days} days (HERALD_MAX_SILENCE_DAYS)",
            )
        )
    check(errors)
    return starts_at, body.ends_at


def _row(body: MaintenanceWindowIn, principal: Principal, starts_at: datetime, ends_at: datetime) -> MaintenanceWindow:
    return MaintenanceWindow(
        id=str(uuid.uuid4()),
        tenant_id=principal.tenant_id,
        matchers=[str(matcher) for matcher in body.matchers],
        starts_at=starts_at,
        ends_at=ends_at,
        reason=body.reason,
        created_by=body.created_by or principal.actor,
    )


@router.get("", response_model=list[MaintenanceWindowOut], summary="List maintenance windows")
async def list_maintenance_windows(
    principal: Viewer,
    session: SessionDep,
    state: Annotated[list[WindowState] | None, Query(description="pending, active, expired (repeatable)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many, latest `ends_at` first")] = 500,
) -> list[MaintenanceWindowOut]:
    now = datetime.now(UTC)
    rows = await windows_in_states(session, MaintenanceWindow, principal.tenant_id, state, now, limit)
    return [_out(row, now) for row in rows]


@router.post(
    "",
    response_model=MaintenanceWindowOut,
    status_code=201,
    responses=INVALID,
    summary="Create a maintenance window (starts now unless told)",
)
async def create_maintenance_window(
    body: MaintenanceWindowIn, principal: Responder, audit: AuditDep, session: SessionDep, settings: SettingsDep
) -> MaintenanceWindowOut:
    now = datetime.now(UTC)
    starts_at, ends_at = _times(body, settings, now)
    out = _out(await add_row(session, _row(body, principal, starts_at, ends_at)), now)
    await audit.record("maintenance_window", out.id, "create", after=out)
    return out


@router.get(
    "/{window_id}", response_model=MaintenanceWindowOut, responses=NOT_FOUND, summary="Read a maintenance window"
)
async def get_maintenance_window(window_id: str, principal: Viewer, session: SessionDep) -> MaintenanceWindowOut:
    row = await require_row(session, MaintenanceWindow, principal.tenant_id, window_id, WHAT)
    return _out(row, datetime.now(UTC))


@router.put(
    "/{window_id}",
    response_model=MaintenanceWindowOut,
    responses={**NOT_FOUND, **EXPIRED, **INVALID},
    summary="Edit a maintenance window",
    description="A pending window is changed in place. An active one is ended now and a new one made from the body "
    "(its id is new; `replaces` names the old), so the window a timeline names can always be read back as it was.",
)
async def edit_maintenance_window(
    window_id: str,
    body: MaintenanceWindowIn,
    principal: Responder,
    audit: AuditDep,
    session: SessionDep,
    settings: SettingsDep,
) -> MaintenanceWindowOut:
    row = await require_row(session, MaintenanceWindow, principal.tenant_id, window_id, WHAT)
    now = datetime.now(UTC)
    state = window_state(row.starts_at, row.ends_at, now)
    before = _out(row, now)
    if state == "expired":
        raise TransitionRejected(f"maintenance window {row.id} ended at {row.ends_at.isoformat()}; create a new one")
    starts_at, ends_at = _times(body, settings, now)
    if state == "pending":
        row.matchers = [str(matcher) for matcher in body.matchers]
        row.starts_at, row.ends_at, row.reason = starts_at, ends_at, body.reason
        row.created_by = body.created_by or row.created_by
        await session.flush()
        await session.refresh(row)
        out = _out(row, now)

        await audit.record("maintenance_window", row.id, "update", before=before, after=out)
        return out
    row.ends_at = now
    ended = _out(row, now)
    replacement = await add_row(session, _row(body, principal, starts_at, ends_at))
    out = _out(replacement, now, replaces=row.id)
    await audit.record("maintenance_window", row.id, "end", before=before, after=ended)
    await audit.record("maintenance_window", replacement.id, "create", after=out)
    return out


@router.delete(
    "/{window_id}",
    response_model=MaintenanceWindowOut,
    responses={**NOT_FOUND, **EXPIRED},
    summary="End a maintenance window now (it is kept, expired)",
)
async def end_maintenance_window(
    window_id: str, principal: Responder, audit: AuditDep, session: SessionDep
) -> MaintenanceWindowOut:
    row = await require_row(session, MaintenanceWindow, principal.tenant_id, window_id, WHAT)
    now = datetime.now(UTC)
    if window_state(row.starts_at, row.ends_at, now) == "expired":
        raise TransitionRejected(f"maintenance window {row.id} ended at {row.ends_at.isoformat()} already")
    before = _out(row, now)
    row.starts_at = min(row.starts_at, now)
    row.ends_at = now
    await session.flush()
    await session.refresh(row)
    out = _out(row, now)
    await audit.record("maintenance_window", row.id, "end", before=before, after=out)
    return out
