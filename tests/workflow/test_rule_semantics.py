"""Rule semantics on the time-skipping server: RuleEvaluationWorkflow with the real activities,
PostgreSQL and alert workflows, driven pass by pass as the schedule would drive it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from activities.rules import EMIT_LOCK
from gateway.client import AlertingClient
from models.api_keys import ensure_tenant
from models.metric_store import SeriesCache
from models.rule_tables import Rule
from models.tables import Alert
from settings import Settings
from tests.support.alerts import eventually
from tests.support.opened import alert_row, settled
from tests.support.rules import add_rule, push, rule_row, states
from worker import build_worker
from workflows.ids import alert_workflow_id as workflow_id
from workflows.ids import rule_alert_key as alert_key
from workflows.rule_evaluation import RuleEvaluationWorkflow
from workflows.rule_payloads import EvaluationRequest, EvaluationSummary

MINUTE = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def manual_clock(time_env: WorkflowEnvironment) -> Iterator[None]:
    """Time moves only by `time_env.sleep`: waiting for a pass must not skip to some alert's 30-minute timer."""
    with time_env.auto_time_skipping_disabled():
        yield


async def evaluate(alerting: AlertingClient, rule_id: str, *, force: bool = True) -> EvaluationSummary:
    return await alerting.evaluate_rules(EvaluationRequest(rule_ids=[rule_id], force=force, prune_metrics=False))


async def alert_of(
    opened: set[str], sessions: async_sessionmaker[AsyncSession], tenant: str, key: str, status: str
) -> Alert:
    opened.add(workflow_id(tenant, key))

    async def probe() -> Alert | None:
        return await alert_row(sessions, tenant, key)

    row = await eventually(probe, lambda row: row is not None and row.status == status)
    assert row is not None
    return row


async def test_pending_fires_after_for_then_resolves_when_the_condition_clears(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    opened: set[str],
    series_cache: SeriesCache,
) -> None:
    rule = await add_rule(sessions, tenant, for_seconds=120, summary="CPU {{ value }}% on {{ labels.host }}")
    start = await time_env.get_current_time()
    await push(sessions, series_cache, tenant, start, {"db1": 95.0, "web1": 50.0})
    first = await evaluate(alerting, rule)
    assert (first.evaluated, first.pending, first.firing, first.transitions) == (1, 1, 0, 0)
    db1 = (await states(sessions, rule))["db1"]
    assert db1.state == "pending" and "web1" not in await states(sessions, rule)
    began = db1.active_since

    await time_env.sleep(MINUTE)
    await push(sessions, series_cache, tenant, await time_env.get_current_time(), {"db1": 96.0})
    assert (await evaluate(alerting, rule)).pending == 1  # 60 s of 120: still pending

    await time_env.sleep(MINUTE)
    await push(sessions, series_cache, tenant, await time_env.get_current_time(), {"db1": 97.0})
    fired = await evaluate(alerting, rule)
    assert (fired.firing, fired.transitions, fired.sent) == (1, 1, 1)
    db1 = (await states(sessions, rule))["db1"]
    assert db1.state == "firing" and db1.active_since == began and db1.outbox is None
    assert db1.fired_at is not None and began is not None and db1.fired_at - began >= timedelta(seconds=120)
    key = alert_key(rule, db1.instance)
    alert = await alert_of(opened, sessions, tenant, key, "triggered")
    assert alert.title == "CPU 97.0% on db1"
    assert alert.labels["host"] == "db1" and alert.labels["team"] == "ops" and alert.labels["herald_rule"] == rule
    assert alert.severity == "high" and alert.source == "rule"

    await time_env.sleep(MINUTE)
    await push(sessions, series_cache, tenant, await time_env.get_current_time(), {"db1": 40.0})
    cleared = await evaluate(alerting, rule)
    assert (cleared.firing, cleared.transitions) == (0, 1)
    await alert_of(opened, sessions, tenant, key, "resolved")
    assert (await rule_row(sessions, rule)).health == "ok"
    assert (await states(sessions, rule))["db1"].state == "inactive"  # kept until its resolve was sent...
    await evaluate(alerting, rule)
    assert await states(sessions, rule) == {}  # ...then forgotten: inactive instances leave no rows


async def test_keep_firing_for_holds_the_alert_through_a_dip(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    opened: set[str],
    series_cache: SeriesCache,
) -> None:
    rule = await add_rule(sessions, tenant, keep_firing_for_seconds=150)
    await push(sessions, series_cache, tenant, await time_env.get_current_time(), {"db1": 99.0})
    assert (await evaluate(alerting, rule)).firing == 1  # for = 0: fires at once
    key = alert_key(rule, (await states(sessions, rule))["db1"].instance)
    await alert_of(opened, sessions, tenant, key, "triggered")
    for _ in range(2):  # 60 s and 120 s after it was last true: held
        await time_env.sleep(MINUTE)
        await push(sessions, series_cache, tenant, await time_env.get_current_time(), {"db1": 10.0})
        held = await evaluate(alerting, rule)
        assert (held.firing, held.transitions) == (1, 0)
    await time_env.sleep(MINUTE)
    await push(sessions, series_cache, tenant, await time_env.get_current_time(), {"db1": 10.0})
    assert (await evaluate(alerting, rule)).transitions == 1  # 180 s ≥ 150 s: resolved
    await alert_of(opened, sessions, tenant, key, "resolved")


