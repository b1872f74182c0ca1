"""`/api/v1/time-intervals`: named Alertmanager time intervals (noise/time_intervals.py) that routes of the
routing tree mute or activate by name."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response, status

from api.deps import Admin, SessionDep, Viewer
from api.errors import InUse
from models.crud import check_name, list_rows, require_row, save_row
from models.errors import Conflict
from models.references import references
from models.tables import TimeInterval
from noise.time_intervals import TimeInterval as TimeIntervalIn

router = APIRouter(prefix="/api/v1/time-intervals", tags=["time intervals"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such time interval in your tenant"}}
IN_USE: dict[int | str, dict[str, Any]] = {
    409: {"description": "The name is taken, or a route names this interval (renaming or deleting it is refused)"}
}


class TimeIntervalOut(TimeIntervalIn):
    id: str
    created_at: datetime
    updated_at: datetime


def _out(row: TimeInterval) -> TimeIntervalOut:
    return TimeIntervalOut.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "time_intervals": row.time_intervals,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }
    )


async def _store(
    session: SessionDep, tenant_id: str, body: TimeIntervalIn, row: TimeInterval | None
) -> TimeIntervalOut:
    await check_name(session, TimeInterval, tenant_id, body.name, row.id if row else None, "time interval")
    if row is not None and row.name != body.name:
        used_by = await references(session, tenant_id, "time_interval", row.id)
        if used_by:  # routes name it: a rename would leave them naming nothing
            raise InUse(f"time interval '{row.name}'", used_by)
    values = body.model_dump(mode="json")
    duplicate = Conflict.named("time interval", body.name)
    return _out(await save_row(session, TimeInterval, tenant_id, values, row, duplicate=duplicate))


@router.get("", response_model=list[TimeIntervalOut], summary="List time intervals")
async def list_time_intervals(principal: Viewer, session: SessionDep) -> list[TimeIntervalOut]:
    rows = await list_rows(session, TimeInterval, principal.tenant_id)
    return [_out(row) for row in sorted(rows, key=lambda row: row.name)]


@router.post(
    "",
    response_model=TimeIntervalOut,
    status_code=201,
    responses={409: IN_USE[409], 422: {"description": "A malformed interval, naming the field"}},
    summary="Create a time interval",
)
async def create_time_interval(body: TimeIntervalIn, principal: Admin, session: SessionDep) -> TimeIntervalOut:
    return await _store(session, principal.tenant_id, body, None)


@router.get("/{interval_id}", response_model=TimeIntervalOut, responses=NOT_FOUND, summary="Read a time interval")
async def get_time_interval(interval_id: str, principal: Viewer, session: SessionDep) -> TimeIntervalOut:
    return _out(await require_row(session, TimeInterval, principal.tenant_id, interval_id, "time interval"))


@router.put(
    "/{interval_id}",
    response_model=TimeIntervalOut,
    responses={**NOT_FOUND, **IN_USE},
    summary="Replace a time interval",
)
async def replace_time_interval(
    interval_id: str, body: TimeIntervalIn, principal: Admin, session: SessionDep
) -> TimeIntervalOut:
    row = await require_row(session, TimeInterval, principal.tenant_id, interval_id, "time interval")
    return await _store(session, principal.tenant_id, body, row)


@router.delete(
    "/{interval_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, **IN_USE},
    summary="Delete a time interval",
)
async def delete_time_interval(interval_id: str, principal: Admin, session: SessionDep) -> Response:
    row = await require_row(session, TimeInterval, principal.tenant_id, interval_id, "time interval")
    used_by = await references(session, principal.tenant_id, "time_interval", row.id)
    if used_by:
        raise InUse(f"time interval '{row.name}'", used_by)
    await session.delete(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
