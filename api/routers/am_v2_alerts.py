"""Alertmanager API v2, alerts: `POST /api/v2/alerts` (what Prometheus and Grafana send),
`GET /api/v2/alerts`, `GET /api/v2/alerts/groups` (what amtool and Grafana read).

Posted alerts enter through `api.ingest.accept_events` like every event: routed through the tenant's
tree into incidents, durable in the ingest inbox once the answer is sent. Errors are Alertmanager's:
400 with a JSON string naming the alert and field (Prometheus drops a batch answered 4xx and
retries on 5xx).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from amapi.mapping import MappedAlert, alert_problem, map_alert
from amapi.shapes import AlertGroup, GettableAlert, PostableAlert, Receiver
from api.alertmanager_fit import fit_annotations, fit_description
from api.am_http import bad_request, body_schema
from api.am_read import MAX_ALERTS, ListedAlert, firing_alerts
from api.am_tenant import AmSettings, tenant_am_settings
from api.deps import AlertingDep, ResourcesDep, Responder, SessionDep, Viewer
from api.ingest import SourceFacts, accept_events
from api.schemas.alerts import EventIn
from models.regex import RegexError, compile_anchored
from models.selectors import labels_problem
from noise.matchers import Matcher, MatcherError, parse_matchers

router = APIRouter(prefix="/api/v2", tags=["alertmanager v2"])
POSTABLE_ALERTS = TypeAdapter(list[PostableAlert])
BAD_REQUEST: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "A JSON string naming the alert and the field: `alerts.3.labels: at least one label pair "
        "required`, not a list of alerts, a bad time, a label or an annotation name Herald cannot store",
        "content": {"application/json": {"schema": {"type": "string"}}},
    }
}


def _where(error: ErrorDetails) -> str:
    location = ".".join(str(part) for part in error["loc"])
    return f"alerts.{location}" if location else "alerts"


def _event(mapped: MappedAlert) -> EventIn:
    return EventIn(
        action=mapped.action,
        title=mapped.title if mapped.action == "trigger" else None,
        description=fit_description(mapped.description),
        severity=mapped.severity,
        labels=mapped.labels,
        annotations=fit_annotations(mapped.annotations),
        source="alertmanager-api",
    )


def _check(alerts: list[PostableAlert], now: datetime, settings: AmSettings) -> tuple[list[EventIn], list[SourceFacts]]:
    """Each alert as an event and its times; ValueError naming `alerts.<i>.<field>` for the first bad one."""
    bodies: list[EventIn] = []
    times: list[SourceFacts] = []
    for index, alert in enumerate(alerts):
        problem = alert_problem(alert)
        if problem is None:
            problem = labels_problem(alert.labels, reserved_allowed=True)
        if problem is not None:
            raise ValueError(f"alerts.{index}.labels: {problem}")
        mapped = map_alert(alert, now=now, resolve_timeout=settings.resolve_timeout, severities=settings.severities)
        try:
            bodies.append(_event(mapped))
        except ValidationError as err:
            first = err.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "alert"
            field = {"title": "annotations.summary", "description": "annotations.description"}.get(field, field)
            raise ValueError(f"alerts.{index}.{field}: {first['msg']}") from err
        times.append(
            SourceFacts(ends_at=mapped.ends_at, starts_at=mapped.starts_at, generator_url=mapped.generator_url)
        )
    return bodies, times


@router.post(
    "/alerts",
    status_code=200,
    response_class=Response,
    responses={200: {"description": "Every alert is durably in the ingest inbox (empty body)"}, **BAD_REQUEST},
    openapi_extra=body_schema(POSTABLE_ALERTS),
    summary="Post alerts as Prometheus and Grafana send them (Alertmanager API v2)",
    description=(
        "A JSON list of Alertmanager `PostableAlert`s (`labels` required; `annotations`, `startsAt`, `endsAt`, "
        "`generatorURL`), any number up to the body limit. An alert whose `endsAt` has passed resolves its label "
        "set; any other fires, and resolves by itself at its `endsAt`, or `resolve_timeout` (per tenant, default "
        "5 m) after it was last sent when it has none. Re-sending a firing alert extends it and notifies nobody; "
        "a re-sent resolved alert changes nothing. Each alert goes through the tenant's routing tree into "
        'incidents, as `/api/v1/events` does (docs/api.md, "Alertmanager API v2"). Needs a responder key, as '
        "a bearer token or as the password of Basic authentication. The batch is all or nothing: 400 names the "
        "first bad alert's field and nothing is kept. Annotations and the description are fitted to Herald's "
        "caps, never refused for them: a value over 10,000 characters is cut and says so, annotations past 64 are "
        "named in `herald_annotations_left_out`."
    ),
)
async def post_alerts(
    request: Request, principal: Responder, alerting: AlertingDep, resources: ResourcesDep
) -> Response:
    try:
        alerts = POSTABLE_ALERTS.validate_json(await request.body())
    except ValidationError as err:
        first = err.errors()[0]
        return bad_request(f"{_where(first)}: {first['msg']}")
    now = datetime.now(UTC)
    async with resources.sessions.begin() as session:
        settings = await tenant_am_settings(session=session, tenant_id=principal.tenant_id)
        try:
            bodies, times = _check(alerts, now, settings)
        except ValueError as err:
            return bad_request(str(err))
        if bodies:
            await accept_events(
                session,
                principal.tenant_id,
                bodies,
                resources.settings,
                received_at=now,
                facts=times,
                source="alertmanager",
            )
    if alerts:
        alerting.wake_inbox_soon()  # not awaited; a lost wake waits for the drain's own look (10 s)
    return Response(status_code=200)


FilterParam = Annotated[
    list[str] | None,
    Query(description='Alertmanager matchers the alerts must all match (`alertname="Down"`, `env=~"prod|dr"`)'),
]
ReceiverParam = Annotated[str | None, Query(description="A regex (RE2, anchored) a receiver's name must match")]
BAD_FILTER: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "A `filter` that is not a matcher, or a `receiver` that is not a regex (a JSON string)",
        "content": {"application/json": {"schema": {"type": "string"}}},
    }
}


class BadQuery(ValueError):
    pass


def _filters(texts: list[str] | None) -> list[Matcher]:
    found: list[Matcher] = []
    for text in texts or []:
        try:
            found += parse_matchers(text)
        except MatcherError as err:
            raise BadQuery(f"filter: bad matcher format: {err}") from err
    return found


def _receiver(pattern: str | None) -> Any:
    if pattern is None:
        return None
    try:
        return compile_anchored(pattern)
    except RegexError as err:
        raise BadQuery(f"receiver: failed to parse receiver param: {err}") from err


async def _listed(
    session: SessionDep, tenant_id: str, filters: list[str] | None, receiver: str | None, keep: dict[str, bool]
) -> list[ListedAlert]:
    """The firing members that pass the filters; `keep` says which states to show (active, silenced, inhibited)."""
    matchers = _filters(filters)
    receiver_regex = _receiver(receiver)
    settings = await tenant_am_settings(session=session, tenant_id=tenant_id)
    found = await firing_alerts(
        session=session,
        tenant_id=tenant_id,
        now=datetime.now(UTC),
        resolve_timeout=settings.resolve_timeout,
        filters=matchers,
    )
    shown: list[ListedAlert] = []
    for item in found:
        status = item.alert.status
        if status.state == "active" and not keep["active"]:
            continue
        if status.silencedBy and not keep["silenced"]:
            continue
        if status.inhibitedBy and not keep["inhibited"]:
            continue
        if receiver_regex is not None and not any(receiver_regex.search(r.name) for r in item.alert.receivers):
            continue
        shown.append(item)
    return shown


@router.get(
    "/alerts",
    response_model=list[GettableAlert],
    responses=BAD_FILTER,
    summary="The tenant's firing alerts, as Alertmanager lists them",
    description=(
        f"The {MAX_ALERTS} most recently seen firing members of open incidents (the bound of one call), then "
        "the filters. `status.state` is `suppressed` when an active silence matches it (`silencedBy`: "
        "the silence ids) or an inhibit rule holds it (`inhibitedBy`: the inhibiting incidents' ids), else "
        "`active`; nothing is ever `unprocessed` (an alert is listed once its incident has it). `receivers`: "
        "the incident's channels as one receiver (`ops+mail`; see `GET /api/v2/status`). A viewer key suffices."
    ),
)
async def get_alerts(
    principal: Viewer,
    session: SessionDep,
    active: bool = True,
    silenced: bool = True,
    inhibited: bool = True,
    unprocessed: bool = True,
    filter: FilterParam = None,
    receiver: ReceiverParam = None,
) -> Any:
    try:
        listed = await _listed(
            session,
            principal.tenant_id,
            filter,
            receiver,
            {"active": active, "silenced": silenced, "inhibited": inhibited},
        )
    except BadQuery as err:
        return bad_request(str(err))
    return [item.alert.model_dump(mode="json") for item in listed]


def _common(label_sets: list[dict[str, str]]) -> dict[str, str]:
    first, *rest = label_sets
    return {name: value for name, value in first.items() if all(other.get(name) == value for other in rest)}


@router.get(
    "/alerts/groups",
    response_model=list[AlertGroup],
    responses=BAD_FILTER,
    summary="The tenant's firing alerts by incident, as Alertmanager groups them",
    description=(
        "One group per incident and receiver, with the firing members `GET /api/v2/alerts` lists (same filters "
        "and bound). A group's `labels` are the labels all its listed members share (Alertmanager shows the "
        "route's `group_by` values, which these include)."
    ),
)
async def get_alert_groups(
    principal: Viewer,
    session: SessionDep,
    active: bool = True,
    silenced: bool = True,
    inhibited: bool = True,
    filter: FilterParam = None,
    receiver: ReceiverParam = None,
) -> Any:
    try:
        listed = await _listed(
            session,
            principal.tenant_id,
            filter,
            receiver,
            {"active": active, "silenced": silenced, "inhibited": inhibited},
        )
    except BadQuery as err:
        return bad_request(str(err))
    groups: dict[tuple[str, str], list[GettableAlert]] = {}
    for item in listed:
        for receiver_ref in item.alert.receivers:
            groups.setdefault((item.incident_id, receiver_ref.name), []).append(item.alert)
    answer = [
        AlertGroup(labels=_common([a.labels for a in alerts]), receiver=Receiver(name=name), alerts=alerts)
        for (_, name), alerts in groups.items()
    ]
    return [group.model_dump(mode="json") for group in answer]
