"""One tenant's broken data sources never stop another tenant's rules: every failure, of any kind,
is the failing rule's `error` state, in the same pass that evaluates everyone else."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient
from models.api_keys import ensure_tenant
from models.metric_store import SeriesCache
from models.rule_tables import DataSource
from models.secrets import secret_box
from settings import Settings
from tests.support.prometheus import PrometheusReplay, Replayed
from tests.support.rules import add_rule, push, rule_row, states
from workflows.ids import alert_workflow_id, rule_alert_key
from workflows.rule_payloads import EvaluationRequest

NUL_LABEL = {
    "status": "success",
    "data": {"resultType": "vector", "result": [{"metric": {"job": "a\u0000b"}, "value": [1, "5"]}]},
}


async def stored_source(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, tenant: str, url: str, **secrets: str
) -> str:
    """A source row as an older release could have saved it (today's API refuses these values)."""
    source_id = str(uuid.uuid4())
    async with sessions.begin() as session:
        session.add(
            DataSource(
                id=source_id,
                tenant_id=tenant,
                name=f"src-{source_id[:6]}",
                type="prometheus",
                url=url,
                config={"timeout_seconds": 2},
                secret=secret_box(settings.secret_key).seal(secrets),
            )
        )
    return source_id


async def test_one_tenants_failing_sources_leave_another_tenants_rules_on_schedule(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    tenant: str,
    series_cache: SeriesCache,
    replay: PrometheusReplay,
    opened: set[str],
) -> None:
    other = f"t-{uuid.uuid4().hex[:8]}"
    async with sessions.begin() as session:
        await ensure_tenant(session=session, tenant_id=other)
    broken = {
        "non-ASCII token": await stored_source(sessions, settings, other, replay.base, bearer_token="tökén"),
        "control character in the URL": await stored_source(sessions, settings, other, "http://\u0010x"),
        "non-IDNA host": await stored_source(sessions, settings, other, "http://¼"),
        "no host": await stored_source(sessions, settings, other, "https://"),
        "a NUL in a label": await stored_source(sessions, settings, other, replay.base),
    }
    replay.script.append(Replayed(200, NUL_LABEL))  # the only source that reaches the peer
    theirs = {
        why: await add_rule(sessions, other, data_source_id=source, aggregation=None, query="up")
        for why, source in broken.items()
    }
    mine = await add_rule(sessions, tenant)
    await push(sessions, series_cache, tenant, await time_env.get_current_time(), {"db1": 97.0})

    summary = await alerting.evaluate_rules(
        EvaluationRequest(rule_ids=[mine, *theirs.values()], force=True, prune_metrics=False)
    )

    assert summary.failed_batches == 0
    assert summary.evaluated == 1 + len(theirs)
    assert (await rule_row(sessions, mine)).health == "ok"
    fired = (await states(sessions, mine))["db1"]
    assert fired.state == "firing"
    # Its alert is open: the fixture terminates it (an open alert would hold the shared test server's clock).
    opened.add(alert_workflow_id(tenant, rule_alert_key(mine, fired.instance)))
    for why, rule in theirs.items():
        row = await rule_row(sessions, rule)
        assert row.health == "error", why
        assert row.last_error, why
    nul = await rule_row(sessions, theirs["a NUL in a label"])
    assert nul.last_error is not None and "NUL" in nul.last_error
