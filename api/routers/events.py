"""`POST /api/v1/events`: the high-throughput ingest (signal-with-start per event)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from api.deps import AlertingDep, ResourcesDep, Responder
from api.ingest import check_references, route_bodies, to_event
from api.schemas.alerts import EventBatch, EventBatchOut, EventResult
from gateway.client import IngestItem

router = APIRouter(prefix="/api/v1", tags=["events"])


@router.post(
    "/events",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=EventBatchOut,
    responses={503: {"description": "Temporal refused some events; `results` says which were accepted"}},
    summary="Ingest a batch of trigger / resolve events",
    description=(
        "Each event is handed to its alert's workflow (signal-with-start for triggers, a signal for "
        "resolves). 202 means every event with status `accepted` is durably in Temporal. A resolve for "
        "a key with no open alert is `ignored`. Each event goes through the tenant's routing tree "
        "(`/api/v1/routes`): one result per matched route (`index` names the event), keyed by the route's group "
        '(docs/api.md, "Routing tree"); with a `dedup_key`, one result under that key.'
    ),
)
async def ingest_events(
    batch: EventBatch, principal: Responder, alerting: AlertingDep, resources: ResourcesDep
) -> EventBatchOut | JSONResponse:
    now = datetime.now(UTC)
    events = [to_event(event, resources.settings, actor=event.source, received_at=now) for event in batch.events]
    async with resources.sessions() as session:
        await check_references(session, principal.tenant_id, batch.events)
        routed = await route_bodies(session, principal.tenant_id, batch.events, events)
    items: list[IngestItem] = []
    indexes: list[int] = []
    for index, pairs in enumerate(routed):
        for pair in pairs:
            items.append(IngestItem(principal.tenant_id, pair.key, pair.event))
            indexes.append(index)
    outcomes = await alerting.ingest(items)
    results = [
        EventResult(index=i, key=o.key, status=o.status, message=o.message)
        for i, o in zip(indexes, outcomes, strict=True)
    ]
    out = EventBatchOut(
        accepted=sum(r.status == "accepted" for r in results),
        ignored=sum(r.status == "ignored" for r in results),
        failed=sum(r.status == "failed" for r in results),
        results=results,
    )
    if out.failed:
        body = out.model_dump()
        body["detail"] = f"{out.failed} of {len(results)} events were not accepted (Temporal unavailable); retry those"
        return JSONResponse(body, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    return out