async def test_no_data_behaviours(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    opened: set[str],
    series_cache: SeriesCache,
) -> None:
    silent = await add_rule(
        sessions, tenant, name="backups", query="backup_last_success", no_data="alerting", summary="Age {{ value }}s"
    )
    kept = await add_rule(sessions, tenant, query="queue_depth", no_data="keep_last", threshold=10.0)
    dropped = await add_rule(sessions, tenant, query="queue_depth", no_data="ok", threshold=10.0)

    # alerting: a query that finds nothing opens a "no data" alert...
    assert (await evaluate(alerting, silent)).firing == 1
    nodata = (await states(sessions, silent))["nodata"]
    assert nodata.labels == {"herald_no_data": "true"}
    nodata_alert = await alert_of(opened, sessions, tenant, alert_key(silent, "nodata"), "triggered")
    assert nodata_alert.title == "backups: no data for 5m"  # was "Age Nones": the summary had no value to show
    assert nodata_alert.description.startswith("backup_last_success returned no data in the last 5m.")

    # keep_last and ok: both fire on data, then the data stops (the window empties)
    await push(sessions, series_cache, tenant, await time_env.get_current_time(), {"q1": 50.0}, name="queue_depth")
    for rule in (kept, dropped):
        assert (await evaluate(alerting, rule)).firing == 1
        await alert_of(
            opened, sessions, tenant, alert_key(rule, (await states(sessions, rule))["q1"].instance), "triggered"
        )
    await time_env.sleep(timedelta(minutes=6))
    assert (await evaluate(alerting, kept)).firing == 1  # keep_last: unchanged
    assert (await evaluate(alerting, dropped)).transitions == 1  # ok: resolved
    await alert_of(
        opened, sessions, tenant, alert_key(dropped, (await states(sessions, dropped))["q1"].instance), "resolved"
    )

    # ...and data arriving for the silent rule resolves its "no data" alert.
    await push(
        sessions, series_cache, tenant, await time_env.get_current_time(), {"b1": 1.0}, name="backup_last_success"
    )
    assert (await evaluate(alerting, silent)).transitions == 1
    await alert_of(opened, sessions, tenant, alert_key(silent, "nodata"), "resolved")


async def test_a_series_that_stops_matching_resolves_its_alert_only(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    opened: set[str],
    series_cache: SeriesCache,
) -> None:
    rule = await add_rule(sessions, tenant, window_seconds=60)
    await push(sessions, series_cache, tenant, await time_env.get_current_time(), {"db1": 95.0, "db2": 96.0})
    assert (await evaluate(alerting, rule)).firing == 2
    found = await states(sessions, rule)
    keys = {host: alert_key(rule, found[host].instance) for host in ("db1", "db2")}
    await time_env.sleep(timedelta(seconds=90))
    await push(sessions, series_cache, tenant, await time_env.get_current_time(), {"db2": 97.0})  # db1 went silent
    result = await evaluate(alerting, rule)
    assert (result.firing, result.transitions) == (1, 1)
    await alert_of(opened, sessions, tenant, keys["db1"], "resolved")
    await alert_of(opened, sessions, tenant, keys["db2"], "triggered")


async def test_a_failing_query_sets_error_keeps_state_and_can_alert(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    opened: set[str],
) -> None:
    rule = await add_rule(sessions, tenant, query='cpu{host=~"("}', alert_on_error=True)
    result = await evaluate(alerting, rule)
    assert (result.errors, result.transitions) == (1, 1)
    row = await rule_row(sessions, rule)
    assert row.health == "error" and row.last_error is not None and "regular expression" in row.last_error
    error_alert = await alert_of(opened, sessions, tenant, alert_key(rule, "error"), "triggered")
    assert "cannot be evaluated" in error_alert.title and "regular expression" in error_alert.description

    async with sessions.begin() as session:  # fixed: the next pass works and resolves the error alert
        fixed = await session.get(Rule, rule)
        assert fixed is not None
        fixed.query = 'cpu{host=~"db.*"}'
    healthy = await evaluate(alerting, rule)
    assert (healthy.errors, healthy.transitions) == (0, 1)
    assert (await rule_row(sessions, rule)).health == "ok"
    await alert_of(opened, sessions, tenant, alert_key(rule, "error"), "resolved")


