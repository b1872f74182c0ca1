"""`POST /v2/enqueue` and `POST /v2/change/enqueue`: PagerDuty's Events API v2, spoken by Herald.

Not under /api/v1 and without an Authorization header, as PagerDuty: the `routing_key` in the body
is an integration key of the tenant (`/api/v1/integrations`) and names it. Every refusal has
PagerDuty's shape, never FastAPI's: the routes use `PagerDutyRoute`, which turns a validation
error, a body over 512 KB and `InvalidEvent` into 400 `{"status": "invalid event", "message",
"errors"}`. An unknown or revoked routing key counts as a failed authentication of the source
address (api/load_shedding.py: too many and the address gets 429).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import AlertingDep, Resources, ResourcesDep
from api.errors import FieldErrors
from api.ingest import accept_events
from api.pagerduty_events import (
    MAX_BODY,
    AlertEvent,
    ChangeEventIn,
    InvalidEvent,
    check_alert_event,
    event_errors,
    incident_key,
    parse_timestamp,
    resolve_body,
    trigger_body,
)
from gateway.client import AlertingClient
from gateway.errors import AlertNotFound, TransitionRejected
from models.integrations import IntegrationKind, find_by_routing_key, record_change
from models.tables import Alert, Integration
from workflows.payloads import AcknowledgeRequest, AlertStatus


class EventAccepted(BaseModel):
    status: Literal["success"] = "success"
    message: str = Field(description='"Event processed" (an alert event) or "Change event processed"')
    dedup_key: str | None = Field(
        None, description="The alert's dedup key: the one sent, or the one Herald made for a trigger without one"
    )


class EventInvalid(BaseModel):
    status: Literal["invalid event"] = "invalid event"
    message: str = Field(description='"Event object is invalid" (or "Change event object is invalid")')
    errors: list[str] = Field(description="One entry per problem, each naming its field: `'payload.summary' is ...`")


def invalid(errors: list[str], message: str = "Event object is invalid") -> JSONResponse:
    body = EventInvalid(message=message, errors=errors)
    return JSONResponse(body.model_dump(), status_code=status.HTTP_400_BAD_REQUEST)


class PagerDutyRoute(APIRoute):
    """A route whose refusals of the body are PagerDuty's 400, not FastAPI's 422 (these routes only)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        message = "Change event object is invalid" if "change" in self.path else "Event object is invalid"

        async def handler(request: Request) -> Response:
            if len(await request.body()) > MAX_BODY:  # the body is read once and kept for the route
                return invalid([f"'body' is larger than {MAX_BODY} bytes (PagerDuty's limit: 512 KB)"], message)
            try:
                return await handle(request)
            except RequestValidationError as err:
                return invalid(event_errors(err.errors()), message)
            except InvalidEvent as err:
                return invalid(err.errors, message)

        return handler


router = APIRouter(prefix="/v2", tags=["pagerduty events"], route_class=PagerDutyRoute)
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": EventInvalid,
        "description": "Invalid event (a field missing, of the wrong type or too long; an unknown event_action or "
        "severity; a bad timestamp; a body over 512 KB), or a routing_key that is no active integration key",
    },
    422: {"description": "Text PostgreSQL cannot store (a NUL character): Herald's error body naming the field"},
}


async def integration_of(request: Request, resources: Resources, session: AsyncSession, key: str) -> Integration:
    """The active PagerDuty integration of this key; else InvalidEvent, counted as a failed authentication."""
    found = await find_by_routing_key(session=session, key=key)
    if found is None or found.kind != IntegrationKind.PAGERDUTY:
        resources.guard.failed_authentication(request.scope)
        raise InvalidEvent(["'routing_key' is not an active integration key (unknown or revoked)"])
    return found


@router.post(
    "/enqueue",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=EventAccepted,
    responses=ERRORS,
    summary="PagerDuty Events API v2: trigger, acknowledge or resolve an alert",
    description=(
        "`routing_key` is one of your integration keys. A trigger opens (or re-fires) the alert of its "
        "`dedup_key`, made and returned when absent; after a resolve, the same key opens a new alert. An "
        "acknowledge acts on the open alert of the key now; a resolve is queued like any event. An acknowledge "
        "or resolve with no open alert is accepted and changes nothing (PagerDuty drops it too). Dedup keys are "
        'per integration (docs/guide.md, "Sending PagerDuty events to Herald").'
    ),
)
async def enqueue(event: AlertEvent, request: Request, resources: ResourcesDep, alerting: AlertingDep) -> EventAccepted:
    check_alert_event(event)
    dedup_key = event.dedup_key or uuid.uuid4().hex
    open_alert: Alert | None = None
    async with resources.sessions.begin() as session:
        integration = await integration_of(request, resources, session, event.routing_key)
        if event.event_action == "acknowledge":
            open_alert = await _open_alert(session, integration.tenant_id, incident_key(integration.id, dedup_key))
        else:
            body = (
                trigger_body(event, integration, dedup_key)
                if event.event_action == "trigger"
                else resolve_body(integration, dedup_key)
            )
            try:
                await accept_events(
                    session, integration.tenant_id, [body], resources.settings, received_at=datetime.now(UTC)
                )
            except FieldErrors as err:  # the integration's policy is gone (its delete is refused while bound)
                raise InvalidEvent([f"'routing_key' {message}" for _, message in err.errors]) from err
    if event.event_action == "acknowledge":
        if open_alert is not None:
            await _acknowledge(alerting, open_alert, f"pagerduty:{integration.name}")
    else:
        alerting.wake_inbox_soon()
    return EventAccepted(message="Event processed", dedup_key=dedup_key)


async def _open_alert(session: AsyncSession, tenant_id: str, key: str) -> Alert | None:
    return await session.scalar(
        select(Alert)
        .where(Alert.tenant_id == tenant_id, Alert.dedup_key == key, Alert.status != AlertStatus.RESOLVED.value)
        .order_by(Alert.created_at.desc())
        .limit(1)
    )


async def _acknowledge(alerting: AlertingClient, row: Alert, actor: str) -> None:
    """Acknowledge it through its workflow; an alert that resolved or closed meanwhile, or that is
    already acknowledged, is left as it is (PagerDuty's "accepted and dropped")."""
    if row.status == AlertStatus.ACKNOWLEDGED.value:
        return
    try:
        await alerting.acknowledge(row.workflow_id, AcknowledgeRequest(alert_id=row.id, actor=actor))
    except (TransitionRejected, AlertNotFound):
        return


@router.post(
    "/change/enqueue",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=EventAccepted,
    responses=ERRORS,
    summary="PagerDuty Events API v2: record a change event on the tenant's change timeline",
    description="Kept in `GET /api/v1/change-events` (newest first); a change event opens no alert.",
)
async def change_enqueue(event: ChangeEventIn, request: Request, resources: ResourcesDep) -> EventAccepted:
    timestamp = parse_timestamp(event.payload.timestamp, "payload.timestamp") or datetime.now(UTC)
    async with resources.sessions.begin() as session:
        integration = await integration_of(request, resources, session, event.routing_key)
        await record_change(
            session=session,
            tenant_id=integration.tenant_id,
            integration_id=integration.id,
            summary=event.payload.summary,
            source=event.payload.source,
            timestamp=timestamp,
            custom_details=event.payload.custom_details,
            links=[link.model_dump(exclude_none=True) for link in event.links],
        )
    return EventAccepted(message="Change event processed")
