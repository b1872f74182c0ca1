"""`POST /api/v1/events`: the high-throughput ingest, through the ingest inbox (models/inbox.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, status

from api.deps import AlertingDep, ResourcesDep, Responder
from api.ingest import accept_events
from api.schemas.alerts import EventBatch, EventBatchOut

router = APIRouter(prefix="/api/v1", tags=["events"])


@router.post(
    "/events",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=EventBatchOut,
    summary="Ingest a batch of trigger / resolve events",
    description=(
        "Each event goes through the tenant's routing tree (`/api/v1/routes`): one result per matched "
        'route (`index` names the event), keyed by the route\'s group (docs/api.md, "Routing tree"); with '
        "a `dedup_key`, one result under that key. 202 means every event is durably in the ingest inbox "
        "(PostgreSQL, committed before the answer): it reaches its incident's workflow within moments, in "
        "batch order per key, even if every process dies right after the answer. A resolve is `accepted` "
        "too; if its key has no open incident when it arrives there, it changes nothing. The batch is all "
        "or nothing: a 422 names the first bad event's field and nothing is kept."
    ),
)
async def ingest_events(
    batch: EventBatch, principal: Responder, alerting: AlertingDep, resources: ResourcesDep
) -> EventBatchOut:
    async with resources.sessions.begin() as session:
        results = await accept_events(
            session,
            principal.tenant_id,
            batch.events,
            resources.settings,
            received_at=datetime.now(UTC),
            source="events",
        )
    alerting.wake_inbox_soon()  # not awaited; a lost wake waits for the drain's own look (10 s)
    return EventBatchOut(accepted=len(results), ignored=0, failed=0, results=results)