async def test_only_due_rules_are_evaluated(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    tenant: str,
    opened: set[str],
) -> None:
    rule = await add_rule(sessions, tenant, interval_seconds=120)
    # Started by id (not through the client), so the fixture can record its history for the replay test.
    wf_id = f"rule-evaluation/test/{uuid.uuid4()}"
    opened.add(wf_id)
    first = await time_env.client.execute_workflow(
        RuleEvaluationWorkflow.run,
        EvaluationRequest(rule_ids=[rule], prune_metrics=True),
        id=wf_id,
        task_queue=settings.temporal_task_queue,
    )
    assert first.evaluated == 1
    assert (await evaluate(alerting, rule, force=False)).evaluated == 0  # next due in 120 s
    await time_env.sleep(timedelta(seconds=121))
    assert (await evaluate(alerting, rule, force=False)).evaluated == 1


async def test_a_restart_inside_the_for_window_neither_loses_nor_restarts_it(
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    tenant: str,
    opened: set[str],
    series_cache: SeriesCache,
) -> None:
    client = AlertingClient(
        time_env.client, task_queue=settings.temporal_task_queue, update_timeout=30, ingest_concurrency=8
    )
    rule = await add_rule(sessions, tenant, for_seconds=300, window_seconds=600)
    start = await time_env.get_current_time()
    await push(sessions, series_cache, tenant, start, {"db1": 95.0})
    first = settings.model_copy(update={"worker_max_cached_workflows": 0})
    async with build_worker(time_env.client, sessions, first) as worker, worker:
        assert (await evaluate(client, rule)).pending == 1
    began = (await states(sessions, rule))["db1"].active_since
    await time_env.sleep(timedelta(minutes=3))  # no worker at all for three minutes
    async with build_worker(time_env.client, sessions, settings) as worker, worker:
        await push(sessions, series_cache, tenant, await time_env.get_current_time(), {"db1": 95.0})
        assert (await evaluate(client, rule)).pending == 1  # 3 of 5 minutes: the window was not restarted...
        await time_env.sleep(timedelta(minutes=2))
        await push(sessions, series_cache, tenant, await time_env.get_current_time(), {"db1": 95.0})
        assert (await evaluate(client, rule)).firing == 1  # ...nor lost: fires 5 minutes after it began
        db1 = (await states(sessions, rule))["db1"]
        assert db1.active_since == began
        assert (
            began is not None and db1.fired_at is not None and db1.fired_at - began < timedelta(minutes=5, seconds=30)
        )
        key = alert_key(rule, db1.instance)
        await alert_of(opened, sessions, tenant, key, "triggered")
        await time_env.client.get_workflow_handle(workflow_id(tenant, key)).terminate("test finished")
        opened.discard(workflow_id(tenant, key))


async def test_the_same_query_in_two_tenants_reads_each_tenants_own_series(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    opened: set[str],
    series_cache: SeriesCache,
) -> None:
    other = f"t-{uuid.uuid4().hex[:8]}"
    async with sessions.begin() as session:
        await ensure_tenant(session=session, tenant_id=other)
    mine, theirs = await add_rule(sessions, tenant), await add_rule(sessions, other)
    now = await time_env.get_current_time()
    await push(sessions, series_cache, tenant, now, {"db1": 95.0})
    await push(sessions, series_cache, other, now, {"web9": 10.0})
    both = await alerting.evaluate_rules(EvaluationRequest(rule_ids=[mine, theirs], force=True, prune_metrics=False))
    assert (both.evaluated, both.firing) == (2, 1)
    assert list(await states(sessions, mine)) == ["db1"] and await states(sessions, theirs) == {}
    key = alert_key(mine, (await states(sessions, mine))["db1"].instance)
    await alert_of(opened, sessions, tenant, key, "triggered")
    await settled(time_env, workflow_id(tenant, key))  # nothing in flight when the fixture terminates it


async def test_a_fire_not_yet_sent_still_goes_out_before_its_resolve(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    opened: set[str],
    series_cache: SeriesCache,
) -> None:
    rule = await add_rule(sessions, tenant)
    async with sessions() as holder:  # another emitter holds the lock: passes evaluate but leave the outbox
        assert await holder.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": EMIT_LOCK})
        await push(sessions, series_cache, tenant, await time_env.get_current_time(), {"db1": 95.0})
        fired = await evaluate(alerting, rule)
        assert (fired.transitions, fired.sent) == (1, 0)
        await time_env.sleep(MINUTE)
        await push(sessions, series_cache, tenant, await time_env.get_current_time(), {"db1": 5.0})
        cleared = await evaluate(alerting, rule)
        assert (cleared.transitions, cleared.sent) == (1, 0)
        db1 = (await states(sessions, rule))["db1"]
        assert db1.outbox == "resolve" and db1.outbox_event is not None
        assert [e["action"] for e in db1.outbox_event["events"]] == ["trigger", "resolve"]
        await holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": EMIT_LOCK})
    released = await evaluate(alerting, rule)
    assert released.sent == 2  # the trigger, then the resolve, in that order on one key
    key = alert_key(rule, db1.instance)
    alert = await alert_of(opened, sessions, tenant, key, "resolved")
    assert alert.title.startswith(alert.labels["alertname"])
