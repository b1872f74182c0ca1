"""Incidents on the time-skipping server: members of one group key fire and resolve inside one
AlertWorkflow; the first notice waits `group_wait`, member changes notify at most every
`group_interval`, the incident resolves with its last member (real activities, PostgreSQL and a
real webhook receiver)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient, IngestItem
from models.tables import AlertEvent, AlertMember, InhibitRule, Silence
from tests.support.alerts import add_webhook, eventually, trigger
from tests.support.opened import alert_row, settled
from tests.support.receiver import WebhookReceiver
from workflows.ids import labels_key
from workflows.payloads import AlertStatus, AlertView, FireEvent, Grouping, ResolveRequest

GROUPING = Grouping(
    route_key='{}/{alertname="NodeDown"}',
    group_labels={"alertname": "NodeDown"},
    group_wait=timedelta(seconds=30),
    group_interval=timedelta(minutes=5),
)


def member(tenant: str, host: str, *, action: str = "trigger", grouping: Grouping = GROUPING) -> FireEvent:
    labels = {"alertname": "NodeDown", "host": host}
    event = trigger("Node down", labels=labels, repeat=timedelta(hours=4))
    event.options.grouping = grouping
    event.member_key = labels_key(tenant, labels)
    if action == "resolve":
        return FireEvent(action="resolve", received_at=datetime.now(UTC), actor="test", member_key=event.member_key)
    return event


async def send(alerting: AlertingClient, opened: set[str], tenant: str, key: str, *events: FireEvent) -> None:
    outcomes = await alerting.ingest([IngestItem(tenant, key, event) for event in events])
    assert {o.status for o in outcomes} == {"accepted"}, outcomes
    opened.update(o.workflow_id for o in outcomes)


async def nothing_arrives(receiver: WebhookReceiver, count: int) -> None:
    """Real time passes, not workflow time (the time-skipping server only skips when asked)."""
    await asyncio.sleep(0.5)
    assert len(receiver.received) == count, receiver.events()


async def test_members_share_one_incident_whose_first_notice_waits_group_wait(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    await send(alerting, opened, tenant, "nodedown", member(tenant, "a"), member(tenant, "b"))
    await time_env.sleep(timedelta(seconds=20))
    await send(alerting, opened, tenant, "nodedown", member(tenant, "c"), member(tenant, "a"))
    await time_env.sleep(timedelta(seconds=9))
    await nothing_arrives(receiver, 0)  # 29 s: still gathering

    await time_env.sleep(timedelta(seconds=2))
    [first] = await receiver.wait_for(1)
    assert first.json["event"] == "triggered"
    assert first.json["alert"]["firing_members"] == 3 and first.json["alert"]["resolved_members"] == 0
    assert first.json["alert"]["event_count"] == 4
    listed = first.json["alert"]["members"]
    assert sorted(m["labels"]["host"] for m in listed) == ["a", "b", "c"]
    assert {m["status"] for m in listed} == {"firing"} and first.json["alert"]["members_left_out"] == 0
    assert first.json["alert"]["common_labels"] == {"alertname": "NodeDown"}
    assert first.json["alert"]["group_labels"] == {"alertname": "NodeDown"}

    row = await eventually(lambda: alert_row(sessions, tenant, "nodedown"), lambda r: r is not None)
    assert row is not None and row.firing_members == 3
    async with sessions() as session:
        members = (await session.scalars(select(AlertMember).where(AlertMember.alert_id == row.id))).all()
    assert sorted(m.labels["host"] for m in members) == ["a", "b", "c"]
    assert {m.status for m in members} == {"firing"}
    assert {m.labels["host"]: m.event_count for m in members} == {"a": 2, "b": 1, "c": 1}


async def test_member_changes_notify_at_most_every_group_interval_and_the_last_resolve_closes(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    await send(alerting, opened, tenant, "nodedown", member(tenant, "a"))
    await time_env.sleep(timedelta(seconds=31))
    await receiver.wait_for(1)  # t=31 s: first notice (group_wait 30 s)

    await time_env.sleep(timedelta(minutes=1))
    await send(alerting, opened, tenant, "nodedown", member(tenant, "b"))  # t≈1.5 min: a change
    await time_env.sleep(timedelta(minutes=3))
    await send(alerting, opened, tenant, "nodedown", member(tenant, "c"))  # t≈4.5 min: another
    await time_env.sleep(timedelta(seconds=50))
    await nothing_arrives(receiver, 1)  # t≈5 min 21 s: group_interval since the first notice not over

    await time_env.sleep(timedelta(seconds=12))  # t≈5 min 33 s > 30 s + 5 min
    second = (await receiver.wait_for(2))[1]
    assert second.json["event"] == "renotified"
    assert second.json["alert"]["firing_members"] == 3

    wf_id = next(iter(opened))
    await settled(time_env, wf_id)
    await send(alerting, opened, tenant, "nodedown", member(tenant, "a", action="resolve"))
    await send(alerting, opened, tenant, "nodedown", member(tenant, "b", action="resolve"))
    await time_env.sleep(timedelta(minutes=4))
    await nothing_arrives(receiver, 2)  # resolves are changes too, but inside group_interval
    await time_env.sleep(timedelta(minutes=1, seconds=5))
    third = (await receiver.wait_for(3))[2]
    assert third.json["alert"]["firing_members"] == 1 and third.json["alert"]["resolved_members"] == 2

    await settled(time_env, wf_id)
    await send(alerting, opened, tenant, "nodedown", member(tenant, "c", action="resolve"))
    result = await time_env.client.get_workflow_handle(wf_id, result_type=AlertView).result()
    assert result is not None and result.status == AlertStatus.RESOLVED
    assert result.resolved_by == "test"
    await receiver.wait_for(4)
    assert receiver.events()[-1] == "resolved"

    row = await alert_row(sessions, tenant, "nodedown")
    assert row is not None and row.firing_members == 0 and row.resolved_members == 3
    async with sessions() as session:
        kinds = (
            await session.scalars(
                select(AlertEvent.kind).where(AlertEvent.alert_id == row.id, AlertEvent.kind.like("member_%"))
            )
        ).all()
    assert sorted(kinds) == ["member_firing"] * 3 + ["member_resolved"] * 3


async def test_a_manual_resolve_ends_every_member_and_a_refire_opens_a_new_incident(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    now = Grouping(**(GROUPING.model_dump() | {"group_wait": timedelta(0)}))
    await send(
        alerting, opened, tenant, "nodedown", member(tenant, "a", grouping=now), member(tenant, "b", grouping=now)
    )
    await receiver.wait_for(1)  # group_wait 0: at once
    wf_id = next(iter(opened))
    await settled(time_env, wf_id)
    row = await eventually(
        lambda: alert_row(sessions, tenant, "nodedown"), lambda r: r is not None and r.firing_members == 2
    )
    assert row is not None
    await alerting.resolve(wf_id, ResolveRequest(alert_id=row.id, actor="alice"))
    await time_env.client.get_workflow_handle(wf_id).result()

    async with sessions() as session:
        statuses = (await session.scalars(select(AlertMember.status).where(AlertMember.alert_id == row.id))).all()
    assert statuses == ["resolved", "resolved"]

    await send(alerting, opened, tenant, "nodedown", member(tenant, "a", grouping=now))
    second = await eventually(
        lambda: alert_row(sessions, tenant, "nodedown"), lambda r: r is not None and r.id != row.id
    )
    assert second is not None and second.status == "triggered" and second.firing_members == 1


async def test_members_arriving_while_the_incident_closes_all_join_the_next_one(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    now = Grouping(**(GROUPING.model_dump() | {"group_wait": timedelta(0)}))
    await send(alerting, opened, tenant, "nodedown", member(tenant, "a", grouping=now))
    await receiver.wait_for(1)
    wf_id = next(iter(opened))
    await settled(time_env, wf_id)
    first = await alert_row(sessions, tenant, "nodedown")
    assert first is not None
    # a resolves (the incident closes), then b, c and d fire in the same batch: none may be lost.
    await send(
        alerting,
        opened,
        tenant,
        "nodedown",
        member(tenant, "a", action="resolve", grouping=now),
        member(tenant, "b", grouping=now),
        member(tenant, "c", grouping=now),
        member(tenant, "d", grouping=now),
    )
    second = await eventually(
        lambda: alert_row(sessions, tenant, "nodedown"),
        lambda r: r is not None and r.id != first.id and r.firing_members == 3,
    )
    assert second is not None
    async with sessions() as session:
        hosts = (await session.scalars(select(AlertMember.labels).where(AlertMember.alert_id == second.id))).all()
    assert sorted(h["host"] for h in hosts) == ["b", "c", "d"]


async def test_a_batch_of_one_key_is_one_signal_and_every_event_counts(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    hosts = [f"n{i:03}" for i in range(120)]
    await send(alerting, opened, tenant, "nodedown", *(member(tenant, host) for host in hosts))
    await time_env.sleep(timedelta(seconds=31))
    [first] = await receiver.wait_for(1)
    assert first.json["alert"]["firing_members"] == 120 and first.json["alert"]["event_count"] == 120
    assert len(first.json["alert"]["members"]) == 120 and first.json["alert"]["members_left_out"] == 0

    wf_id = next(iter(opened))
    history = await time_env.client.get_workflow_handle(wf_id).fetch_history()
    signals = [e for e in history.events if e.HasField("workflow_execution_signaled_event_attributes")]
    assert len(signals) == 1  # 120 events, one signal
    assert signals[0].workflow_execution_signaled_event_attributes.signal_name == "fire_batch"
    row = await alert_row(sessions, tenant, "nodedown")
    assert row is not None and row.firing_members == 120


async def test_a_drain_cycle_sent_twice_counts_once(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    """A retried ingest inbox cycle (models/inbox.py) re-sends the same events under the same
    number: the incident that took them skips the copy; the next cycle counts."""
    await add_webhook(sessions, tenant, receiver.url)
    cycle = [IngestItem(tenant, "nodedown", member(tenant, host)) for host in ("a", "b", "a")]
    for _ in range(2):
        outcomes = await alerting.ingest(cycle, cycle=41)
        assert {o.status for o in outcomes} == {"accepted"}
        opened.update(o.workflow_id for o in outcomes)
    [outcome] = await alerting.ingest([IngestItem(tenant, "nodedown", member(tenant, "c"))], cycle=42)
    assert outcome.status == "accepted"
    await time_env.sleep(timedelta(seconds=31))
    [first] = await receiver.wait_for(1)
    assert first.json["alert"]["event_count"] == 4 and first.json["alert"]["firing_members"] == 3


async def silence(sessions: async_sessionmaker[AsyncSession], tenant: str, matchers: list[str]) -> str:
    silence_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        session.add(
            Silence(
                id=silence_id,
                tenant_id=tenant,
                matchers=matchers,
                starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=1),
                created_by="test",
            )
        )
    return silence_id


async def timeline_kinds(sessions: async_sessionmaker[AsyncSession], tenant: str, key: str) -> list[str]:
    row = await alert_row(sessions, tenant, key)
    if row is None:
        return []
    async with sessions() as session:
        return list((await session.scalars(select(AlertEvent.kind).where(AlertEvent.alert_id == row.id))).all())


async def test_an_incident_pages_unless_every_firing_member_is_silenced(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    silenced = await silence(sessions, tenant, ['host=~"a|b"'])
    now = Grouping(**(GROUPING.model_dump() | {"group_wait": timedelta(0)}))
    # Every member silenced: recorded, not paged, and the timeline says which silence.
    await send(alerting, opened, tenant, "quiet", member(tenant, "a", grouping=now), member(tenant, "b", grouping=now))
    kinds = await eventually(lambda: timeline_kinds(sessions, tenant, "quiet"), lambda k: "notification_silenced" in k)
    assert "notification_delivered" not in kinds
    row = await alert_row(sessions, tenant, "quiet")
    assert row is not None
    async with sessions() as session:
        entry = await session.scalar(
            select(AlertEvent).where(AlertEvent.alert_id == row.id, AlertEvent.kind == "notification_silenced")
        )
    assert entry is not None and entry.details["silence_ids"] == silenced and "all 2 firing members" in entry.message
    # One member no silence covers: the incident pages, listing all of them.
    await send(alerting, opened, tenant, "loud", *(member(tenant, host, grouping=now) for host in ("a", "b", "c")))
    [notice] = await receiver.wait_for(1)
    assert notice.json["alert"]["firing_members"] == 3
    await nothing_arrives(receiver, 1)


async def cluster_rule(sessions: async_sessionmaker[AsyncSession], tenant: str) -> None:
    """A down cluster (source) inhibits its down instances (targets) that share its `cluster`."""
    async with sessions.begin() as session:
        session.add(
            InhibitRule(
                id=str(uuid.uuid4()),
                tenant_id=tenant,
                source_matchers=['alertname="ClusterDown"'],
                target_matchers=['alertname="InstanceDown"'],
                equal=["cluster"],
            )
        )


async def test_every_firing_member_of_an_incident_inhibits_as_a_source(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    await cluster_rule(sessions, tenant)
    now = timedelta(0)

    def event(alertname: str, cluster: str, host: str = "") -> FireEvent:
        labels = {"alertname": alertname, "cluster": cluster} | ({"host": host} if host else {})
        fired = trigger(alertname, labels=labels)
        fired.options.grouping = Grouping(group_labels={"alertname": alertname}, group_wait=now)
        fired.member_key = labels_key(tenant, labels)
        return fired

    # One ClusterDown incident: cluster a first, then cluster b.
    await send(alerting, opened, tenant, "clusters", event("ClusterDown", "a"), event("ClusterDown", "b"))
    await receiver.wait_for(1)
    await eventually(lambda: alert_row(sessions, tenant, "clusters"), lambda r: r is not None and r.firing_members == 2)
    await send(alerting, opened, tenant, "instances-b", event("InstanceDown", "b", "n1"))
    kinds = await eventually(
        lambda: timeline_kinds(sessions, tenant, "instances-b"), lambda k: "notification_inhibited" in k
    )
    assert "notification_delivered" not in kinds
    await send(alerting, opened, tenant, "instances-c", event("InstanceDown", "c", "n2"))
    await receiver.wait_for(2)  # no cluster c is down: it pages


async def test_a_silenced_incident_holds_its_ladder_and_notifies_when_the_silence_ends(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    silenced = await silence(sessions, tenant, ['alertname="NodeDown"'])
    now = Grouping(**(GROUPING.model_dump() | {"group_wait": timedelta(0)}))
    await send(alerting, opened, tenant, "held", member(tenant, "a", grouping=now))
    await eventually(lambda: timeline_kinds(sessions, tenant, "held"), lambda k: "notification_silenced" in k)
    await time_env.sleep(timedelta(minutes=30))
    await nothing_arrives(receiver, 0)  # still silenced: the check an hour on has not come
    async with sessions.begin() as session:  # expired early, as DELETE /api/v1/silences/{id} does
        row = await session.get(Silence, silenced)
        assert row is not None
        row.ends_at = datetime.now(UTC)
    await time_env.sleep(timedelta(minutes=31))
    [notice] = await receiver.wait_for(1)
    assert notice.json["event"] == "renotified" and notice.json["alert"]["firing_members"] == 1
    kinds = await eventually(lambda: timeline_kinds(sessions, tenant, "held"), lambda k: "unmuted" in k)
    assert kinds.count("notification_delivered") == 1


async def test_an_inhibited_incident_notifies_once_its_source_resolves(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    await add_webhook(sessions, tenant, receiver.url)
    await cluster_rule(sessions, tenant)

    def event(alertname: str, host: str = "", action: str = "trigger") -> FireEvent:
        labels = {"alertname": alertname, "cluster": "a"} | ({"host": host} if host else {})
        fired = trigger(alertname, labels=labels)
        fired.options.grouping = Grouping(group_labels={"alertname": alertname}, group_wait=timedelta(0))
        fired.member_key = labels_key(tenant, labels)
        if action == "resolve":
            return FireEvent(action="resolve", received_at=datetime.now(UTC), actor="test", member_key=fired.member_key)
        return fired

    await send(alerting, opened, tenant, "cluster", event("ClusterDown"))
    await receiver.wait_for(1)
    await eventually(lambda: alert_row(sessions, tenant, "cluster"), lambda r: r is not None and r.firing_members == 1)
    await send(alerting, opened, tenant, "instances", event("InstanceDown", "n1"))
    await eventually(lambda: timeline_kinds(sessions, tenant, "instances"), lambda k: "notification_inhibited" in k)
    cluster_wf = next(wf for wf in opened if wf.endswith("/cluster"))
    await settled(time_env, cluster_wf)
    await send(alerting, opened, tenant, "cluster", event("ClusterDown", action="resolve"))
    await time_env.client.get_workflow_handle(cluster_wf).result()
    await receiver.wait_for(2)  # the source's resolved notice
    await time_env.sleep(timedelta(minutes=5, seconds=5))  # the target looks again a group_interval on
    third = (await receiver.wait_for(3))[2]
    assert third.json["alert"]["title"] == "InstanceDown" and third.json["event"] == "renotified"


async def test_a_notice_gives_the_annotations_every_firing_member_shares(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    """Alertmanager's CommonAnnotations: templates and the webhook get what all firing members share."""
    await add_webhook(sessions, tenant, receiver.url)
    events = [member(tenant, host) for host in ("a", "b")]
    for event, host in zip(events, ("a", "b"), strict=True):
        assert event.content is not None
        event.content.annotations = {"runbook": "https://runbooks/node-down", "summary": f"{host} is down"}
    await send(alerting, opened, tenant, "nodedown", *events)
    await time_env.sleep(timedelta(seconds=31))
    [first] = await receiver.wait_for(1)
    assert first.json["alert"]["common_annotations"] == {"runbook": "https://runbooks/node-down"}
    listed = {m["labels"]["host"]: m["annotations"] for m in first.json["alert"]["members"]}
    assert listed["a"]["summary"] == "a is down" and listed["b"]["summary"] == "b is down"


