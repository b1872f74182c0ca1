"""The fast tier, lifecycle: AlertWorkflow over fake activities (tests/workflow/fakes.py) on the
time-skipping server. Open, notify, repeat, acknowledge, resolve, re-fire, continue-as-new."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import WorkflowExecutionStatus

from tests.support.alerts import eventually
from tests.support.opened import settled
from tests.workflow.fakes import FastAlerts, channel
from workflows.payloads import AcknowledgeRequest, AlertStatus, AlertView, ResolveRequest


async def test_open_notifies_every_channel_then_repeats_every_interval(fast: FastAlerts) -> None:
    fast.fakes.channels = [channel("ops"), channel("chat")]
    wf_id = await fast.fire("disk", repeat=timedelta(minutes=5))
    assert sorted(await fast.fakes.wait_for(2)) == [("chat", "triggered"), ("ops", "triggered")]
    assert fast.fakes.kinds()[0] == "triggered"

    await fast.env.sleep(timedelta(minutes=4, seconds=59))
    assert len(fast.fakes.delivered) == 2  # a second before the interval: nothing yet
    await fast.env.sleep(timedelta(seconds=2))
    await fast.fakes.wait_for(4)
    await fast.env.sleep(timedelta(minutes=5))
    await fast.fakes.wait_for(6)
    assert fast.fakes.to("ops") == ["triggered", "renotified", "renotified"]
    assert fast.fakes.to("chat") == ["triggered", "renotified", "renotified"]
    keys = [sent.idempotency_key for sent in fast.fakes.delivered]
    assert len(set(keys)) == 6 and all(key.startswith(wf_id) for key in keys)
    view = await fast.view(wf_id)
    assert view.status == AlertStatus.TRIGGERED and view.notify_cycle == 2


async def test_acknowledge_stops_renotifying_and_tells_the_notified_channels(fast: FastAlerts) -> None:
    fast.fakes.channels = [channel("ops"), channel("chat")]
    wf_id = await fast.fire("disk", repeat=timedelta(minutes=5))
    await fast.fakes.wait_for(2)
    await settled(fast.env, wf_id)
    alert_id = (await fast.view(wf_id)).alert_id

    view = await fast.alerting.acknowledge(wf_id, AcknowledgeRequest(alert_id=alert_id, actor="alice", note="on it"))
    assert view.status == AlertStatus.ACKNOWLEDGED and view.acknowledged_by == "alice"
    assert view.next_notification_at is None
    await fast.fakes.wait_for(4)
    assert fast.fakes.to("ops") == ["triggered", "acknowledged"]
    assert fast.fakes.to("chat") == ["triggered", "acknowledged"]

    await fast.env.sleep(timedelta(hours=2))
    assert len(fast.fakes.delivered) == 4  # no renotification while acknowledged
    again = await fast.alerting.acknowledge(wf_id, AcknowledgeRequest(alert_id=alert_id, actor="bob"))
    assert again.acknowledged_by == "alice"  # acknowledging twice changes nothing
    assert fast.fakes.kinds().count("acknowledged") == 1
    assert len({sent.idempotency_key for sent in fast.fakes.delivered}) == 4


async def test_resolve_tells_only_the_channels_that_accepted_a_fire_notification(fast: FastAlerts) -> None:
    fast.fakes.channels = [channel("ops"), channel("broken")]
    fast.fakes.refusing = {"broken"}
    wf_id = await fast.fire("cpu")
    await fast.fakes.wait_for(2)
    await settled(fast.env, wf_id)
    assert [(sent.channel_id, sent.event.value) for sent in fast.fakes.refused] == [("broken", "triggered")]
    alert_id = (await fast.view(wf_id)).alert_id

    view = await fast.alerting.resolve(wf_id, ResolveRequest(alert_id=alert_id, actor="alice", note="fixed"))
    assert view.status == AlertStatus.RESOLVED and view.resolved_by == "alice"
    handle = fast.env.client.get_workflow_handle(wf_id, result_type=AlertView)
    result = await handle.result()
    assert result is not None and result.status == AlertStatus.RESOLVED
    assert fast.fakes.to("ops") == ["triggered", "resolved"]
    assert len(fast.fakes.refused) == 1  # refused for good: neither retried nor told of the resolution
    assert fast.fakes.abandoned == []  # a permanent failure is recorded by the activity itself
    assert "resolved" in fast.fakes.kinds()


async def test_refires_count_events_without_restarting_the_repeat_timer(fast: FastAlerts) -> None:
    fast.fakes.channels = [channel("ops")]
    wf_id = await fast.fire("flappy", repeat=timedelta(minutes=10))
    await fast.fakes.wait_for(1)
    first = await fast.view(wf_id)
    for _ in range(3):
        await fast.env.sleep(timedelta(minutes=4))
        await fast.fire("flappy", repeat=timedelta(minutes=10))
    # 12 minutes in, with re-fires every 4: the 10-minute repeat still fired once.
    await fast.fakes.wait_for(2)
    assert fast.fakes.to("ops") == ["triggered", "renotified"]
    view = await eventually(lambda: fast.view(wf_id), lambda view: view.event_count == 4)
    assert view.alert_id == first.alert_id and view.last_seen > first.last_seen
    assert len(fast.fakes.opened) == 1  # re-fires never reopen


async def test_continue_as_new_keeps_the_alert_its_repeat_and_its_notified_channels(fast: FastAlerts) -> None:
    fast.fakes.channels = [channel("ops")]
    wf_id = await fast.fire("can", repeat=timedelta(minutes=10), max_events_per_run=3)
    await fast.fakes.wait_for(1)
    handle = fast.env.client.get_workflow_handle(wf_id, result_type=AlertView)
    first_run = (await handle.describe()).run_id
    for _ in range(7):
        await fast.fire("can", repeat=timedelta(minutes=10), max_events_per_run=3)
    # Queried while it continues as new, the test server can leave the query unanswered: read
    # the projection the fakes were given instead.
    view = await eventually(fast.fakes.projected, lambda view: view.event_count == 8)
    assert view.alert_id == first_run
    described = await eventually(handle.describe, lambda described: described.run_id != first_run)
    assert described.status == WorkflowExecutionStatus.RUNNING

    await fast.env.sleep(timedelta(minutes=10, seconds=1))
    await fast.fakes.wait_for(2)
    assert fast.fakes.to("ops") == ["triggered", "renotified"]  # the repeat survived, once
    await settled(fast.env, wf_id)
    resolved = await fast.alerting.resolve(wf_id, ResolveRequest(alert_id=first_run, actor="alice"))
    assert resolved.event_count == 8 and resolved.alert_id == first_run
    await handle.result()
    assert fast.fakes.to("ops")[-1] == "resolved"  # the notified channel was carried over
    assert len(fast.fakes.opened) == 1
