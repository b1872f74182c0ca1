"""`POST /api/v1/integrations/alertmanager`: Alertmanager's webhook (version 4), for teams that keep
Alertmanager in front of Herald (docs/guide.md, "Alertmanager in front of Herald (webhook)").

Authenticated by an API key (responder or admin), as Alertmanager's `http_config.authorization`
sends it; `?integration=<id>` names an alertmanager integration for its labels, policy and
grouping (default: one incident per `groupKey`). Every alert goes through `accept_events`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from api.alertmanager_webhook import AmWebhook, events_of, incident_annotations
from api.deps import AlertingDep, ResourcesDep, Responder
from api.ingest import SourceFacts, accept_events
from api.schemas.alerts import EventResult
from models.crud import get_row
from models.errors import InvalidQuery
from models.integrations import GroupBy, IntegrationKind
from models.tables import Integration

router = APIRouter(prefix="/api/v1/integrations", tags=["integrations"])


class WebhookAccepted(BaseModel):
    accepted: int = Field(description="Events queued (one per alert and matched route)")
    firing: int = Field(description="Alerts of the notification that fire")
    resolved: int = Field(description="Alerts of the notification that resolved")
    truncated_alerts: int = Field(description="Alerts Alertmanager left out of this notification (its max_alerts)")
    results: list[EventResult] = Field(description="One per queued event; `index` names the alert")


@router.post(
    "/alertmanager",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookAccepted,
    responses={
        422: {
            "description": "Not a version 4 webhook body, an alert Herald cannot keep (`alerts.<i>.<field>`), or "
            "`integration` not an active alertmanager integration of your tenant"
        }
    },
    summary="Alertmanager webhook (version 4): each alert fires or resolves in its incident",
    description=(
        "One incident per `groupKey` (each distinct label set a member of it), or per alert with an integration "
        "whose `group_by` is `fingerprint`. Firing alerts trigger, resolved ones resolve their member; the "
        "incident resolves with its last member. `truncatedAlerts` is answered and shown on the incident "
        "(annotation `alertmanager_truncated_alerts`, as the latest notification carrying one of its alerts says; "
        "gone when it left none out). Annotations are fitted to Herald's caps, never refused for them (a value over "
        "10,000 characters is cut and says so, annotations past 63 are named in `herald_annotations_left_out`). All or nothing: 202 means every alert is queued."
    ),
)
async def alertmanager_webhook(
    body: AmWebhook,
    principal: Responder,
    alerting: AlertingDep,
    resources: ResourcesDep,
    integration: Annotated[
        str | None, Query(max_length=36, description="An alertmanager integration's id (its labels, policy, group_by)")
    ] = None,
) -> WebhookAccepted:
    async with resources.sessions.begin() as session:
        scope, labels, policy, group_by = "default", {}, None, GroupBy.GROUP_KEY
        if integration is not None:
            row = await get_row(session, Integration, principal.tenant_id, integration)
            if row is None or row.kind != IntegrationKind.ALERTMANAGER or row.revoked_at is not None:
                raise InvalidQuery("integration", f"no active alertmanager integration {integration} in your tenant")
            scope, labels, policy, group_by = row.id, dict(row.labels), row.escalation_policy_id, GroupBy(row.group_by)
        events = events_of(body, scope=scope, labels=labels, policy=policy, group_by=group_by)
        facts = SourceFacts(incident_annotations=incident_annotations(body))
        results = await accept_events(
            session,
            principal.tenant_id,
            events,
            resources.settings,
            received_at=datetime.now(UTC),
            source="alertmanager_webhook",
            facts=[facts] * len(events),
        )
    alerting.wake_inbox_soon()
    firing = sum(alert.status == "firing" for alert in body.alerts)
    return WebhookAccepted(
        accepted=len(results),
        firing=firing,
        resolved=len(body.alerts) - firing,
        truncated_alerts=body.truncatedAlerts,
        results=results,
    )
