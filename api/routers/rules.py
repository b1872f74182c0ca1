"""`/api/v1/alerts/rules/`: alert rules, their live instances, dry-run tests; `/api/v1/alerts/evaluate`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Response, status

from api.audit import Audit, AuditDep
from api.columns import from_columns, to_columns
from api.deps import Admin, AlertingDep, ResourcesDep, SessionDep, Viewer
from api.rule_input import check_rule, draft_rule
from api.schemas.rules import EvaluateIn, EvaluateOut, InstanceOut, RuleIn, RuleOut, RuleTestOut, TestInstance
from channels.render import in_render_thread
from gateway.client import IngestItem
from models.crud import check_name, list_rows, require_row, save_row
from models.errors import Conflict
from models.rule_tables import Rule, RuleState, rule_states
from rules.engine import describe, instance_of, observe_batch, outcome
from rules.semantics import Instance, reported_health, rule_state
from workflows.ids import rule_alert_key
from workflows.payloads import FireEvent
from workflows.rule_payloads import EvaluationRequest

router = APIRouter(prefix="/api/v1/alerts", tags=["rules"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such rule in your tenant"}}
INVALID: dict[int | str, dict[str, Any]] = {422: {"description": "A bad field, query, template or reference"}}


def _out(row: Rule, states: list[RuleState]) -> RuleOut:
    values = from_columns(row, RuleIn)
    instances = [
        InstanceOut(
            labels=s.labels,
            state=s.state,
            value=s.value,
            active_since=s.active_since,
            fired_at=s.fired_at,
            alert_key=rule_alert_key(row.id, s.instance),
            outbox=s.outbox,
        )
        for s in states
    ]
    health, overdue = reported_health(
        row.health,
        enabled=row.enabled,
        next_evaluation_at=row.next_evaluation_at,
        interval_seconds=row.interval_seconds,
        now=datetime.now(UTC),
    )
    return RuleOut(
        **values,
        id=row.id,
        state=rule_state(row.health, [instance_of(s) for s in states]),
        health=health,
        last_error=overdue or row.last_error,
        last_evaluated_at=row.last_evaluated_at,
        next_evaluation_at=row.next_evaluation_at,
        last_duration_ms=row.last_duration_ms,
        instances=instances,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _states_of(session: SessionDep, row: Rule) -> list[RuleState]:
    return (await rule_states(session=session, rule_ids=[row.id])).get(row.id, [])


async def _read(session: SessionDep, row: Rule) -> RuleOut:
    return _out(row, await _states_of(session, row))


async def _store(resources: ResourcesDep, session: SessionDep, tenant_id: str, body: RuleIn, row: Rule | None) -> Rule:
    await check_name(session, Rule, tenant_id, body.name, row.id if row else None, "rule")
    await check_rule(session, resources.http, resources.secrets, tenant_id, body)
    values = {**to_columns(body), "next_evaluation_at": None}  # a new or changed rule is due at the next pass
    return await save_row(session, Rule, tenant_id, values, row, duplicate=Conflict.named("rule", body.name))


@router.get("/rules", response_model=list[RuleOut], include_in_schema=False)  # the seed's path has a slash
@router.get("/rules/", response_model=list[RuleOut], summary="List alert rules with their state and instances")
async def list_rules(principal: Viewer, session: SessionDep) -> list[RuleOut]:
    rows = list(await list_rows(session, Rule, principal.tenant_id))
    states = await rule_states(session=session, rule_ids=[row.id for row in rows])
    return [_out(row, states.get(row.id, [])) for row in rows]


def _configured(out: RuleOut) -> dict[str, Any]:
    """What an audit row keeps of a rule: its configuration, not its instances' live state."""
    return out.model_dump(
        mode="json",
        exclude={
            "instances",
            "state",
            "health",
            "last_error",
            "last_evaluated_at",
            "next_evaluation_at",
            "last_duration_ms",
        },
    )


@router.post("/rules", response_model=RuleOut, status_code=status.HTTP_201_CREATED, include_in_schema=False)
@router.post(
    "/rules/",
    response_model=RuleOut,
    status_code=status.HTTP_201_CREATED,
    responses={409: {}, **INVALID},
    summary="Create an alert rule",
    description="Evaluated from the next schedule pass (at most `HERALD_RULE_TICK_SECONDS` later), then every "
    "`interval_seconds`. A PromQL query is checked by the data source when it can be reached.",
)
async def create_rule(
    body: RuleIn, principal: Admin, audit: AuditDep, session: SessionDep, resources: ResourcesDep
) -> RuleOut:
    out = await _read(session, await _store(resources, session, principal.tenant_id, body, None))
    await audit.record("rule", out.id, "create", after=_configured(out))
    return out


@router.post(
    "/rules/test",
    response_model=RuleTestOut,
    responses=INVALID,
    summary="Evaluate an unsaved rule once, without side effects",
)
async def test_draft(body: RuleIn, principal: Admin, session: SessionDep, resources: ResourcesDep) -> RuleTestOut:
    await check_rule(session, resources.http, resources.secrets, principal.tenant_id, body)
    draft = draft_rule(principal.tenant_id, body)
    return await _dry_run(session, resources, draft, [])


@router.get("/rules/{rule_id}", response_model=RuleOut, responses=NOT_FOUND, summary="Read an alert rule")
async def get_rule(rule_id: str, principal: Viewer, session: SessionDep) -> RuleOut:
    return await _read(session, await require_row(session, Rule, principal.tenant_id, rule_id, "rule"))


