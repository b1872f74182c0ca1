"""A flapping alert on the time-skipping server, with the real activities, PostgreSQL and a slow
webhook receiver: no event is lost across the boundary between one incident and the next."""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from gateway.client import AlertingClient, IngestItem
from gateway.errors import AlertNotFound, TransitionRejected
from gateway.sandbox import workflow_runner
from models.tables import Alert
from tests.support.alerts import add_webhook, eventually, resolve_event, trigger
from tests.support.opened import idle, quiet
from tests.support.receiver import Scripted, WebhookReceiver
from tests.workflow.fakes import FastAlerts, channel
from workflows.alert import AlertWorkflow
from workflows.ids import alert_workflow_id
from workflows.payloads import AcknowledgeRequest, AlertStatus, NotifyEvent, ResolveRequest


async def incidents(sessions: async_sessionmaker[AsyncSession], tenant: str, key: str) -> list[Alert]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Alert).where(Alert.tenant_id == tenant, Alert.dedup_key == key).order_by(Alert.created_at)
        )
        return list(rows.all())


async def test_trigger_resolve_trigger_resolve_against_a_slow_receiver_ends_resolved(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    """The field failure: every answer of the receiver is late (it answers once released), and the
    four events of one label set arrive while the first incident is still sending its notices."""
    await add_webhook(sessions, tenant, receiver.url)
    release = asyncio.Event()
    receiver.script.extend(Scripted(200, hold=release) for _ in range(10))
    opened.add(alert_workflow_id(tenant, "flap"))
    for event in (trigger(), resolve_event(), trigger(), resolve_event()):
        [outcome] = await alerting.ingest([IngestItem(tenant, "flap", event)])
        assert outcome.status == "accepted", outcome
        await asyncio.sleep(0.3)
    release.set()

    async def statuses() -> list[str]:
        return [row.status for row in await incidents(sessions, tenant, "flap")]

    await eventually(statuses, lambda found: found == ["resolved", "resolved"])
    rows = await incidents(sessions, tenant, "flap")
    await time_env.client.get_workflow_handle(alert_workflow_id(tenant, "flap")).result()
    told = [(r.json["alert"]["id"], r.json["event"]) for r in receiver.received]
    assert told[:2] == [(rows[0].id, "triggered"), (rows[0].id, "resolved")]
    # The second incident resolved before its trigger went out: the receiver hears nothing of it
    # rather than a "resolved" for an alert it was never told about.
    for index, (alert_id, event) in enumerate(told):
        assert event != "resolved" or (alert_id, "triggered") in told[:index], told


async def test_trigger_resolve_trigger_before_the_first_open_opens_a_second_incident(fast: FastAlerts) -> None:
    """All three events are in the workflow's first task (no worker was polling yet): the resolve
    closes the first incident and the last trigger opens the next, it is not counted into the first."""
    fast.fakes.channels = [channel("ops")]
    task_queue = f"late-{uuid.uuid4().hex[:8]}"
    alerting = AlertingClient(fast.env.client, task_queue=task_queue, update_timeout=30, ingest_concurrency=1)
    outcomes = await alerting.ingest(
        [IngestItem(fast.tenant, "early", event) for event in (trigger(), resolve_event(), trigger())]
    )
    assert [outcome.status for outcome in outcomes] == ["accepted"] * 3
    wf_id = outcomes[0].workflow_id
    async with Worker(
        fast.env.client,
        task_queue=task_queue,
        workflows=[AlertWorkflow],
        activities=fast.fakes.all(),
        workflow_runner=workflow_runner("shared"),
    ):
        await eventually(lambda: fast.fakes.wait_for(0), lambda _: len(opened_order(fast, wf_id)) == 2, within=10)
        await quiet(fast.env, wf_id)
        first, second = opened_order(fast, wf_id)
        view = await fast.view(wf_id)
        assert view.alert_id == second and view.status == AlertStatus.TRIGGERED and view.event_count == 1
        closed = [record.view for record in fast.fakes.records if record.view.alert_id == first]
        assert closed[-1].status == AlertStatus.RESOLVED and closed[-1].event_count == 1


# ---------------------------------------------------------------------- a randomized model test


@dataclass
class Model:
    """What the alert's events mean, one at a time, with nothing in flight: the statuses of the
    key's incidents in the order they opened."""

    incidents: list[AlertStatus] = field(default_factory=list)

    def open(self) -> bool:
        return bool(self.incidents) and self.incidents[-1] != AlertStatus.RESOLVED

    def trigger(self) -> None:
        if not self.open():
            self.incidents.append(AlertStatus.TRIGGERED)

    def resolve(self, incident: int | None = None) -> None:
        """By the source (`incident` None: whatever is open), or by a click on one incident's message."""
        if self.open() and incident in (None, len(self.incidents) - 1):
            self.incidents[-1] = AlertStatus.RESOLVED

    def acknowledge(self, incident: int) -> None:
        if incident == len(self.incidents) - 1 and self.incidents[-1] == AlertStatus.TRIGGERED:
            self.incidents[-1] = AlertStatus.ACKNOWLEDGED


SLOW = timedelta(minutes=5)  # a held notification is slow, not timed out
OPERATIONS = ["trigger", "resolve", "click acknowledge", "click resolve", "api acknowledge", "api resolve", "answer"]
WEIGHTS = [5, 4, 2, 2, 1, 1, 2]


async def answer(fast: FastAlerts, wf_id: str) -> None:
    """The slow receiver answers everything it holds, and the workflow settles. (Only then: the
    time-skipping server fails a workflow task that cancels an activity whose completion it has
    just recorded, see tests/support/opened.py, so nothing completes while events arrive.)"""
    await idle(fast.env, wf_id)  # every cancellation the events cause is issued before anything completes
    hold, fast.fakes.hold = fast.fakes.hold, None
    if hold is not None:
        hold.set()
    await quiet(fast.env, wf_id)
    fast.fakes.hold = asyncio.Event()


async def play(fast: FastAlerts, seed: int) -> None:
    """One seeded sequence of events for one key (from its source, from chat buttons, from the API),
    sent one after another as fast as Temporal takes them, against a receiver that holds every
    notification until it answers them all at once."""
    rng = random.Random(seed)
    key = f"flap-{seed}"
    wf_id = alert_workflow_id(fast.tenant, key)
    per_run = rng.choice([0, 2, 3])  # also continue-as-new mid-incident every few events
    model = Model()
    steps = [rng.choices(OPERATIONS, WEIGHTS)[0] for _ in range(rng.randint(6, 16))]
    fast.fakes.hold = asyncio.Event()
    for step in steps:
        if step == "trigger":
            await fast.fire(key, max_events_per_run=per_run, attempt_timeout=SLOW)
            model.trigger()
        elif step == "resolve":
            [outcome] = await fast.alerting.ingest([IngestItem(fast.tenant, key, resolve_event())])
            assert outcome.status == "accepted" or not model.open(), (seed, steps, outcome)
            model.resolve()
        elif step.startswith("click"):
            sent = [request.alert.alert_id for request in fast.fakes.reached if request.alert.workflow_id == wf_id]
            if not sent:
                continue
            alert_id = rng.choice(sent)  # a person clicks on a message they were sent, maybe an old one
            incident = opened_order(fast, wf_id).index(alert_id)
            request: AcknowledgeRequest | ResolveRequest
            if step == "click acknowledge":
                request = AcknowledgeRequest(alert_id=alert_id, actor="Ann (Slack)")
                model.acknowledge(incident)
            else:
                request = ResolveRequest(alert_id=alert_id, actor="Ann (Slack)")
                model.resolve(incident)
            try:
                await fast.alerting.signal_transition(wf_id, request)
            except TransitionRejected:
                assert not model.open() or incident != len(model.incidents) - 1, (seed, steps)
        elif step.startswith("api") and opened_order(fast, wf_id):
            alert_id = opened_order(fast, wf_id)[-1]  # the newest incident, as GET /alerts shows it
            incident = len(opened_order(fast, wf_id)) - 1
            try:
                if step == "api acknowledge":
                    model.acknowledge(incident)
                    await fast.alerting.acknowledge(wf_id, AcknowledgeRequest(alert_id=alert_id, actor="bob"))
                else:
                    model.resolve(incident)
                    await fast.alerting.resolve(wf_id, ResolveRequest(alert_id=alert_id, actor="bob"))
            except (TransitionRejected, AlertNotFound):
                pass  # a 409 or 404: the workflow had moved on (the model agrees once it catches up)
        elif step == "answer" and model.incidents:
            await answer(fast, wf_id)
        await asyncio.sleep(rng.choice([0, 0, 0.05, 0.3]))  # let the workflow take some of it in, or not
    if model.incidents:
        await answer(fast, wf_id)
    fast.fakes.hold = None

    async def statuses() -> list[AlertStatus]:
        order = opened_order(fast, wf_id)
        last: dict[str, AlertStatus] = {}
        for opened in fast.fakes.opened:
            last.setdefault(opened.view.alert_id, opened.view.status)
        for record in fast.fakes.records:
            if record.view.workflow_id == wf_id:
                last[record.view.alert_id] = record.view.status
        return [last[alert_id] for alert_id in order]

    try:
        await eventually(statuses, lambda found: found == model.incidents, within=20)
    except AssertionError as err:
        raise AssertionError(f"seed {seed}: {steps} → expected {model.incidents}") from err
    handle = fast.env.client.get_workflow_handle(wf_id)
    if model.incidents and not model.open():
        await handle.result()  # the last incident resolved: nothing is left open under the key
        for alert_id in opened_order(fast, wf_id):
            told = [r.event for r in fast.fakes.delivered if r.alert.alert_id == alert_id]
            assert NotifyEvent.RESOLVED in told, (seed, steps, alert_id, told)
    elif model.incidents:
        await quiet(fast.env, wf_id)
        view = await fast.view(wf_id)
        assert view.status == model.incidents[-1], (seed, steps, view.status)


def opened_order(fast: FastAlerts, wf_id: str) -> list[str]:
    """The alert ids of the key's incidents, in the order they opened."""
    return list(dict.fromkeys(o.view.alert_id for o in fast.fakes.opened if o.view.workflow_id == wf_id))


@pytest.mark.parametrize("seeds", [range(0, 12), range(12, 24)])
async def test_random_interleavings_of_events_clicks_and_slow_deliveries_end_as_the_model_says(
    fast: FastAlerts, seeds: range
) -> None:
    fast.fakes.channels = [channel("ops")]
    for seed in seeds:
        await play(fast, seed)
