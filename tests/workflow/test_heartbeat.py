"""HeartbeatWorkflow on the time-skipping server: a late ping raises an alert, the next ping resolves it."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient
from models.rule_tables import Heartbeat
from models.tables import Alert
from tests.support.alerts import eventually
from tests.support.opened import alert_row, settled
from workflows.ids import alert_workflow_id as workflow_id
from workflows.ids import heartbeat_alert_key as heartbeat_key
from workflows.ids import heartbeat_workflow_id
from workflows.rule_payloads import HeartbeatPing, HeartbeatStart, HeartbeatTiming


async def watch(
    alerting: AlertingClient,
    opened: set[str],
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    name: str,
    interval: int,
    grace: int,
    **row: Any,
) -> HeartbeatStart:
    """A monitor row and its workflow, started as the API starts it (both registered for the fixture's clean-up)."""
    monitor = str(uuid.uuid4())
    async with sessions.begin() as session:
        session.add(
            Heartbeat(id=monitor, tenant_id=tenant, name=name, interval_seconds=interval, grace_seconds=grace, **row)
        )
    start = HeartbeatStart(
        tenant_id=tenant, heartbeat_id=monitor, interval=timedelta(seconds=interval), grace=timedelta(seconds=grace)
    )
    opened.update({heartbeat_workflow_id(tenant, monitor), workflow_id(tenant, heartbeat_key(monitor))})
    await alerting.heartbeat_signal(start, "configure", HeartbeatTiming(interval=start.interval, grace=start.grace))
    return start


async def test_missed_ping_alerts_next_ping_resolves_and_stop_ends_watching(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    opened: set[str],
) -> None:
    start = await watch(
        alerting, opened, sessions, tenant, "nightly-backup", 300, 60, severity="critical", labels={"job": "backup"}
    )
    monitor = start.heartbeat_id
    wf_id = heartbeat_workflow_id(tenant, monitor)
    key = heartbeat_key(monitor)

    async def incidents() -> list[Alert]:
        row = await alert_row(sessions, tenant, key)
        return [row] if row else []

    await time_env.sleep(timedelta(minutes=5, seconds=50))  # inside interval + grace: nothing yet
    assert await incidents() == []
    await time_env.sleep(timedelta(seconds=20))
    [first] = await eventually(incidents, lambda rows: len(rows) == 1 and rows[0].status == "triggered")
    assert first.title == "Heartbeat 'nightly-backup' missed"
    assert first.severity == "critical" and first.labels == {"job": "backup", "heartbeat": "nightly-backup"}
    assert "Last ping: never" in first.description

    await alerting.heartbeat_signal(start, "ping", HeartbeatPing(at=await time_env.get_current_time()))
    await eventually(incidents, lambda rows: rows[0].id == first.id and rows[0].status == "resolved")

    # Pinging on time keeps it quiet...
    for _ in range(3):
        await time_env.sleep(timedelta(minutes=5))
        await alerting.heartbeat_signal(start, "ping", HeartbeatPing(at=await time_env.get_current_time()))
    assert (await incidents())[0].id == first.id
    # ...and a longer silence opens the next incident.
    await time_env.sleep(timedelta(minutes=7))
    [second] = await eventually(incidents, lambda rows: rows[0].id != first.id and rows[0].status == "triggered")

    handle = time_env.client.get_workflow_handle(wf_id)
    await alerting.stop_heartbeat(tenant, monitor)
    await handle.result()
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    await eventually(incidents, lambda rows: rows[0].id == second.id and rows[0].status == "resolved")


async def test_a_longer_interval_takes_effect_at_once(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    opened: set[str],
) -> None:
    start = await watch(alerting, opened, sessions, tenant, "hourly", 60, 0, severity="high")
    monitor = start.heartbeat_id
    await alerting.heartbeat_signal(
        start, "configure", HeartbeatTiming(interval=timedelta(hours=1), grace=timedelta(0))
    )
    # Five of the old intervals (not more: every timer of every workflow on the shared test server
    # fires while it skips, and a long skip can outlast the sleep call's own deadline).
    await time_env.sleep(timedelta(minutes=5))
    assert await alert_row(sessions, tenant, heartbeat_key(monitor)) is None


@dataclass
class MonitorModel:
    """A monitor as its signals and the passing time mean it, one at a time: the statuses of its
    alert's incidents in the order they opened (deadline 300 s after the last ping)."""

    quiet_for: float = 0.0  # seconds since the last ping (or since watching began)
    enabled: bool = True
    incidents: list[str] = field(default_factory=list)

    def alerting(self) -> bool:
        return bool(self.incidents) and self.incidents[-1] == "triggered"

    def ping(self) -> None:
        self.quiet_for = 0.0
        if self.alerting():
            self.incidents[-1] = "resolved"

    def configure(self, enabled: bool) -> None:
        self.enabled = enabled
        self.check()

    def wait(self, seconds: float) -> None:
        self.quiet_for += seconds
        self.check()

    def stop(self) -> None:
        if self.alerting():
            self.incidents[-1] = "resolved"

    def check(self) -> None:
        if self.enabled and not self.alerting() and self.quiet_for > 300:
            self.incidents.append("triggered")


@pytest.mark.parametrize("seed", range(1, 9))
async def test_random_pings_reconfigurations_silences_and_a_stop_end_as_the_model_says(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    opened: set[str],
    seed: int,
) -> None:
    """Pings, reconfigurations (on and off) and silences in a seeded order, sent as fast as Temporal
    takes them; the monitor's alert ends as a model of what they mean says. Silences are 70 s or
    400 s, so a deadline is never crossed by a rounding error of the time between two steps."""
    rng = random.Random(seed)
    start = await watch(alerting, opened, sessions, tenant, f"job-{seed}", 240, 60, severity="high")
    key = heartbeat_key(start.heartbeat_id)
    model = MonitorModel()
    steps = rng.choices(["ping", "enable", "disable", "short silence", "long silence"], [3, 1, 1, 3, 2], k=10)
    steps.append(rng.choice(["stop", "short silence", "ping"]))
    for step in steps:
        if step == "ping":
            await alerting.heartbeat_signal(start, "ping", HeartbeatPing(at=await time_env.get_current_time()))
            model.ping()
        elif step in ("enable", "disable"):
            timing = HeartbeatTiming(interval=start.interval, grace=start.grace, enabled=step == "enable")
            await alerting.heartbeat_signal(start, "configure", timing)
            model.configure(step == "enable")
        elif step == "stop":
            await alerting.stop_heartbeat(tenant, start.heartbeat_id)
            model.stop()
        else:
            seconds = 70 if step == "short silence" else 400
            await time_env.sleep(timedelta(seconds=seconds))
            model.wait(seconds)
        if rng.random() < 0.5:
            await settled(time_env, heartbeat_workflow_id(tenant, start.heartbeat_id))  # or not: keep it coming

    async def statuses() -> list[str]:
        async with sessions() as session:
            rows = await session.scalars(
                select(Alert.status).where(Alert.tenant_id == tenant, Alert.dedup_key == key).order_by(Alert.created_at)
            )
            return list(rows.all())

    try:
        await eventually(statuses, lambda found: found == model.incidents, within=20)
    except AssertionError as err:
        raise AssertionError(f"seed {seed}: {steps} → expected {model.incidents}") from err
    if steps[-1] == "stop":
        await time_env.client.get_workflow_handle(heartbeat_workflow_id(tenant, start.heartbeat_id)).result()