@router.put(
    "/rules/{rule_id}",
    response_model=RuleOut,
    responses={**NOT_FOUND, 409: {}, **INVALID},
    summary="Replace an alert rule",
    description="Instances keep their state; one that no longer matches resolves at the next evaluation.",
)
async def update_rule(
    rule_id: str, body: RuleIn, principal: Admin, audit: AuditDep, session: SessionDep, resources: ResourcesDep
) -> RuleOut:
    row = await require_row(session, Rule, principal.tenant_id, rule_id, "rule")
    before = _configured(await _read(session, row))
    out = await _read(session, await _store(resources, session, principal.tenant_id, body, row))
    await audit.record("rule", out.id, "update", before=before, after=_configured(out))
    return out


async def _set_enabled(session: SessionDep, audit: Audit, tenant_id: str, rule_id: str, enabled: bool) -> RuleOut:
    row = await require_row(session, Rule, tenant_id, rule_id, "rule")
    before = {"enabled": row.enabled}
    row.enabled = enabled
    row.next_evaluation_at = None
    await session.flush()
    await session.refresh(row)
    await audit.record("rule", row.id, "resume" if enabled else "pause", before=before, after={"enabled": enabled})
    return await _read(session, row)


@router.post("/rules/{rule_id}/pause", response_model=RuleOut, responses=NOT_FOUND, summary="Stop evaluating a rule")
async def pause_rule(rule_id: str, principal: Admin, audit: AuditDep, session: SessionDep) -> RuleOut:
    """Its open alerts stay as they are until resolved by hand or the rule is resumed."""
    return await _set_enabled(session, audit, principal.tenant_id, rule_id, False)


@router.post("/rules/{rule_id}/resume", response_model=RuleOut, responses=NOT_FOUND, summary="Evaluate a rule again")
async def resume_rule(rule_id: str, principal: Admin, audit: AuditDep, session: SessionDep) -> RuleOut:
    return await _set_enabled(session, audit, principal.tenant_id, rule_id, True)


@router.delete(
    "/rules/{rule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, 503: {"description": "Its open alerts could not be resolved; nothing was deleted"}},
    summary="Delete an alert rule (its open alerts are resolved)",
)
async def delete_rule(
    rule_id: str, principal: Admin, audit: AuditDep, session: SessionDep, alerting: AlertingDep
) -> Response:
    row = await require_row(session, Rule, principal.tenant_id, rule_id, "rule")
    states = await _states_of(session, row)
    await audit.record("rule", row.id, "delete", before=_configured(_out(row, states)))
    now = datetime.now(UTC)
    resolve = FireEvent(action="resolve", received_at=now, actor=f"{principal.actor} (rule deleted)")
    items = [
        IngestItem(row.tenant_id, rule_alert_key(row.id, s.instance), resolve)
        for s in states
        if s.state == "firing" or s.outbox
    ]
    failed = [out for out in await alerting.ingest(items) if out.status == "failed"]
    if failed:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"could not resolve the rule's open alerts: {failed[0].message}"
        )
    await session.delete(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _titles(rule: Rule, instances: list[Instance], error: str | None) -> list[str]:
    """The alert titles the instances would get (the rule's summary template, rendered per instance)."""
    return [describe(rule, instance, error)[0] for instance in instances]


async def _dry_run(session: SessionDep, resources: ResourcesDep, rule: Rule, states: list[RuleState]) -> RuleTestOut:
    at = datetime.now(UTC)
    observed = await observe_batch(session, resources.http, resources.secrets, [rule], at)
    done = outcome(rule, [instance_of(s) for s in states], observed[rule.id], at)
    titles = await in_render_thread(_titles, rule, [step.after for step in done.steps], done.error)
    instances = [
        TestInstance(
            labels=step.after.labels,
            value=step.after.value,
            state=step.after.state,
            transition=step.transition,
            title=title,
        )
        for step, title in zip(done.steps, titles, strict=True)
    ]
    return RuleTestOut(
        at=at,
        health=done.health,
        error=done.error,
        state=rule_state(done.health, [step.after for step in done.steps]),
        instances=instances,
    )


@router.post(
    "/rules/{rule_id}/test",
    response_model=RuleTestOut,
    responses=NOT_FOUND,
    summary="Evaluate a rule once, without side effects",
    description="Each instance with its value and the state it would take from its current one; nothing is stored "
    "and no alert is raised or resolved.",
)
async def test_rule(rule_id: str, principal: Viewer, session: SessionDep, resources: ResourcesDep) -> RuleTestOut:
    row = await require_row(session, Rule, principal.tenant_id, rule_id, "rule")
    return await _dry_run(session, resources, row, await _states_of(session, row))


@router.post(
    "/evaluate",
    response_model=EvaluateOut,
    responses={404: {"description": "A listed rule is not in your tenant"}, 503: {"description": "No worker answered"}},
    summary="Evaluate rules now (all enabled rules of your tenant, or the listed ones)",
    description="Runs the same RuleEvaluationWorkflow the schedule runs, now, even for rules not yet due; "
    "alerts are raised and resolved as on a scheduled pass. Paused rules are skipped.",
)
async def evaluate_now(
    body: EvaluateIn, principal: Admin, audit: AuditDep, session: SessionDep, alerting: AlertingDep
) -> EvaluateOut:
    if body.rule_ids:
        for rule_id in body.rule_ids:
            await require_row(session, Rule, principal.tenant_id, rule_id, "rule")
    await audit.record("rule", None, "evaluate", after={"rule_ids": body.rule_ids})
    summary = await alerting.evaluate_rules(
        EvaluationRequest(rule_ids=body.rule_ids, tenant_id=principal.tenant_id, force=True, prune_metrics=False)
    )
    return EvaluateOut(**summary.model_dump(include=set(EvaluateOut.model_fields)))
