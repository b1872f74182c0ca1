"""`/api/v1/alerts`: create, list, read, edit, acknowledge, resolve, bulk actions, statistics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from api.alert_output import alert_out, view_out
from api.alert_trends_out import trend_fields
from api.audit import Audit, AuditDep, actor_of, masked
from api.deps import AlertingDep, Principal, ResourcesDep, Responder, SessionDep, SettingsDep, Viewer
from api.errors import FieldErrors
from api.ingest import check_references, route_bodies, to_event
from api.schemas.alerts import (
    MEMBERS_SHOWN,
    ActionBody,
    AlertCreate,
    AlertDetailOut,
    AlertOut,
    AlertPage,
    AlertUpdate,
    Bucket,
    BulkAction,
    BulkOut,
    BulkResult,
    ChannelDeliveries,
    DeliveryOut,
    DurationStats,
    MemberOut,
    MemberPage,
    StatisticsOut,
    TimelineOut,
)
from gateway.client import AlertingClient, IngestItem
from gateway.errors import AlertingError, AlertNotFound, EngineUnavailable, TransitionRejected
from models import alert_queries
from models.alert_queries import AlertFilter
from models.alert_trends import MAX_BUCKETS, BucketSize, GroupBy, bucket_count, tenant_time_zone, trends
from models.deliveries import deliveries_of_alert, delivery_stats
from models.errors import InvalidQuery, NotFound
from models.oncall import zone
from models.tables import Alert
from models.text import unstorable
from models.timestamps import utc_text
from noise.matchers import Matcher, MatcherError, parse_matchers
from settings import Settings
from workflows.payloads import (
    AcknowledgeRequest,
    AlertStatus,
    AlertView,
    Category,
    EditRequest,
    ResolveRequest,
    Severity,
    SnoozeRequest,
)

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])

BULK_CONCURRENCY = 16
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such alert in your tenant"}}
ACTION_ERRORS: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    409: {"description": "The transition is not allowed (e.g. the alert is resolved)"},
    503: {"description": "Temporal or the Herald worker did not answer"},
}


def require_time_zones(**moments: datetime | None) -> None:
    """A naive time is ambiguous: 422 naming the parameter rather than guessing a zone."""
    for name, moment in moments.items():
        if moment is not None and moment.tzinfo is None:
            raise InvalidQuery(name, f"{name} needs a time zone (e.g. 2026-01-01T00:00:00Z)")


def parse_label_filters(values: list[str]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for value in values:
        name, sep, wanted = value.partition("=")
        if not sep or not name:
            raise InvalidQuery("label", f"label filter {value!r} must look like key=value")
        labels[name] = wanted
    return labels


def parse_matcher_filters(values: list[str]) -> list[Matcher]:
    """Alertmanager matchers (docs/api.md, "Matchers"); each value may hold several."""
    found: list[Matcher] = []
    for value in values:
        try:
            parsed = parse_matchers(value)
        except MatcherError as err:
            raise InvalidQuery("matcher", f"matcher {value!r}: {err}") from err
        for m in parsed:  # the name goes to PostgreSQL (labels->>name); an escape can spell what it refuses
            problem = unstorable(m.name)
            if problem:
                raise InvalidQuery("matcher", f"matcher {value!r}: label name {problem}")
        found += parsed
    return found


@router.post(
    "/",
    response_model=AlertOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "The key already had an open alert: its event count was raised"}, 503: {}},
    summary="Create a manual alert (or re-fire the open one with the same key)",
)
async def create_alert(
    body: AlertCreate,
    principal: Responder,
    alerting: AlertingDep,
    resources: ResourcesDep,
    request: Request,
    response: Response,
) -> AlertOut:
    event = to_event(body, resources.settings, actor=principal.actor)
    async with resources.sessions() as session:
        await check_references(session, principal.tenant_id, [body])
        [first, *others] = (await route_bodies(session, principal.tenant_id, [body], [event]))[0]
    view = await alerting.create(principal.tenant_id, first.key, first.event)
    if others:  # routes matched with `continue`: their incidents start as any event's would
        outcomes = await alerting.ingest([IngestItem(principal.tenant_id, o.key, o.event) for o in others])
        failed = [o for o in outcomes if o.status == "failed"]
        if failed:
            raise EngineUnavailable(failed[0].message)
    async with resources.sessions.begin() as session:  # once Temporal took it (the session is not held across)
        audit = Audit.for_actor(session, request, principal.tenant_id, actor_of(principal))
        action = "refire" if view.event_count > 1 else "create"
        await audit.record("alert", view.alert_id, action, after=body.model_dump(mode="json", exclude_unset=True))
    if view.event_count > 1:
        response.status_code = status.HTTP_200_OK
    return view_out(view, resources.settings)


@router.get("/", response_model=AlertPage, summary="List alerts with filters, sort and cursor pagination")
async def list_alerts(
    principal: Viewer,
    session: SessionDep,
    settings: SettingsDep,
    status_: Annotated[list[AlertStatus], Query(alias="status")] = [],  # noqa: B006 (FastAPI copies defaults)
    severity: Annotated[list[Severity], Query()] = [],  # noqa: B006
    category: Annotated[list[Category], Query()] = [],  # noqa: B006
    source: Annotated[list[str], Query()] = [],  # noqa: B006
    label: Annotated[
        list[str], Query(description="key=value; repeat to require several; key= matches alerts without the label")
    ] = [],  # noqa: B006
    matcher: Annotated[
        list[str],
        Query(
            description='Alertmanager matchers, e.g. env=~"prod|stag" or {svc="api",env!="dev"}; repeat to require '
            'several; a missing label matches as "" (docs/api.md, "Matchers")'
        ),
    ] = [],  # noqa: B006
    since: Annotated[datetime | None, Query(description="created at or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="created before (ISO 8601)")] = None,
    q: Annotated[
        str, Query(max_length=200, description="free text: the title, source or dedup key contains it (any case)")
    ] = "",
    sort: Annotated[
        str, Query(description="created_at, last_seen, severity or event_count; - for descending")
    ] = "-created_at",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> AlertPage:
    require_time_zones(since=since, until=until)
    flt = AlertFilter(
        status=[s.value for s in status_],
        severity=[s.value for s in severity],
        category=[c.value for c in category],
        source=source,
        labels=parse_label_filters(label),
        matchers=list(parse_matcher_filters(matcher)),
        since=since,
        until=until,
        text=q.strip(),
    )
    if unstorable(flt.text):
        raise InvalidQuery("q", f"q {unstorable(flt.text)}")
    page = await alert_queries.list_alerts(
        session=session, tenant_id=principal.tenant_id, flt=flt, sort=sort, limit=limit, cursor=cursor
    )
    return AlertPage(items=[alert_out(r, settings) for r in page.items], total=page.total, next_cursor=page.next_cursor)


STATISTICS_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "`from`/`since` or `to`/`until` lacks a time zone, `from` is not before `to`, `bucket` or "
        "`group_by` is not one of its values, `tz` is not an IANA zone, or the window holds more than 1,000 buckets"
    }
}


@router.get(
    "/statistics",
    response_model=StatisticsOut,
    responses=STATISTICS_ERRORS,
    summary="Counts, response times and trends per bucket",
    description="Alerts created in [`from`, `to`): totals, time to acknowledge and to resolve (mean, p50, p90), "
    "then `buckets`: per hour, day or week (read in `tz`, default the tenant's time zone) and per `group_by` "
    "value, the count, acknowledged, escalated and response times; the noisiest alerts and keys; acknowledgement "
    "and escalation rates. At most 1,000 buckets per answer.",
)
async def statistics(
    principal: Viewer,
    session: SessionDep,
    since: Annotated[datetime | None, Query(description="Same as `from` (older name)")] = None,
    until: Annotated[datetime | None, Query(description="Same as `to` (older name)")] = None,
    from_: Annotated[datetime | None, Query(alias="from", description="default: 7 days before `to`")] = None,
    to: Annotated[datetime | None, Query(description="default: now")] = None,
    bucket: Annotated[BucketSize, Query(description="hour, day or week")] = "day",
    group_by: Annotated[GroupBy | None, Query(description="severity, category, team, service, rule or source")] = None,
    tz: Annotated[str | None, Query(description="IANA zone of the buckets (default: the tenant's time_zone)")] = None,
) -> StatisticsOut:
    require_time_zones(**{"from": from_, "to": to, "since": since, "until": until})
    since, until = from_ or since, to or until
    until = until or datetime.now(UTC)
    since = since or until - timedelta(days=7)
    if since >= until:
        raise InvalidQuery("from", "from (since) must be before to (until)")
    if bucket_count(since, until, bucket) > MAX_BUCKETS:
        raise InvalidQuery("bucket", f"more than {MAX_BUCKETS} {bucket} buckets: narrow from/to or use a larger bucket")
    zone_name = tz or await tenant_time_zone(session=session, tenant_id=principal.tenant_id)
    try:
        zone(zone_name)
    except ValueError as err:
        raise InvalidQuery("tz", str(err)) from err
    stats = await alert_queries.statistics(session=session, tenant_id=principal.tenant_id, since=since, until=until)
    trend = await trends(
        session=session,
        tenant_id=principal.tenant_id,
        since=since,
        until=until,
        bucket=bucket,
        time_zone=zone_name,
        group_by=group_by,
    )
    return StatisticsOut(
        since=since,
        until=until,
        total=stats.total,
        by_status=stats.by_status,
        by_severity=stats.by_severity,
        by_category=stats.by_category,
        time_to_acknowledge=DurationStats(**vars(stats.to_acknowledge)),
        time_to_resolve=DurationStats(**vars(stats.to_resolve)),
        per_day=[Bucket(day=day, count=count) for day, count in stats.per_day],
        bucket=bucket,
        group_by=group_by,
        time_zone=zone_name,
        **trend_fields(trend),
        deliveries=[
            ChannelDeliveries(
                **vars(c),
                success_rate=c.delivered / (c.delivered + c.failed) if c.delivered + c.failed else None,
            )
            for c in await delivery_stats(session=session, tenant_id=principal.tenant_id, since=since, until=until)
        ],
    )


async def owned_alert(session: SessionDep, principal: Principal, alert_id: str) -> Alert:
    row = await alert_queries.get_alert(session=session, tenant_id=principal.tenant_id, alert_id=alert_id)
    if row is None:
        raise NotFound(f"alert {alert_id} not found")
    return row


@router.get("/{alert_id}", response_model=AlertDetailOut, responses=NOT_FOUND, summary="One alert with its timeline")
async def get_alert(alert_id: str, principal: Viewer, session: SessionDep, settings: SettingsDep) -> AlertDetailOut:
    row = await owned_alert(session, principal, alert_id)
    entries = await alert_queries.timeline(session=session, alert_id=row.id)
    sent = await deliveries_of_alert(session=session, alert_id=row.id)
    shown = await alert_queries.members(session=session, alert_id=row.id, limit=MEMBERS_SHOWN)
    return AlertDetailOut(
        **alert_out(row, settings).model_dump(),
        timeline=[
            TimelineOut(at=e.at, kind=e.kind, actor=e.actor, message=e.message, details=e.details) for e in entries
        ],
        notifications=[DeliveryOut.model_validate(n, from_attributes=True) for n in sent],
        members=[MemberOut.model_validate(m, from_attributes=True) for m in shown],
    )


@router.get(
    "/{alert_id}/members",
    response_model=MemberPage,
    responses=NOT_FOUND,
    summary="An incident's members",
    description="Members ordered by key; `after` (a member key from `next_after`) pages on. "
    "`status` filters firing or resolved members. 404 for an alert of another tenant or none.",
)
async def list_members(
    alert_id: str,
    principal: Viewer,
    session: SessionDep,
    status_: Annotated[Literal["firing", "resolved"] | None, Query(alias="status")] = None,
    after: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> MemberPage:
    row = await owned_alert(session, principal, alert_id)
    found = await alert_queries.members(session=session, alert_id=row.id, status=status_, after=after, limit=limit + 1)
    items = [MemberOut.model_validate(m, from_attributes=True) for m in found[:limit]]
    return MemberPage(items=items, next_after=items[-1].key if len(found) > limit else None)


def ensure_open(row: Alert, verb: str) -> None:
    if row.status == AlertStatus.RESOLVED:
        by = f" by {row.resolved_by}" if row.resolved_by else ""
        at = f" at {utc_text(row.resolved_at)}" if row.resolved_at else ""
        raise TransitionRejected(f"alert {row.id} was resolved{by}{at} and cannot be {verb}")


@dataclass(frozen=True)
class AlertDesk:
    """What every change to one alert needs (a responder's request), as one dependency."""

    session: AsyncSession
    principal: Principal
    alerting: AlertingClient
    settings: Settings

    audit: Audit

    async def act(
        self, alert_id: str, verb: str, call: Callable[[Alert], Awaitable[AlertView]], asked: Any = None
    ) -> AlertOut:
        """The tenant's alert (else 404), still open (else a 409 saying it cannot be `verb`), then
        `call` on it through the gateway, its answer as the API shows it.

        The audit row (action `ACTIONS[verb]`, `after`: what was `asked` and the status it led to) is
        inserted before the call: a failed insert sends nothing, a refused call rolls the row back."""
        row = await owned_alert(self.session, self.principal, alert_id)
        ensure_open(row, verb)
        entry = await self.audit.record("alert", row.id, ACTIONS[verb], before={"status": row.status}, after=asked)
        view = await call(row)
        entry.after = masked({**(asked or {}), "status": view.status})
        return view_out(view, self.settings)


# The audit log's action for each verb of AlertDesk.act.
ACTIONS = {
    "acknowledged": "acknowledge",
    "resolved": "resolve",
    "edited": "edit",
    "snoozed": "snooze",
    "escalated": "escalate",
    "reassigned": "reassign",
    "annotated": "note",
}


def alert_desk(
    principal: Responder, audit: AuditDep, session: SessionDep, alerting: AlertingDep, settings: SettingsDep
) -> AlertDesk:
    return AlertDesk(session, principal, alerting, settings, audit)


AlertDeskDep = Annotated[AlertDesk, Depends(alert_desk)]


@router.put(
    "/{alert_id}",
    response_model=AlertOut,
    responses=ACTION_ERRORS,
    summary="Edit title, description, severity, annotations",
)
async def edit_alert(alert_id: str, body: AlertUpdate, desk: AlertDeskDep) -> AlertOut:
    changes = body.model_dump(exclude_unset=True)
    actor = desk.principal.actor
    return await desk.act(
        alert_id,
        "edited",
        lambda row: desk.alerting.edit(row.workflow_id, EditRequest(alert_id=row.id, actor=actor, **changes)),
        body.model_dump(mode="json", exclude_unset=True),
    )


@router.post(
    "/{alert_id}/acknowledge",
    response_model=AlertOut,
    responses=ACTION_ERRORS,
    summary="Acknowledge (stops renotification)",
)
async def acknowledge(alert_id: str, desk: AlertDeskDep, body: ActionBody | None = None) -> AlertOut:
    return await _transition_one("acknowledge", alert_id, desk, body)


@router.post(
    "/{alert_id}/resolve",
    response_model=AlertOut,
    responses=ACTION_ERRORS,
    summary="Resolve (notifies every channel told it fired)",
)
async def resolve(alert_id: str, desk: AlertDeskDep, body: ActionBody | None = None) -> AlertOut:
    return await _transition_one("resolve", alert_id, desk, body)


Transition = Literal["acknowledge", "resolve"]
PAST: dict[Transition | Literal["snooze"], str] = {
    "acknowledge": "acknowledged",
    "resolve": "resolved",
    "snooze": "snoozed",
}


async def _transition(
    alerting: AlertingClient, row: Alert, action: Transition, actor: str, note: str | None
) -> AlertView:
    if action == "acknowledge":
        return await alerting.acknowledge(row.workflow_id, AcknowledgeRequest(alert_id=row.id, actor=actor, note=note))
    return await alerting.resolve(row.workflow_id, ResolveRequest(alert_id=row.id, actor=actor, note=note))


async def _transition_one(action: Transition, alert_id: str, desk: AlertDesk, body: ActionBody | None) -> AlertOut:
    note = body.note if body else None
    actor = desk.principal.actor
    return await desk.act(
        alert_id, PAST[action], lambda row: _transition(desk.alerting, row, action, actor, note), {"note": note}
    )


async def _act(alerting: AlertingClient, row: Alert | None, alert_id: str, body: BulkAction, actor: str) -> BulkResult:
    try:
        if row is None:
            raise NotFound(f"alert {alert_id} not found")
        ensure_open(row, PAST[body.action])
        if body.action == "snooze":
            assert body.minutes is not None  # bulk_action checked
            request = SnoozeRequest(alert_id=row.id, actor=actor, duration=timedelta(minutes=body.minutes))
            view = await alerting.act(row.workflow_id, "snooze", request)
        else:
            view = await _transition(alerting, row, body.action, actor, body.note)
    except (NotFound, AlertingError) as err:
        code = {NotFound: 404, AlertNotFound: 404, TransitionRejected: 409, EngineUnavailable: 503}.get(type(err), 500)
        return BulkResult(id=alert_id, ok=False, status=code, message=str(err))
    return BulkResult(id=alert_id, ok=True, status=200, alert_status=view.status)


@router.post(
    "/bulk_action",
    response_model=BulkOut,
    responses={422: {"description": "Duplicate ids, or `minutes` missing on a snooze (or given to another action)"}},
    summary="Acknowledge, resolve or snooze many alerts; per-id results",
    description="Each id is acted on as its own request would be; an id that cannot be (another tenant's or none: "
    "404, resolved or, for a snooze, not acknowledged: 409, no worker: 503) is a failed result whose `message` says "
    "why, and the others still happen. At most 500 ids per call. The audit log has one row per alert the action "
    "succeeded on (`after.bulk`: true); ids that failed have none.",
)
async def bulk_action(
    body: BulkAction, principal: Responder, audit: AuditDep, session: SessionDep, alerting: AlertingDep
) -> BulkOut:
    ids = list(dict.fromkeys(body.alert_ids))
    if len(ids) != len(body.alert_ids):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "alert_ids: contains duplicates")
    if body.action == "snooze" and body.minutes is None:
        raise FieldErrors([("minutes", "a snooze needs minutes")])
    if body.action != "snooze" and body.minutes is not None:
        raise FieldErrors([("minutes", f"only a snooze takes minutes, not {body.action}")])
    rows = await alert_queries.get_alerts(session=session, tenant_id=principal.tenant_id, alert_ids=ids)
    slots = asyncio.Semaphore(BULK_CONCURRENCY)

    async def one(alert_id: str) -> BulkResult:
        async with slots:
            return await _act(alerting, rows.get(alert_id), alert_id, body, principal.actor)

    results = await asyncio.gather(*(one(alert_id) for alert_id in ids))
    for result in results:  # after the gather: one session takes one statement at a time
        if result.ok:
            after: dict[str, object] = {"note": body.note, "status": result.alert_status, "bulk": True}
            if body.minutes is not None:
                after["minutes"] = body.minutes
            await audit.record("alert", result.id, body.action, before={"status": rows[result.id].status}, after=after)
    return BulkOut(succeeded=sum(r.ok for r in results), failed=sum(not r.ok for r in results), results=results)
