"""The activity of HeartbeatWorkflow: raise or resolve a monitor's alert, from its current configuration."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from gateway.client import AlertingClient, IngestItem
from gateway.options import alert_options
from models.rule_tables import Heartbeat
from models.tenants import is_disabled
from models.timestamps import utc_text
from noise.route_store import Routable, route_events
from settings import Settings
from workflows import activity_refs as refs
from workflows.ids import canonical_labels, heartbeat_alert_key
from workflows.payloads import AlertContent, Category, FireEvent, Severity
from workflows.rule_payloads import HeartbeatAlert


def describe_silence(row: Heartbeat, request: HeartbeatAlert) -> str:
    last = utc_text(request.last_ping_at) if request.last_ping_at else "never"
    return (
        f"No ping from {row.name!r} within {row.interval_seconds} s + {row.grace_seconds} s grace. "
        f"Last ping: {last}. Ping it with POST /api/v1/heartbeats/{row.name}/ping."
    )


def heartbeat_labels(row: Heartbeat) -> dict[str, str]:
    return canonical_labels({**row.labels, "heartbeat": row.name})


class HeartbeatActivities:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], alerting: AlertingClient, settings: Settings
    ) -> None:
        self._sessions = sessions
        self._alerting = alerting
        self._settings = settings

    @activity.defn(name=refs.HEARTBEAT_ALERT.name)
    async def alert(self, request: HeartbeatAlert) -> str:
        key = heartbeat_alert_key(request.heartbeat_id)
        async with self._sessions() as session:
            row = await session.get(Heartbeat, request.heartbeat_id)
            if request.action == "resolve":
                event = FireEvent(action="resolve", received_at=request.at, actor="heartbeat: ping received")
            elif row is None:
                return "deleted"  # the monitor is gone: nothing to alert about
            elif await is_disabled(session=session, tenant_id=request.tenant_id):
                return "tenant disabled"  # its monitors stay quiet until it is enabled again
            else:
                event = FireEvent(
                    action="trigger",
                    content=AlertContent(
                        title=f"Heartbeat {row.name!r} missed",
                        description=row.description or describe_silence(row, request),
                        severity=Severity(row.severity),
                        category=Category(row.category),
                        source="heartbeat",
                        labels=heartbeat_labels(row),
                        annotations={"detail": describe_silence(row, request)},
                    ),
                    options=alert_options(
                        self._settings, channel_ids=row.channel_ids, policy_id=row.escalation_policy_id
                    ),
                    received_at=request.at,
                    actor="heartbeat",
                )
            # The monitor's own key is the dedup key (one incident per monitor); the route the alert
            # takes gives its grouping, policy, channels and repeat interval.
            item = Routable(
                event=event,
                labels=heartbeat_labels(row) if row is not None else {},
                severity=row.severity if row is not None else Severity.MEDIUM.value,
                category=row.category if row is not None else Category.SYSTEM.value,
                dedup_key=key,
            )
            [[routed]] = await route_events(session, request.tenant_id, [item])
        event = routed.event
        [outcome] = await self._alerting.ingest([IngestItem(request.tenant_id, key, event)])
        if outcome.status == "failed":
            raise ApplicationError(outcome.message)  # retried: the alert must get through
        return outcome.status