async def test_each_event_sets_what_it_says_of_its_incident_on_the_open_incident(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    """`incident_annotations` (Alertmanager's truncatedAlerts of a notification): the latest event's
    values are the incident's — a trigger's or a resolve's — an empty value removes one, and the
    incident's other annotations stay."""
    await add_webhook(sessions, tenant, receiver.url)
    said = [{"truncated": ""}, {"truncated": "2"}, {"truncated": "7"}, {"truncated": "3"}, {"truncated": ""}]
    events = [member(tenant, host) for host in ("a", "a", "b")]
    events += [member(tenant, "a", action="resolve"), member(tenant, "b")]
    for event, incident in zip(events, said, strict=True):
        if event.content is not None:
            event.content.annotations = {"runbook": "https://runbooks/node-down"}
        event.incident_annotations = incident
    await send(alerting, opened, tenant, "nodedown", events[0], events[1])
    await time_env.sleep(timedelta(seconds=31))
    [first] = await receiver.wait_for(1)
    assert first.json["alert"]["annotations"] == {"runbook": "https://runbooks/node-down", "truncated": "2"}

    await send(alerting, opened, tenant, "nodedown", events[2])
    row = await eventually(
        lambda: alert_row(sessions, tenant, "nodedown"), lambda r: r is not None and r.event_count == 3
    )
    assert row is not None and row.annotations == {"runbook": "https://runbooks/node-down", "truncated": "7"}
    await send(alerting, opened, tenant, "nodedown", events[3])  # a resolve of one member says it too
    row = await eventually(
        lambda: alert_row(sessions, tenant, "nodedown"),
        lambda r: r is not None and r.annotations.get("truncated") == "3",
    )
    assert row is not None and row.status == AlertStatus.TRIGGERED and row.event_count == 3
    await send(alerting, opened, tenant, "nodedown", events[4])
    row = await eventually(
        lambda: alert_row(sessions, tenant, "nodedown"), lambda r: r is not None and r.event_count == 4
    )
    assert row is not None and row.annotations == {"runbook": "https://runbooks/node-down"}


async def test_an_acknowledge_from_the_source_is_applied_after_its_trigger(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    """PagerDuty's `acknowledge`, queued behind its trigger (one batch): the incident opens, is
    acknowledged before its group_wait ends and so pages nobody; one for a closed incident is a no-op."""
    await add_webhook(sessions, tenant, receiver.url)
    acknowledge = FireEvent(action="acknowledge", received_at=datetime.now(UTC), actor="pagerduty:ops")
    await send(alerting, opened, tenant, "pd-incident", member(tenant, "a"), acknowledge)
    row = await eventually(
        lambda: alert_row(sessions, tenant, "pd-incident"), lambda r: r is not None and r.status == "acknowledged"
    )
    assert row is not None and row.acknowledged_by == "pagerduty:ops"
    await time_env.sleep(timedelta(seconds=31))
    await nothing_arrives(receiver, 0)  # acknowledged before its first notice: nobody paged
