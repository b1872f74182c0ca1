"""Escalation actions on one alert: snooze, escalate, reassign, notes.

Each is a validated Update on the alert's workflow: a rejected action is a 409 that says why,
and each lands in the timeline with who did it and when.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

from fastapi import APIRouter

from api.errors import FieldErrors
from api.routers.alerts import AlertDeskDep
from api.schemas.alerts import AlertOut, EscalateBody, NoteBody, ReassignBody, SnoozeBody
from models.crud import get_row
from models.tables import Alert, EscalationPolicy, User
from workflows.payloads import AlertView, EscalateRequest, NoteRequest, ReassignRequest, SnoozeRequest

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such alert in your tenant"},
    409: {"description": "Not possible in the alert's current state (the message says why)"},
    503: {"description": "No worker answered in time"},
}


@router.post(
    "/{alert_id}/snooze",
    response_model=AlertOut,
    responses=ERRORS,
    summary="Snooze an acknowledged alert: it re-triggers and climbs its ladder again after `minutes`",
)
async def snooze(alert_id: str, body: SnoozeBody, desk: AlertDeskDep) -> AlertOut:
    request = partial(SnoozeRequest, actor=desk.principal.actor, duration=timedelta(minutes=body.minutes))
    return await desk.act(
        alert_id,
        "snoozed",
        lambda row: desk.alerting.act(row.workflow_id, "snooze", request(alert_id=row.id)),
        {"minutes": body.minutes},
    )


@router.post(
    "/{alert_id}/escalate",
    response_model=AlertOut,
    responses=ERRORS,
    summary="Page the next level now (or `level`); an acknowledged alert re-triggers",
)
async def escalate(alert_id: str, desk: AlertDeskDep, body: EscalateBody | None = None) -> AlertOut:
    request = partial(EscalateRequest, actor=desk.principal.actor, level=body.level if body else None)
    return await desk.act(
        alert_id,
        "escalated",
        lambda row: desk.alerting.act(row.workflow_id, "escalate", request(alert_id=row.id)),
        {"level": body.level if body else None},
    )


@router.post(
    "/{alert_id}/reassign",
    response_model=AlertOut,
    responses={**ERRORS, 422: {"description": "Unknown user or policy"}},
    summary="Hand the alert to a user or another escalation policy; its ladder restarts from level 1",
)
async def reassign(alert_id: str, body: ReassignBody, desk: AlertDeskDep) -> AlertOut:
    session, tenant_id = desk.session, desk.principal.tenant_id

    async def reassign_to(row: Alert) -> AlertView:  # the alert is checked first: 404 and 409 before 422
        if body.user_id is not None and await get_row(session, User, tenant_id, body.user_id) is None:
            raise FieldErrors([("user_id", f"unknown user {body.user_id}")])
        if body.policy_id is not None and await get_row(session, EscalationPolicy, tenant_id, body.policy_id) is None:
            raise FieldErrors([("policy_id", f"unknown escalation policy {body.policy_id}")])
        request = ReassignRequest(
            alert_id=row.id, actor=desk.principal.actor, user_id=body.user_id, policy_id=body.policy_id
        )
        return await desk.alerting.act(row.workflow_id, "reassign", request)

    return await desk.act(alert_id, "reassigned", reassign_to, {"user_id": body.user_id, "policy_id": body.policy_id})


@router.post("/{alert_id}/notes", response_model=AlertOut, responses=ERRORS, summary="Add a note to the timeline")
async def add_note(alert_id: str, body: NoteBody, desk: AlertDeskDep) -> AlertOut:
    request = partial(NoteRequest, actor=desk.principal.actor, text=body.text)
    return await desk.act(
        alert_id,
        "annotated",
        lambda row: desk.alerting.act(row.workflow_id, "add_note", request(alert_id=row.id)),
        {"text": body.text},
    )
