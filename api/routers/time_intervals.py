"""`/api/v1/time-intervals`: named Alertmanager time intervals that routes mute or activate by
(`mute_time_intervals` / `active_time_intervals`; the schema and its answers are noise/time_intervals.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Response, status

from api.audit import AuditDep
from api.deps import Admin, SessionDep, Viewer
from api.errors import InUse
from api.schemas.time_intervals import TimeIntervalIn, TimeIntervalOut
from models.crud import check_name, list_rows, require_row, save_row
from models.errors import Conflict
from models.references import references
from models.tables import TimeInterval as TimeIntervalRow
from noise.time_intervals import TimeInterval, contains, daily_cost, next_change

router = APIRouter(prefix="/api/v1/time-intervals", tags=["time intervals"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such time interval in your tenant"}}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "A spec Alertmanager refuses: an unknown time zone, a bad time (`25:00`) or range "
        "(`saturday:sunday`, start after end), an unknown weekday or month name, a day of month out of range"
    }
}
DUPLICATE: dict[int | str, dict[str, Any]] = {409: {"description": "Another time interval has this name"}}
IN_USE: dict[int | str, dict[str, Any]] = {409: {"description": "A route names it (`used_by` lists them)"}}
HORIZON_DAYS = 366  # how far ahead an answer looks for `next_change`, at most
# noise.time_intervals.daily_cost x days that one interval's `next_change` may scan (about 0.1 s): a business-hours
# interval is scanned for the whole horizon, one with many times and zones for fewer days (at least one).
BUDGET = 200_000
WHAT = "time interval"


@dataclass(frozen=True)
class _Stored:
    """A row's columns, read on the event loop (an ORM row must not be touched from another thread)."""

    id: str
    name: str
    specs: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


def _out(row: _Stored, now: datetime) -> TimeIntervalOut:
    interval = TimeInterval(name=row.name, time_intervals=row.specs)
    days = max(1, min(HORIZON_DAYS, BUDGET // max(1, daily_cost(interval))))
    return TimeIntervalOut(
        id=row.id,
        name=row.name,
        time_intervals=interval.time_intervals,
        contains_now=contains(interval, now),
        next_change=next_change(interval, now, timedelta(days=days)),
        horizon_days=days,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _outs(rows: Sequence[TimeIntervalRow]) -> list[TimeIntervalOut]:
    """The answers, computed off the event loop (`next_change` is CPU work: up to ~0.1 s an interval)."""
    now = datetime.now(UTC)
    stored = [_Stored(row.id, row.name, row.time_intervals, row.created_at, row.updated_at) for row in rows]
    return await asyncio.to_thread(lambda: [_out(item, now) for item in stored])


def _values(body: TimeIntervalIn) -> dict[str, Any]:
    specs = [spec.model_dump(mode="json", exclude_none=True) for spec in body.time_intervals]
    return {"name": body.name, "time_intervals": specs}


@router.get("", response_model=list[TimeIntervalOut], summary="List time intervals (by name)")
async def list_time_intervals(principal: Viewer, session: SessionDep) -> list[TimeIntervalOut]:
    return await _outs(await list_rows(session, TimeIntervalRow, principal.tenant_id))


@router.post(
    "",
    response_model=TimeIntervalOut,
    status_code=201,
    responses={**DUPLICATE, **INVALID},
    summary="Create a time interval",
)
async def create_time_interval(
    body: TimeIntervalIn, principal: Admin, audit: AuditDep, session: SessionDep
) -> TimeIntervalOut:
    await check_name(session, TimeIntervalRow, principal.tenant_id, body.name, None, WHAT)
    row = await save_row(
        session, TimeIntervalRow, principal.tenant_id, _values(body), duplicate=Conflict.named(WHAT, body.name)
    )
    [answer] = await _outs([row])
    await audit.record("time_interval", answer.id, "create", after=answer)
    return answer


@router.get("/{interval_id}", response_model=TimeIntervalOut, responses=NOT_FOUND, summary="Read a time interval")
async def get_time_interval(interval_id: str, principal: Viewer, session: SessionDep) -> TimeIntervalOut:
    row = await require_row(session, TimeIntervalRow, principal.tenant_id, interval_id, WHAT)
    [answer] = await _outs([row])
    return answer


@router.put(
    "/{interval_id}",
    response_model=TimeIntervalOut,
    responses={
        **NOT_FOUND,
        **INVALID,
        409: {"description": "Another time interval has the new name, or a route names the old one"},
    },
    summary="Replace a time interval",
    description="A rename is refused (409, `used_by`) while a route names the interval by its old name.",
)
async def replace_time_interval(
    interval_id: str, body: TimeIntervalIn, principal: Admin, audit: AuditDep, session: SessionDep
) -> TimeIntervalOut:
    row = await require_row(session, TimeIntervalRow, principal.tenant_id, interval_id, WHAT)
    [before] = await _outs([row])
    if body.name != row.name:
        await check_name(session, TimeIntervalRow, principal.tenant_id, body.name, row.id, WHAT)
        used_by = await references(session, principal.tenant_id, "time_interval", row.id)
        if used_by:
            raise InUse(f"time interval '{row.name}'", used_by)
    row = await save_row(
        session, TimeIntervalRow, principal.tenant_id, _values(body), row, duplicate=Conflict.named(WHAT, body.name)
    )
    [answer] = await _outs([row])
    await audit.record("time_interval", answer.id, "update", before=before, after=answer)
    return answer


@router.delete(
    "/{interval_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, **IN_USE},
    summary="Delete a time interval",
)
async def delete_time_interval(interval_id: str, principal: Admin, audit: AuditDep, session: SessionDep) -> Response:
    row = await require_row(session, TimeIntervalRow, principal.tenant_id, interval_id, WHAT)
    used_by = await references(session, principal.tenant_id, "time_interval", row.id)
    if used_by:
        raise InUse(f"time interval '{row.name}'", used_by)
    [before] = await _outs([row])
    await audit.record("time_interval", row.id, "delete", before=before)
    await session.delete(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
