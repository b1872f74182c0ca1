"""An incident of MEMBERS members on the time-skipping server (real activities, PostgreSQL and a
real webhook receiver): it stays inside Temporal's limits (payload size, history length per run),
continues-as-new while batches keep arriving and loses none of them, lists the webhook's share of
its members in the first notice, and resolves with its last member."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from channels.base import members_listed
from gateway.client import BATCH_MAX, FIRE_BATCH, AlertingClient
from models.tables import Alert, AlertMember
from settings import Settings
from tests.support.alerts import add_webhook, eventually
from tests.support.histories import (
    BLOB_LIMIT,
    BLOB_WARN,
    HISTORY_BYTES_WARN,
    HISTORY_EVENTS_WARN,
    measure,
    patches,
    run_histories,
)
from tests.support.opened import alert_row
from tests.support.receiver import WebhookReceiver
from tests.workflow.test_incidents import member, send
from workflows.alert import AlertWorkflow
from workflows.ids import alert_workflow_id
from workflows.payloads import AlertStart, AlertStatus, AlertView, FireBatch, FireEvent
from workflows.projection import MEMBER_CHUNKS_PATCH

MEMBERS = 10_000
EVENTS_PER_RUN = 1_500  # AlertOptions.max_events_per_run: several runs while the batches arrive
KEY = "nodedown-large"


def fired(tenant: str, index: int) -> FireEvent:
    event = member(tenant, f"n{index:05}")
    event.options.max_events_per_run = EVENTS_PER_RUN
    return event


async def members_by_status(sessions: async_sessionmaker[AsyncSession], alert_id: str) -> dict[str, int]:
    async with sessions() as session:
        rows = await session.execute(
            select(AlertMember.status, func.count())
            .where(AlertMember.alert_id == alert_id)
            .group_by(AlertMember.status)
        )
    return {status: count for status, count in rows.all()}


async def in_batches(alerting: AlertingClient, opened: set[str], tenant: str, events: list[FireEvent]) -> None:
    """One `ingest` per BATCH_MAX events (one `fire_batch` signal each), all at once: each answers
    when Temporal has taken its signal, not when the workflow has applied it."""
    chunks = [events[start : start + BATCH_MAX] for start in range(0, len(events), BATCH_MAX)]
    await asyncio.gather(*(send(alerting, opened, tenant, KEY, *chunk) for chunk in chunks))


async def in_waves(
    alerting: AlertingClient,
    opened: set[str],
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    events: list[FireEvent],
) -> None:
    """Waves of EVENTS_PER_RUN events, each sent as soon as the projection shows the previous one:
    the moment its run has reached `max_events_per_run` and continues as new, so the next wave's
    batches land while it does (all at once, the whole storm would land in the first run)."""
    for start in range(0, len(events), EVENTS_PER_RUN):
        await in_batches(alerting, opened, tenant, events[start : start + EVENTS_PER_RUN])
        await eventually(
            lambda: alert_row(sessions, tenant, KEY), partial(projected, min(start + EVENTS_PER_RUN, len(events)))
        )


def projected(events: int, row: Alert | None) -> bool:
    return row is not None and row.event_count >= events


@pytest.mark.no_history  # its runs' histories are megabytes: tests/histories keeps small ones
async def test_an_incident_of_ten_thousand_members_stays_inside_temporals_limits(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    started = time.monotonic()
    await add_webhook(sessions, tenant, receiver.url)
    await in_waves(alerting, opened, sessions, tenant, [fired(tenant, i) for i in range(MEMBERS)])
    wf_id = alert_workflow_id(tenant, KEY)
    assert opened == {wf_id}

    row = await alert_row(sessions, tenant, KEY)
    assert row is not None and row.event_count == MEMBERS
    assert row.firing_members == MEMBERS and row.status == "triggered"
    assert await members_by_status(sessions, row.id) == {"firing": MEMBERS}
    received = time.monotonic()

    await time_env.sleep(timedelta(seconds=31))  # group_wait
    [first] = await receiver.wait_for(1)
    alert = first.json["alert"]
    assert first.json["event"] == "triggered"
    assert alert["firing_members"] == MEMBERS and alert["event_count"] == MEMBERS
    listed = members_listed("webhook")
    assert len(alert["members"]) == listed and alert["members_left_out"] == MEMBERS - listed
    assert {m["status"] for m in alert["members"]} == {"firing"}

    await in_batches(alerting, opened, tenant, [member(tenant, f"n{i:05}", action="resolve") for i in range(MEMBERS)])
    await eventually(
        lambda: alert_row(sessions, tenant, KEY), lambda r: r is not None and r.status == "resolved", within=120
    )
    result = await time_env.client.get_workflow_handle(wf_id, result_type=AlertView).result()
    assert result is not None and result.status == AlertStatus.RESOLVED
    assert result.firing_members == 0 and result.resolved_members == MEMBERS
    assert result.alert_id == row.id  # one incident, however many runs
    final = await alert_row(sessions, tenant, KEY)
    assert final is not None and final.status == "resolved" and final.firing_members == 0
    assert await members_by_status(sessions, row.id) == {"resolved": MEMBERS}
    await receiver.wait_for(2)
    assert receiver.events() == ["triggered", "resolved"]

    runs = [measure(history) for history in await run_histories(time_env.client, wf_id)]
    for number, run in enumerate(runs, 1):
        print(
            f"run {number}: {run.events} events, {run.bytes / 1e6:.2f} MB, largest payload "
            f"{run.largest_payload / 1e3:.0f} kB in {run.largest_payload_in}"
            + f", failed workflow tasks: {list(run.failed_tasks)}"
            + (", continued as new" if run.continued_as_new else "")
        )
    print(f"{MEMBERS} members in {received - started:.1f} s; all told {time.monotonic() - started:.1f} s")
    # Usually 4 to 7 runs; on a loaded machine a run can take in several waves (each continue-as-new
    # overtaken by the next wave's signals), but it continues once the storm pauses.
    assert len(runs) >= 2 and all(run.continued_as_new for run in runs[:-1])
    assert max(run.events for run in runs) < 10_000 < HISTORY_EVENTS_WARN
    assert max(run.bytes for run in runs) < HISTORY_BYTES_WARN
    largest = max(run.largest_payload for run in runs)
    assert largest < BLOB_WARN < BLOB_LIMIT  # no warning either; the members carried are packed


async def test_more_than_a_thousand_member_changes_are_written_in_chunks(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
    settings: Settings,
) -> None:
    """Small enough to record its history: 1,201 members in one signal (one batch of the inbox's
    size, more than `ingest` puts in one), the 1,200 that came with the first one projected in one
    flush, as two `alert.record` writes (`record-members-in-chunks`)."""
    await add_webhook(sessions, tenant, receiver.url)
    wf_id = alert_workflow_id(tenant, "chunks")
    opened.add(wf_id)
    await time_env.client.start_workflow(
        AlertWorkflow.run,
        AlertStart(tenant_id=tenant, key="chunks"),
        id=wf_id,
        task_queue=settings.temporal_task_queue,
        start_signal=FIRE_BATCH,
        start_signal_args=[FireBatch(events=[member(tenant, f"c{i:04}") for i in range(1_201)])],
    )
    row = await eventually(
        lambda: alert_row(sessions, tenant, "chunks"), lambda r: r is not None and r.firing_members == 1_201
    )
    assert row is not None and await members_by_status(sessions, row.id) == {"firing": 1_201}
    await time_env.sleep(timedelta(seconds=31))  # group_wait
    [first] = await receiver.wait_for(1)
    assert first.json["alert"]["firing_members"] == 1_201
    assert len(first.json["alert"]["members"]) == 1_000 and first.json["alert"]["members_left_out"] == 201
    history = await time_env.client.get_workflow_handle(wf_id).fetch_history()
    assert MEMBER_CHUNKS_PATCH in patches(history)
