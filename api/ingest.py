"""Turning API bodies into workflow events: options, routing (group keys), channel checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import check
from api.schemas.alerts import AlertBody, EventIn, EventResult
from gateway.options import alert_options
from models.channels import missing_channel_ids
from models.crud import rows_by_id
from models.inbox import Queued, enqueue
from models.tables import EscalationPolicy
from noise.route_store import Routable, Routed, route_events
from settings import Settings
from telemetry.metrics import EVENTS_INGESTED, EVENTS_REFUSED
from workflows.payloads import AlertContent, FireEvent


def to_event(
    body: AlertBody | EventIn, settings: Settings, *, actor: str, received_at: datetime | None = None
) -> FireEvent:
    action = body.action if isinstance(body, EventIn) else "trigger"
    content = None
    if action == "trigger":
        assert body.title is not None
        content = AlertContent(
            title=body.title,
            description=body.description,
            severity=body.severity,
            category=body.category,
            source=body.source,
            labels=body.labels,
            annotations=body.annotations,
        )
    repeat = timedelta(seconds=body.repeat_interval_seconds) if body.repeat_interval_seconds else None
    return FireEvent(
        action=action,
        content=content,
        options=alert_options(
            settings,
            channel_ids=[str(c) for c in body.channels] if body.channels is not None else None,
            policy_id=str(body.escalation_policy_id) if body.escalation_policy_id else None,
            repeat_interval=repeat,
        ),
        received_at=received_at or datetime.now(UTC),
        actor=actor,
    )


def routable(body: AlertBody | EventIn, event: FireEvent) -> Routable:
    """What the routing tree needs of a body: its labels, severity, category, dedup key."""
    resolve = event.action == "resolve"
    return Routable(
        event=event,
        labels=body.labels,
        # A resolve that does not say its severity or category reaches its label set under any of them.
        severity=None if resolve and "severity" not in body.model_fields_set else body.severity.value,
        category=None if resolve and "category" not in body.model_fields_set else body.category.value,
        dedup_key=body.dedup_key,
        repeat_from_body=body.repeat_interval_seconds is not None,
    )


async def route_bodies(
    session: AsyncSession, tenant_id: str, bodies: Sequence[AlertBody | EventIn], events: list[FireEvent]
) -> list[list[Routed]]:
    """Each body's (key, event) pairs through the tenant's routing tree: one per matched route."""
    return await route_events(session, tenant_id, [routable(b, e) for b, e in zip(bodies, events, strict=True)])


class References(Protocol):
    """A body that names channels and an escalation policy (events, alerts, rules, heartbeats)."""

    @property
    def channels(self) -> Sequence[object] | None: ...

    @property
    def escalation_policy_id(self) -> object: ...


async def check_references(session: AsyncSession, tenant_id: str, bodies: Sequence[References]) -> None:
    """422 naming the body and field when one lists a channel or policy the tenant does not have."""
    wanted = {str(c) for body in bodies for c in (body.channels or [])}
    missing = await missing_channel_ids(session=session, tenant_id=tenant_id, channel_ids=wanted)
    policies = {str(body.escalation_policy_id) for body in bodies if body.escalation_policy_id}
    known_policies = await rows_by_id(session, EscalationPolicy, tenant_id, policies)
    errors: list[tuple[str, str]] = []
    for index, body in enumerate(bodies):
        prefix = f"events.{index}." if isinstance(body, EventIn) else ""
        for position, channel in enumerate(body.channels or []):
            if str(channel) in missing:
                errors.append((f"{prefix}channels.{position}", f"unknown channel {channel}"))
        if body.escalation_policy_id and str(body.escalation_policy_id) not in known_policies:
            errors.append((f"{prefix}escalation_policy_id", f"unknown escalation policy {body.escalation_policy_id}"))
    check(errors)


@dataclass(frozen=True)
class SourceFacts:
    """What a door that speaks Alertmanager's protocol knows beyond an EventIn: when the alert began,
    when it ends unless re-sent (a trigger) or ended (a resolve), the link to its source, and what
    its notification says of the incident (`FireEvent.incident_annotations`; an empty value
    removes the annotation)."""

    ends_at: datetime | None = None
    starts_at: datetime | None = None
    generator_url: str = ""
    incident_annotations: dict[str, str] = field(default_factory=dict)


def _with_facts(event: FireEvent, facts: SourceFacts) -> FireEvent:
    event.ends_at = facts.ends_at
    event.incident_annotations = dict(facts.incident_annotations)
    if event.content is not None:
        event.content.starts_at = facts.starts_at
        event.content.generator_url = facts.generator_url
    return event


async def accept_events(
    session: AsyncSession,
    tenant_id: str,
    bodies: Sequence[EventIn],
    settings: Settings,
    *,
    received_at: datetime,
    source: str,
    facts: Sequence[SourceFacts] | None = None,
) -> list[EventResult]:
    """The one way events enter Herald (`POST /api/v1/events` and the doors that speak other tools'
    protocols): checked (422 naming `events.<i>.<field>`), routed through the tenant's tree, and
    queued in the ingest inbox in the caller's transaction — durable once it commits. One result
    per (event, matched route). `facts`, one per body when given, adds Alertmanager's times, link and
    incident annotations (SourceFacts; `FireEvent.ends_at`: the member expires then unless re-sent). The caller commits, then
    calls `AlertingClient.wake_inbox_soon()`. `source` names the door for the metrics
    (`herald_events_ingested_total{source}`, `herald_events_refused_total{source}`): a fixed word, never
    client text."""
    try:
        return await _accept(session, tenant_id, bodies, settings, received_at=received_at, facts=facts, source=source)
    except Exception:
        EVENTS_REFUSED.labels(source).inc(len(bodies))
        raise


async def _accept(
    session: AsyncSession,
    tenant_id: str,
    bodies: Sequence[EventIn],
    settings: Settings,
    *,
    received_at: datetime,
    facts: Sequence[SourceFacts] | None,
    source: str,
) -> list[EventResult]:
    events = [to_event(body, settings, actor=body.source, received_at=received_at) for body in bodies]
    if facts is not None:
        events = [_with_facts(event, extra) for event, extra in zip(events, facts, strict=True)]
    await check_references(session, tenant_id, bodies)
    routed = await route_bodies(session, tenant_id, bodies, events)
    results: list[EventResult] = []
    queued: list[Queued] = []
    for index, pairs in enumerate(routed):
        for pair in pairs:
            queued.append(Queued(tenant_id, pair.key, pair.event))
            results.append(EventResult(index=index, key=pair.key, status="accepted"))
    await enqueue(session, queued)
    EVENTS_INGESTED.labels(source).inc(len(bodies))
    return results
