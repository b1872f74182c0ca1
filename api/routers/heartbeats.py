"""`/api/v1/heartbeats`: dead man's switches. A job pings; a HeartbeatWorkflow alerts when it stops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Response, status

from api.audit import Audit, AuditDep
from api.columns import from_columns, to_columns
from api.deps import Admin, AlertingDep, ResourcesDep, Responder, SessionDep, Viewer
from api.ingest import check_references
from api.schemas.heartbeats import HeartbeatIn, HeartbeatOut, PingOut
from models.crud import list_rows, save_row
from models.errors import Conflict, NotFound
from models.rule_tables import Heartbeat, heartbeat_by_name, record_ping
from workflows.ids import heartbeat_alert_key
from workflows.rule_payloads import HeartbeatPing, HeartbeatStart, HeartbeatTiming

router = APIRouter(prefix="/api/v1/heartbeats", tags=["heartbeats"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No monitor of that name in your tenant"}}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {"description": "Temporal is unreachable; nothing was changed"}}


def _deadline(row: Heartbeat) -> datetime | None:
    if not row.enabled:
        return None
    return (row.last_ping_at or row.created_at) + timedelta(seconds=row.interval_seconds + row.grace_seconds)


def _out(row: Heartbeat) -> HeartbeatOut:
    deadline = _deadline(row)
    if not row.enabled:
        state = "paused"
    elif deadline is not None and deadline < datetime.now(UTC):
        state = "late"
    else:
        state = "up" if row.last_ping_at else "new"
    values = from_columns(row, HeartbeatIn)
    return HeartbeatOut(
        **values,
        id=row.id,
        status=state,
        last_ping_at=row.last_ping_at,
        ping_count=row.ping_count,
        next_deadline=deadline,
        alert_key=heartbeat_alert_key(row.id),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _start(row: Heartbeat) -> HeartbeatStart:
    return HeartbeatStart(
        tenant_id=row.tenant_id,
        heartbeat_id=row.id,
        interval=timedelta(seconds=row.interval_seconds),
        grace=timedelta(seconds=row.grace_seconds),
        enabled=row.enabled,
        last_ping_at=row.last_ping_at,
    )


def _timing(row: Heartbeat) -> HeartbeatTiming:
    return HeartbeatTiming(
        interval=timedelta(seconds=row.interval_seconds),
        grace=timedelta(seconds=row.grace_seconds),
        enabled=row.enabled,
    )


async def _get(session: SessionDep, tenant_id: str, name: str) -> Heartbeat:
    row = await heartbeat_by_name(session=session, tenant_id=tenant_id, name=name)
    if row is None:
        raise NotFound(f"heartbeat {name!r} not found")
    return row


async def _store(
    session: SessionDep,
    alerting: AlertingDep,
    audit: Audit,
    tenant_id: str,
    body: HeartbeatIn,
    row: Heartbeat | None,
) -> HeartbeatOut:
    await check_references(session, tenant_id, [body])
    before = _out(row) if row is not None else None
    duplicate = Conflict.named("heartbeat", body.name)
    row = await save_row(session, Heartbeat, tenant_id, to_columns(body), row, duplicate=duplicate)
    out = _out(row)
    # Recorded before the signal: a failed record sends nothing; a failed signal (503) rolls both back.
    await audit.record("heartbeat", row.id, "update" if before else "create", before=before, after=out)
    await alerting.heartbeat_signal(_start(row), "configure", _timing(row))  # 503 rolls the row back
    return out


@router.get("", response_model=list[HeartbeatOut], summary="List heartbeat monitors")
async def list_heartbeats(principal: Viewer, session: SessionDep) -> list[HeartbeatOut]:
    return [_out(row) for row in await list_rows(session, Heartbeat, principal.tenant_id)]


@router.post(
    "",
    response_model=HeartbeatOut,
    status_code=status.HTTP_201_CREATED,
    responses={409: {}, 422: {}, **UNAVAILABLE},
    summary="Create a heartbeat monitor",
    description="Watching starts now: without a first ping within interval + grace, the alert fires.",
)
async def create_heartbeat(
    body: HeartbeatIn, principal: Admin, audit: AuditDep, session: SessionDep, alerting: AlertingDep
) -> HeartbeatOut:
    return await _store(session, alerting, audit, principal.tenant_id, body, None)


@router.get("/{name}", response_model=HeartbeatOut, responses=NOT_FOUND, summary="Read a heartbeat monitor")
async def get_heartbeat(name: str, principal: Viewer, session: SessionDep) -> HeartbeatOut:
    return _out(await _get(session, principal.tenant_id, name))


@router.put(
    "/{name}",
    response_model=HeartbeatOut,
    responses={**NOT_FOUND, 409: {}, 422: {}, **UNAVAILABLE},
    summary="Replace a heartbeat monitor",
)
async def update_heartbeat(
    name: str, body: HeartbeatIn, principal: Admin, audit: AuditDep, session: SessionDep, alerting: AlertingDep
) -> HeartbeatOut:
    row = await _get(session, principal.tenant_id, name)
    return await _store(session, alerting, audit, principal.tenant_id, body, row)


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, **UNAVAILABLE},
    summary="Delete a heartbeat monitor (its open alert is resolved)",
)
async def delete_heartbeat(
    name: str, principal: Admin, audit: AuditDep, session: SessionDep, alerting: AlertingDep
) -> Response:
    row = await _get(session, principal.tenant_id, name)
    await audit.record("heartbeat", row.id, "delete", before=_out(row))
    await alerting.stop_heartbeat(row.tenant_id, row.id)
    await session.delete(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _ping(name: str, principal: Responder, resources: ResourcesDep, alerting: AlertingDep) -> PingOut:
    # A ping writes, also by GET: its own session at READ COMMITTED (not the snapshot of reads, where
    # two pings at once made the second a serialization failure), committed before the answer.
    async with resources.sessions.begin() as session:
        row = await _get(session, principal.tenant_id, name)
        now = datetime.now(UTC)
        start = _start(row).model_copy(update={"last_ping_at": now})
        answer = PingOut(
            name=row.name,
            received_at=now,
            next_deadline=now + timedelta(seconds=row.interval_seconds + row.grace_seconds),
        )
        await record_ping(session=session, heartbeat_id=row.id, at=now)
        await alerting.heartbeat_signal(start, "ping", HeartbeatPing(at=now))
    return answer


PING_DOC = "Needs a responder key: `curl -fsS -X POST -H 'Authorization: Bearer hk_...' <url>`. A late ping resolves the alert."
router.add_api_route(
    "/{name}/ping",
    _ping,
    methods=["POST"],
    response_model=PingOut,
    responses={**NOT_FOUND, **UNAVAILABLE},
    summary="Ping a monitor",
    description=PING_DOC,
)
router.add_api_route(
    "/{name}/ping",
    _ping,
    methods=["GET"],
    response_model=PingOut,
    responses={**NOT_FOUND, **UNAVAILABLE},
    summary="Ping a monitor (GET, for cron jobs with plain curl)",
    description=PING_DOC,
    operation_id="ping_heartbeat_get",
)
