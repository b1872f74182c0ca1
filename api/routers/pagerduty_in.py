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

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
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
from models.inbox import Queued
from models.inbox import enqueue as enqueue_events
from models.integrations import IntegrationKind, find_by_routing_key, record_change
from models.tables import Integration
from models.tenants import disabled_message, is_disabled
from workflows.payloads import FireEvent


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
    403: {"description": "The integration's tenant is disabled"},
    422: {"description": "Text PostgreSQL cannot store (a NUL character): Herald's error body naming the field"},
}


async def integration_of(request: Request, resources: Resources, session: AsyncSession, key: str) -> Integration:
    """The active PagerDuty integration of this key; else InvalidEvent, counted as a failed authentication."""
    found = await find_by_routing_key(session=session, key=key)
    if found is None or found.kind != IntegrationKind.PAGERDUTY:
        resources.guard.failed_authentication(request.scope)
        raise InvalidEvent(["'routing_key' is not an active integration key (unknown or revoked)"])
    if await is_disabled(session=session, tenant_id=found.tenant_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, disabled_message(found.tenant_id))
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
        "acknowledge and a resolve are queued behind the key's earlier events, so they never overtake its trigger. An acknowledge "
        "or resolve with no open alert is accepted and changes nothing (PagerDuty drops it too). Dedup keys are "
        'per integration (docs/guide.md, "Sending PagerDuty events to Herald").'
    ),
)
async def enqueue(event: AlertEvent, request: Request, resources: ResourcesDep, alerting: AlertingDep) -> EventAccepted:
    check_alert_event(event)
    dedup_key = event.dedup_key or uuid.uuid4().hex
    now = datetime.now(UTC)
    async with resources.sessions.begin() as session:
        integration = await integration_of(request, resources, session, event.routing_key)
        if event.event_action == "acknowledge":
            # Queued like the others, so it comes after a trigger still in the inbox (never before it).
            actor = f"pagerduty:{integration.name}"
            acknowledge = FireEvent(action="acknowledge", received_at=now, actor=actor)
            key = incident_key(integration.id, dedup_key)
            await enqueue_events(session, [Queued(integration.tenant_id, key, acknowledge)])
        else:
            body = (
                trigger_body(event, integration, dedup_key)
                if event.event_action == "trigger"
                else resolve_body(integration, dedup_key)
            )
            try:
                await accept_events(
                    session, integration.tenant_id, [body], resources.settings, received_at=now, source="pagerduty"
                )
            except FieldErrors as err:  # the integration's policy is gone (its delete is refused while bound)
                raise InvalidEvent([f"'routing_key' {message}" for _, message in err.errors]) from err
    alerting.wake_inbox_soon()
    return EventAccepted(message="Event processed", dedup_key=dedup_key)


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
