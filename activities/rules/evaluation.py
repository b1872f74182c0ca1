"""The activities of RuleEvaluationWorkflow: find due rules, evaluate a batch, emit, prune.

Evaluation and emission are separate so that nothing is lost between them: `evaluate` writes
each transition into its instance's outbox (`rule_states.outbox`) in the same transaction as
the new state; `emit` sends every outbox entry to its alert workflow (signal-with-start for
fire, signal for resolve) and clears it only once Temporal has accepted it. A crash anywhere
leaves the entry to the next `emit`; a repeat is harmless (a re-fire only counts an event).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.rules.engine import describe, observe_batch, outcome
from activities.rules.semantics import Instance, Step
from alerting.client import AlertingClient, IngestItem
from models.metric_store import prune_samples
from models.rule_tables import Rule, RuleState
from models.secrets import SecretBox
from settings import Settings
from workflows.payloads import AlertContent, AlertOptions, Category, FireEvent, Severity
from workflows.rule_payloads import BatchRequest, BatchResult, DueRequest, EmitResult

EMIT_CHUNK = 1000


def instance_of(row: RuleState) -> Instance:
    return Instance(
        instance=row.instance,
        labels=row.labels,
        state=cast(Any, row.state),
        value=row.value,
        active_since=row.active_since,
        fired_at=row.fired_at,
        last_true_at=row.last_true_at,
        last_seen_at=row.last_seen_at,
    )


def alert_key(rule_id: str, instance: str) -> str:
    return f"rule/{rule_id}/{instance}"


def fire_event(rule: Rule, step: Step, error: str | None, settings: Settings, at: datetime) -> dict[str, Any]:
    """The outbox entry for a transition: the alert's key and the event for its workflow."""
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
                labels={**rule.labels, **after.labels, "alertname": rule.name, "herald_rule": rule.id},
                annotations=annotations,
            ),
            options=AlertOptions(
                channel_ids=rule.channel_ids,
                repeat_interval=settings.default_repeat_interval,
                notify_attempt_timeout=settings.notify_attempt_timeout,
                policy_id=rule.escalation_policy_id,
            ),
            received_at=at,
            actor=f"rule:{rule.name}",
        )
    return {"key": alert_key(rule.id, after.instance), "event": event.model_dump(mode="json")}


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

    @activity.defn(name="rules.due")
    async def due(self, request: DueRequest) -> list[list[str]]:
        """Ids of the rules to evaluate now, in batches, oldest-due first."""
        query = select(Rule.id).where(Rule.enabled.is_(True)).order_by(Rule.next_evaluation_at.nulls_first())
        if request.rule_ids is not None:
            query = query.where(Rule.id.in_(request.rule_ids))
        if request.tenant_id is not None:
            query = query.where(Rule.tenant_id == request.tenant_id)
        if not request.force:
            query = query.where(or_(Rule.next_evaluation_at.is_(None), Rule.next_evaluation_at <= request.at))
        async with self._sessions() as session:
            ids = list((await session.execute(query)).scalars())
        size = self._settings.rule_batch_size
        return [ids[start : start + size] for start in range(0, len(ids), size)]

    @activity.defn(name="rules.evaluate")
    async def evaluate(self, request: BatchRequest) -> BatchResult:
        result = BatchResult()
        async with self._sessions.begin() as session:
            # Locked rows: a manual evaluation racing the schedule skips what the other holds.
            query = (
                select(Rule)
                .where(Rule.id.in_(request.rule_ids), Rule.enabled.is_(True))
                .with_for_update(skip_locked=True)
            )
            if not request.force:
                query = query.where(or_(Rule.next_evaluation_at.is_(None), Rule.next_evaluation_at <= request.at))
            rules = list((await session.execute(query)).scalars())
            if not rules:
                return result
            rows = (
                await session.execute(select(RuleState).where(RuleState.rule_id.in_([r.id for r in rules])))
            ).scalars()
            states: dict[str, dict[str, RuleState]] = {}
            for row in rows:
                states.setdefault(row.rule_id, {})[row.instance] = row
            started = time.perf_counter()
            observed = await observe_batch(session, self._http, self._box, rules, request.at)
            elapsed_ms = (time.perf_counter() - started) * 1000 / len(rules)
            for rule in rules:
                mine = states.get(rule.id, {})
                done = outcome(rule, [instance_of(row) for row in mine.values()], observed[rule.id], request.at)
                rule.last_evaluated_at = request.at
                await self._write(session, rule, mine, done.steps, done.error, result)
                rule.next_evaluation_at = request.at + timedelta(seconds=rule.interval_seconds)
                rule.health = done.health
                rule.last_error = done.error
                rule.last_duration_ms = elapsed_ms
                result.evaluated += 1
                result.errors += done.health == "error"
            activity.heartbeat()
        return result

    async def _write(
        self,
        session: AsyncSession,
        rule: Rule,
        rows: dict[str, RuleState],
        steps: list[Step],
        error: str | None,
        result: BatchResult,
    ) -> None:
        kept: set[str] = set()
        for step in steps:
            after = step.after
            kept.add(after.instance)
            row = rows.get(after.instance)
            if row is None:
                if after.state == "inactive" and step.transition is None:
                    continue  # an instance that never left "inactive" is not worth a row
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
                row.outbox = step.transition
                row.outbox_event = fire_event(
                    rule, step, error, self._settings, rule.last_evaluated_at or datetime.now(UTC)
                )
                result.transitions += 1
            result.firing += after.state == "firing"
            result.pending += after.state == "pending"
        for name, row in rows.items():
            if name not in kept and row.outbox is None and row.state == "inactive":
                # Vanished and settled: forget it (a reappearing series starts afresh, as in Prometheus).
                await session.delete(row)

    @activity.defn(name="rules.emit")
    async def emit(self) -> EmitResult:
        """Send every outbox entry to its alert workflow; clear the ones Temporal accepted."""
        result = EmitResult()
        sent: set[int] = set()  # each entry at most once per call, whatever happens to its clearing
        while True:
            async with self._sessions() as session:
                rows = list(
                    (
                        await session.execute(
                            select(RuleState.id, RuleState.tenant_id, RuleState.outbox_event)
                            .where(RuleState.outbox.is_not(None))
                            .order_by(RuleState.id)
                            .limit(EMIT_CHUNK)
                        )
                    ).all()
                )
            rows = [row for row in rows if row[0] not in sent]
            if not rows:
                return result
            sent.update(row[0] for row in rows)
            items = [
                IngestItem(tenant, entry["key"], FireEvent.model_validate(entry["event"])) for _, tenant, entry in rows
            ]
            outcomes = await self._alerting.ingest(items)
            done = [row for row, out in zip(rows, outcomes, strict=True) if out.status != "failed"]
            async with self._sessions.begin() as session:
                for row_id, _, entry in done:
                    # Only the entry that was sent: a newer transition written meanwhile stays queued.
                    await session.execute(
                        update(RuleState)
                        .where(RuleState.id == row_id, RuleState.outbox_event == entry)
                        .values(outbox=None, outbox_event=None)
                    )
            result.sent += sum(out.status == "accepted" for out in outcomes)
            result.ignored += sum(out.status == "ignored" for out in outcomes)
            failed = [out for out in outcomes if out.status == "failed"]
            if failed:
                raise ApplicationError(f"{len(failed)} alert event(s) not accepted: {failed[0].message}")
            activity.heartbeat(result.sent)

    @activity.defn(name="metrics.prune")
    async def prune(self, at: datetime) -> int:
        async with self._sessions.begin() as session:
            return await prune_samples(session, at - self._settings.metrics_retention)
