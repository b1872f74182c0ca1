"""The activities of RuleEvaluationWorkflow: find due rules, evaluate a batch, emit, prune.

Evaluation and emission are separate so that nothing is lost between them: `evaluate` writes
each transition into its instance's outbox (`rule_states.outbox`) in the same transaction as
the new state; `emit` sends every outbox entry to its alert workflow (signal-with-start for
fire, signal for resolve) and clears it only once Temporal has accepted it. A crash anywhere
leaves the entry to the next `emit`; a repeat is harmless (a re-fire only counts an event).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from channels.render import in_render_thread
from gateway.client import AlertingClient, IngestItem
from gateway.options import alert_options
from models.metric_store import SeriesLabels, prune_samples
from models.rule_tables import Rule, RuleState
from models.secrets import SecretBox
from models.tables import Tenant
from noise.route_store import Routable, load_tree, route_one
from noise.routing import Route
from rules.engine import describe, instance_of, observe_batch, outcome
from rules.semantics import Instance, Step
from rules.sources import QueryFailed
from settings import Settings
from telemetry.metrics import RULE_EVALUATION, RULE_EVALUATIONS, RULE_SCHEDULE_LAG
from workflows import activity_refs as refs
from workflows.ids import canonical_labels, rule_alert_key
from workflows.payloads import AlertContent, Category, FireEvent, Severity
from workflows.rule_payloads import BatchRequest, BatchResult, DueRequest, EmitResult

EMIT_CHUNK = 1000
EMIT_LOCK = 0x48455241_4C44  # PostgreSQL advisory lock key of the rule emitter ("HERALD")
HEARTBEAT_EVERY = 10.0  # seconds; the workflow's heartbeat timeout is 60


@asynccontextmanager
async def heartbeating() -> AsyncIterator[None]:
    """Heartbeat in the background while the body runs (slow data sources must not look like a dead worker)."""

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(HEARTBEAT_EVERY)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()


def rule_labels(rule: Rule, instance_labels: dict[str, str]) -> dict[str, str]:
    """The labels of a rule's alert: the rule's, the instance's, `alertname` and `herald_rule`."""
    return canonical_labels({**rule.labels, **instance_labels, "alertname": rule.name, "herald_rule": rule.id})


def routed_event(tree: Route, rule: Rule, instance: Instance, event: dict[str, Any]) -> dict[str, Any]:
    """The outbox event through the tenant's routing tree: the rule's own key is its dedup key (one
    incident per instance, the first matched route's), the route gives grouping, policy, channels, repeat."""
    item = Routable(
        event=FireEvent.model_validate(event),
        labels=rule_labels(rule, instance.labels),
        severity=rule.severity,
        category=rule.category,
        dedup_key=rule_alert_key(rule.id, instance.instance),
    )
    [routed] = route_one(tree, rule.tenant_id, item)
    return routed.event.model_dump(mode="json")


def fire_event(rule: Rule, step: Step, error: str | None, settings: Settings, at: datetime) -> dict[str, Any]:
    """The outbox event for a transition (JSON), for the instance's alert workflow."""
    after = step.after
    if step.transition == "resolve":
        event = FireEvent(action="resolve", received_at=at, actor=f"rule:{rule.name}")
    else:
        title, details = describe(rule, after, error)
        annotations = {
            "rule_id": rule.id,
            "query": rule.query[:1000],
            "threshold": f"{rule.comparator} {rule.threshold:g}",
        }
        if after.value is not None:
            annotations["value"] = f"{after.value:g}"
        event = FireEvent(
            action="trigger",
            content=AlertContent(
                title=title,
                description=details,
                severity=Severity(rule.severity),
                category=Category(rule.category),
                source="rule",
                labels=rule_labels(rule, after.labels),
                annotations=annotations,
            ),
            options=alert_options(settings, channel_ids=rule.channel_ids, policy_id=rule.escalation_policy_id),
            received_at=at,
            actor=f"rule:{rule.name}",
        )
    return event.model_dump(mode="json")


class RuleActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        http: httpx.AsyncClient,
        box: SecretBox,
        alerting: AlertingClient,
        settings: Settings,
    ) -> None:
        self._sessions = sessions
        self._http = http
        self._box = box
        self._alerting = alerting
        self._settings = settings
        self._labels = SeriesLabels()  # series labels seen by earlier passes (they never change)

    @activity.defn(name=refs.RULES_DUE.name)
    async def due(self, request: DueRequest) -> list[list[str]]:
        """Ids of the rules to evaluate now, in batches, oldest-due first. A scheduled pass observes how
        far past its due time the most overdue rule is (`herald_rule_schedule_lag_seconds`)."""
        query = (
            select(Rule.id, Rule.next_evaluation_at)
            .join(Tenant, Tenant.id == Rule.tenant_id)
            .where(Rule.enabled.is_(True), Tenant.disabled_at.is_(None))  # a disabled tenant's rules wait
            .order_by(Rule.next_evaluation_at.nulls_first())
        )
        if request.rule_ids is not None:
            query = query.where(Rule.id.in_(request.rule_ids))
        if request.tenant_id is not None:
            query = query.where(Rule.tenant_id == request.tenant_id)
        if not request.force:
            query = query.where(or_(Rule.next_evaluation_at.is_(None), Rule.next_evaluation_at <= request.at))
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        ids = [rule_id for rule_id, _ in rows]
        if not request.force:
            deadlines = [due for _, due in rows if due is not None]
            if deadlines:
                RULE_SCHEDULE_LAG.observe(max(0.0, (datetime.now(UTC) - min(deadlines)).total_seconds()))
        size = self._settings.rule_batch_size
        return [ids[start : start + size] for start in range(0, len(ids), size)]

    def _due(self, request: BatchRequest, *columns: Any) -> Any:
        query = select(*columns).where(Rule.id.in_(request.rule_ids), Rule.enabled.is_(True))
        if not request.force:
            query = query.where(or_(Rule.next_evaluation_at.is_(None), Rule.next_evaluation_at <= request.at))
        return query

    @activity.defn(name=refs.RULES_EVALUATE.name)
    async def evaluate(self, request: BatchRequest) -> BatchResult:
        result = BatchResult()
        async with heartbeating():
            # Observe first, holding no lock: a data source may take seconds to answer.
            async with self._sessions() as session:
                rules = list((await session.execute(self._due(request, Rule))).scalars())
                if not rules:
                    return result
                started = time.perf_counter()
                observed = await observe_batch(session, self._http, self._box, rules, request.at, self._labels)
                elapsed = time.perf_counter() - started
                RULE_EVALUATION.observe(elapsed)
                elapsed_ms = elapsed * 1000 / len(rules)
            # Then step and write every instance under the rules' row locks, in one transaction
            # (a manual pass racing the schedule skips the rows the other holds).
            async with self._sessions.begin() as session:
                lock = self._due(request, Rule.id, Rule.last_evaluated_at).with_for_update(skip_locked=True)
                evaluated_at = {rule_id: last for rule_id, last in await session.execute(lock)}
                todo = [
                    rule
                    for rule in rules
                    if rule.id in evaluated_at
                    and rule.id in observed
                    and not ((last := evaluated_at[rule.id]) and last >= request.at)
                ]  # not: disabled or deleted meanwhile, or already evaluated by a later pass
                states: dict[str, dict[str, RuleState]] = {}
                rows = await session.scalars(select(RuleState).where(RuleState.rule_id.in_([r.id for r in todo])))
                for row in rows:
                    states.setdefault(row.rule_id, {})[row.instance] = row
                bookkeeping = []
                trees: dict[str, Route] = {}  # each tenant's routing tree, read once per batch
                for rule in todo:
                    mine = states.get(rule.id, {})
                    previous = [instance_of(row) for row in mine.values()]
                    try:
                        done = outcome(rule, previous, observed[rule.id], request.at)
                    except Exception as err:  # one rule's failure is that rule's error state, never the batch's
                        activity.logger.warning("rule %s could not be evaluated", rule.id, exc_info=True)
                        failed = QueryFailed(f"evaluation failed: {type(err).__name__}: {err}")
                        done = outcome(rule, previous, failed, request.at)
                    await self._write(session, rule, mine, done.steps, done.error, request.at, result, trees)
                    bookkeeping.append(
                        {
                            "id": rule.id,
                            "last_evaluated_at": request.at,
                            "next_evaluation_at": request.at + timedelta(seconds=rule.interval_seconds),
                            "health": done.health,
                            "last_error": done.error,
                            "last_duration_ms": elapsed_ms,
                        }
                    )
                    result.evaluated += 1
                    result.errors += done.health == "error"
                    RULE_EVALUATIONS.labels(done.health).inc()
                if bookkeeping:
                    await session.execute(update(Rule), bookkeeping)  # one executemany by primary key
        return result

    async def _write(
        self,
        session: AsyncSession,
        rule: Rule,
        rows: dict[str, RuleState],
        steps: list[Step],
        error: str | None,
        at: datetime,
        result: BatchResult,
        trees: dict[str, Route],
    ) -> None:
        for step in steps:
            after = step.after
            row = rows.pop(after.instance, None)
            result.firing += after.state == "firing"
            result.pending += after.state == "pending"
            if after.state == "inactive" and step.transition is None and (row is None or row.outbox is None):
                # Nothing to remember: forget it (a reappearing series starts afresh, as in Prometheus).
                if row is not None:
                    await session.delete(row)
                continue
            if row is None:
                row = RuleState(rule_id=rule.id, tenant_id=rule.tenant_id, instance=after.instance)
                session.add(row)
            row.labels = after.labels
            row.state = after.state
            row.value = after.value
            row.active_since = after.active_since
            row.fired_at = after.fired_at
            row.last_true_at = after.last_true_at
            row.last_seen_at = after.last_seen_at
            if step.transition is not None:
                # Appended, never replaced: a fire not yet sent still goes out before its resolve.
                unsent = row.outbox_event["events"] if row.outbox_event else []
                event = await in_render_thread(fire_event, rule, step, error, self._settings, at)  # renders templates
                if rule.tenant_id not in trees:
                    trees[rule.tenant_id] = await load_tree(session, rule.tenant_id)
                event = routed_event(trees[rule.tenant_id], rule, after, event)
                row.outbox = step.transition
                row.outbox_event = {"key": rule_alert_key(rule.id, after.instance), "events": [*unsent, event]}
                result.transitions += 1
        for row in rows.values():  # instances no step mentions: settled leftovers
            if row.outbox is None and row.state == "inactive":
                await session.delete(row)

    @activity.defn(name=refs.RULES_EMIT.name)
    async def emit(self) -> EmitResult:
        """Send every outbox entry to its alert workflow; clear the ones Temporal accepted.

        One emitter at a time (a PostgreSQL advisory lock, released with its connection if the
        worker dies): two passes emitting at once could send an instance's fire and its later
        resolve in the wrong order. A pass that finds the lock taken leaves the outbox to the
        holder and to the next pass."""
        result = EmitResult()
        async with self._sessions() as lock:
            if not await lock.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": EMIT_LOCK}):
                return result
            try:
                after = 0
                while True:
                    after = await self._emit_chunk(after, result)
                    if after < 0:
                        return result
                    activity.heartbeat(result.sent)
            finally:
                await lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": EMIT_LOCK})

    async def _emit_chunk(self, after: int, result: EmitResult) -> int:
        """One chunk of outbox rows with ids above `after`; returns the last id, or -1 when none is left."""
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(RuleState.id, RuleState.tenant_id, RuleState.outbox_event)
                    .where(RuleState.outbox.is_not(None), RuleState.id > after)
                    .order_by(RuleState.id)
                    .limit(EMIT_CHUNK)
                )
            ).all()
        if not rows:
            return -1
        items: list[IngestItem] = []
        owners: list[int] = []
        for row_id, tenant, entry in rows:
            for event in entry["events"]:  # in order: ingest keeps one key's events in order
                items.append(IngestItem(tenant, entry["key"], FireEvent.model_validate(event)))
                owners.append(row_id)
        outcomes = await self._alerting.ingest(items)
        failed = {owner for owner, out in zip(owners, outcomes, strict=True) if out.status == "failed"}
        async with self._sessions.begin() as session:
            for row_id, _, entry in rows:
                if row_id in failed:
                    continue
                # Only the entry that was sent: a transition appended meanwhile stays queued.
                await session.execute(
                    update(RuleState)
                    .where(RuleState.id == row_id, RuleState.outbox_event == entry)
                    .values(outbox=None, outbox_event=None)
                )
        result.sent += sum(out.status == "accepted" for out in outcomes)
        result.ignored += sum(out.status == "ignored" for out in outcomes)
        problems = [out for out in outcomes if out.status == "failed"]
        if problems:
            raise ApplicationError(f"{len(problems)} alert event(s) not accepted: {problems[0].message}")
        return int(rows[-1][0])

    @activity.defn(name=refs.METRICS_PRUNE.name)
    async def prune_metrics(self, at: datetime) -> int:
        async with self._sessions.begin() as session:
            return await prune_samples(session, at - self._settings.metrics_retention)
