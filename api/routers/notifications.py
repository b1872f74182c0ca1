"""Deliveries: `GET /api/v1/notifications` (filtered, newest first) and one alert's deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import SessionDep, Viewer
from api.routers.alerts import NOT_FOUND, owned_alert, require_time_zones
from api.schemas.alerts import DeliveryOut
from models.deliveries import DeliveryFilter, deliveries_of_alert, list_deliveries
from models.tables import Notification

router = APIRouter(tags=["notifications"])
Status = Annotated[list[str], Query(alias="status", description="sending, retrying, delivered, failed")]


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


def delivery_out(row: Notification) -> DeliveryOut:
    return DeliveryOut.model_validate(row, from_attributes=True)


@router.get(
    "/api/v1/alerts/{alert_id}/notifications",
    response_model=list[DeliveryOut],
    responses=NOT_FOUND,
    summary="One alert's deliveries, oldest first",
)
async def alert_notifications(alert_id: str, principal: Viewer, session: SessionDep) -> list[DeliveryOut]:
    row = await owned_alert(session, principal, alert_id)
    return [delivery_out(n) for n in await deliveries_of_alert(session=session, alert_id=row.id)]


@router.get("/api/v1/notifications", response_model=DeliveryPage, summary="Deliveries with filters, newest first")
async def list_notifications(
    principal: Viewer,
    session: SessionDep,
    status_: Status = [],  # noqa: B006 (FastAPI copies defaults)
    channel_type: Annotated[list[str], Query()] = [],  # noqa: B006
    event: Annotated[list[str], Query(description="triggered, renotified, escalated, acknowledged, resolved")] = [],  # noqa: B006
    channel_id: str | None = None,
    user_id: str | None = None,
    alert_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> DeliveryPage:
    require_time_zones(since=since, until=until)
    flt = DeliveryFilter(
        tenant_id=principal.tenant_id,
        statuses=status_,
        channel_types=channel_type,
        events=event,
        channel_id=channel_id,
        user_id=user_id,
        alert_id=alert_id,
        since=since,
        until=until,
    )
    page = await list_deliveries(session=session, flt=flt, limit=limit, cursor=cursor)
    return DeliveryPage(items=[delivery_out(n) for n in page.items], next_cursor=page.next_cursor)
