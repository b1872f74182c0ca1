"""`/api/v1/integrations` (admins create, list, read and revoke the tenant's integrations) and
`/api/v1/change-events` (the change timeline PagerDuty change events write).

A PagerDuty integration's routing key is made here and shown once (201), as API keys are
(api/routers/api_keys.py); lists show its prefix only. Revoking is immediate: the key's next event
is refused (400, PagerDuty's "invalid event"). An integration bound to an escalation policy keeps
that policy from being deleted (409 naming it, models/references.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from api.audit import AuditDep
from api.deps import Admin, SessionDep, Viewer
from api.errors import check
from api.schemas.integrations import (
    ChangeEventOut,
    ChangeEventPage,
    IntegrationCreate,
    IntegrationCreated,
    IntegrationOut,
)
from models.crud import require_row, rows_by_id
from models.cursors import decode_time_cursor, encode_cursor
from models.errors import NotFound
from models.integrations import (
    GroupBy,
    IntegrationKind,
    list_changes,
    list_integrations,
    new_routing_key,
    revoke_integration,
    store_integration,
)
from models.tables import ChangeEvent, EscalationPolicy, Integration

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"])
changes = APIRouter(prefix="/api/v1/change-events", tags=["integrations"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such integration in your tenant"}}


def _out(row: Integration) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "kind": IntegrationKind(row.kind),
        "prefix": row.prefix,
        "escalation_policy_id": row.escalation_policy_id,
        "labels": row.labels,
        "group_by": GroupBy(row.group_by),
        "created_at": row.created_at,
        "revoked_at": row.revoked_at,
    }


@router.post(
    "",
    response_model=IntegrationCreated,
    status_code=status.HTTP_201_CREATED,
    responses={422: {"description": "Invalid field, or an escalation_policy_id the tenant does not have"}},
    summary="Create an integration (a PagerDuty routing key is answered once)",
)
async def create_integration(
    body: IntegrationCreate, principal: Admin, audit: AuditDep, session: SessionDep
) -> IntegrationCreated:
    policy = str(body.escalation_policy_id) if body.escalation_policy_id else None
    if policy is not None:
        known = await rows_by_id(session, EscalationPolicy, principal.tenant_id, [policy])
        check([] if policy in known else [("escalation_policy_id", f"unknown escalation policy {policy}")])
    key = new_routing_key() if body.kind == IntegrationKind.PAGERDUTY else None
    row = await store_integration(
        session=session,
        tenant_id=principal.tenant_id,
        name=body.name,
        kind=body.kind,
        key=key,
        escalation_policy_id=policy,
        labels=body.labels,
        group_by=body.group_by,
    )
    await session.refresh(row)
    await audit.record("integration", row.id, "create", after=_out(row))
    return IntegrationCreated(**_out(row), key=key)


@router.get("", response_model=list[IntegrationOut], summary="List integrations (never their keys)")
async def list_all(principal: Admin, session: SessionDep) -> list[IntegrationOut]:
    return [IntegrationOut(**_out(r)) for r in await list_integrations(session=session, tenant_id=principal.tenant_id)]


@router.get("/{integration_id}", response_model=IntegrationOut, responses=NOT_FOUND, summary="One integration")
async def get_integration(integration_id: str, principal: Admin, session: SessionDep) -> IntegrationOut:
    row = await require_row(session, Integration, principal.tenant_id, integration_id, "integration")
    return IntegrationOut(**_out(row))


@router.delete(
    "/{integration_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=NOT_FOUND,
    summary="Revoke an integration: its key is refused from now on",
)
async def revoke(integration_id: str, principal: Admin, audit: AuditDep, session: SessionDep) -> Response:
    if await revoke_integration(session=session, tenant_id=principal.tenant_id, integration_id=integration_id) is None:
        raise NotFound(f"integration {integration_id} not found")
    await audit.record("integration", integration_id, "revoke")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


ORDER = "-timestamp"


def _read_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if cursor is None:
        return None
    return decode_time_cursor(cursor, ORDER)


@changes.get(
    "",
    response_model=ChangeEventPage,
    summary="The change timeline: PagerDuty change events, newest first",
    description="Ordered by the change's `timestamp`, newest first; `cursor` (a `next_cursor`) pages on. "
    "422 for a cursor this API did not return.",
)
async def list_change_events(
    principal: Viewer,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")] = None,
) -> ChangeEventPage:
    rows = await list_changes(
        session=session, tenant_id=principal.tenant_id, before=_read_cursor(cursor), limit=limit + 1
    )
    items = [_change_out(row) for row in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return ChangeEventPage(
        items=items, next_cursor=encode_cursor(ORDER, last.timestamp, str(last.id)) if last is not None else None
    )


def _change_out(row: ChangeEvent) -> ChangeEventOut:
    return ChangeEventOut(
        id=str(row.id),
        integration_id=row.integration_id,
        summary=row.summary,
        source=row.source,
        timestamp=row.timestamp,
        custom_details=row.custom_details,
        links=row.links,
        received_at=row.received_at,
    )
