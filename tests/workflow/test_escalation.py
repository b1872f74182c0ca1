"""Escalation ladders on the time-skipping server, with the real activities, PostgreSQL and a
real webhook receiver standing in for each person's phone (`/hook/<name>`)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient
from gateway.errors import AlertNotFound, TransitionRejected
from models.defaults import STANDARD, seed_defaults
from models.tables import AlertEvent, EscalationPolicy
from settings import Settings
from tests.support.alerts import add_webhook
from tests.support.escalation import add_policy, add_schedule, add_team, add_user, level
from tests.support.opened import alert_row, open_alert, settled
from tests.support.receiver import WebhookReceiver
from worker import build_worker
from workflows.payloads import (
    AcknowledgeRequest,
    AlertStatus,
    AlertView,
    EscalateRequest,
    NoteRequest,
    ReassignRequest,
    ResolveRequest,
    SnoozeRequest,
)


async def live_view(time_env: WorkflowEnvironment, wf_id: str) -> AlertView:
    view: AlertView | None = await time_env.client.get_workflow_handle(wf_id).query("view", result_type=AlertView)
    assert view is not None
    return view


async def timeline(sessions: async_sessionmaker[AsyncSession], alert_id: str) -> list[AlertEvent]:
    async with sessions() as session:
        rows = await session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id))
        return list(rows.all())


async def test_ladder_climbs_to_the_second_repeats_then_exhausts(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    alice = await add_user(sessions, tenant, "alice", receiver.url)
    bob = await add_user(sessions, tenant, "bob", receiver.url)
    policy = await add_policy(
        sessions, tenant, [level(("user", alice), minutes=5), level(("user", bob), minutes=10)], repeat=1
    )
    wf_id = await open_alert(alerting, opened, tenant, "ladder", policy_id=policy, repeat=timedelta(hours=24))
    await receiver.wait_for(1)
    assert receiver.pages() == [("alice", "triggered")]

    await time_env.sleep(timedelta(minutes=4, seconds=59))
    assert len(receiver.received) == 1  # one second before the level is due: nobody else yet
    await time_env.sleep(timedelta(seconds=2))
    await receiver.wait_for(2)
    assert receiver.pages()[-1] == ("bob", "escalated")

    await time_env.sleep(timedelta(minutes=10))  # second pass
    await receiver.wait_for(3)
    await time_env.sleep(timedelta(minutes=5))
    await receiver.wait_for(4)
    assert [who for who, _ in receiver.pages()] == ["alice", "bob", "alice", "bob"]

    await time_env.sleep(timedelta(hours=2))
    assert len(receiver.received) == 4  # repeat=1: two passes, then the ladder is exhausted
    view = await live_view(time_env, wf_id)
    escalation = view.escalation
    assert escalation is not None and escalation.exhausted and escalation.next_escalation_at is None
    gaps = [(b.at - a.at).total_seconds() for a, b in zip(escalation.pages, escalation.pages[1:], strict=False)]
    assert [round(gap) for gap in gaps] == [300, 600, 300]  # to the second (a workflow task takes milliseconds)
    assert [(p.level, p.loop) for p in escalation.pages] == [(1, 1), (2, 1), (1, 2), (2, 2)]
    kinds = [e.kind for e in await timeline(sessions, view.alert_id)]
    assert (
        kinds.count("escalated") == 3
        and "escalation_exhausted" in kinds
        and kinds[:3]
        == [
            "triggered",
            "policy",
            "paged",
        ]
    )


async def test_acknowledge_mid_level_stops_then_ack_timeout_retriggers_from_level_one(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    alice = await add_user(sessions, tenant, "alice", receiver.url, later_after=timedelta(minutes=3))
    bob = await add_user(sessions, tenant, "bob", receiver.url)
    policy = await add_policy(
        sessions,
        tenant,
        [level(("user", alice), minutes=10), level(("user", bob), minutes=10)],
        ack_timeout=timedelta(minutes=30),
        default=True,  # the alert names no policy: the tenant default applies
    )
    wf_id = await open_alert(alerting, opened, tenant, "ack", repeat=timedelta(hours=24))
    await receiver.wait_for(1)
    await time_env.sleep(timedelta(minutes=2))
    await settled(time_env, wf_id)
    row = await alert_row(sessions, tenant, "ack")
    assert row is not None
    view = await alerting.acknowledge(wf_id, AcknowledgeRequest(alert_id=row.id, actor="alice"))
    assert view.escalation is not None and view.escalation.policy.id == policy
    assert view.escalation.reason == "tenant default"
    assert view.escalation.ack_timeout_at is not None

    await time_env.sleep(timedelta(minutes=20))
    assert receiver.pages() == [("alice", "triggered")]  # neither alice's 3-minute SMS nor bob

    await time_env.sleep(timedelta(minutes=9))
    assert len(receiver.received) == 1
    await time_env.sleep(timedelta(minutes=2))  # 31 minutes after the acknowledgement
    await receiver.wait_for(2)
    assert receiver.pages()[-1] == ("alice", "triggered")  # re-triggered: level 1 again
    view = await live_view(time_env, wf_id)
    assert view.status == AlertStatus.TRIGGERED and view.acknowledged_by is None
    assert view.escalation is not None and view.escalation.level == 0
    kinds = [e.kind for e in await timeline(sessions, view.alert_id)]
    assert "retriggered" in kinds


async def test_personal_rule_pages_again_later_when_nobody_acknowledges(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    alice = await add_user(sessions, tenant, "alice", receiver.url, later_after=timedelta(minutes=3))
    policy = await add_policy(sessions, tenant, [level(("user", alice), minutes=30)])
    await open_alert(alerting, opened, tenant, "rules", policy_id=policy, repeat=timedelta(hours=24))
    await receiver.wait_for(1)
    await time_env.sleep(timedelta(minutes=3, seconds=1))
    await receiver.wait_for(2)
    assert receiver.pages() == [("alice", "triggered"), ("alice-late", "triggered")]


async def test_snooze_escalate_reassign_and_notes(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    alice = await add_user(sessions, tenant, "alice", receiver.url)
    bob = await add_user(sessions, tenant, "bob", receiver.url)
    carol = await add_user(sessions, tenant, "carol", receiver.url)
    policy = await add_policy(sessions, tenant, [level(("user", alice), minutes=15), level(("user", bob), minutes=15)])
    wf_id = await open_alert(alerting, opened, tenant, "actions", policy_id=policy, repeat=timedelta(hours=24))
    await receiver.wait_for(1)
    row = await alert_row(sessions, tenant, "actions")
    assert row is not None

    try:
        await alerting.act(wf_id, "snooze", SnoozeRequest(alert_id=row.id, actor="alice", duration=timedelta(hours=1)))
        raise AssertionError("a triggered alert cannot be snoozed")
    except TransitionRejected as err:
        assert "acknowledge it first" in str(err)

    view = await alerting.act(wf_id, "escalate", EscalateRequest(alert_id=row.id, actor="alice"))
    await receiver.wait_for(2)
    assert receiver.pages()[-1] == ("bob", "escalated")
    try:
        await alerting.act(wf_id, "escalate", EscalateRequest(alert_id=row.id, actor="alice"))
        raise AssertionError("there is no level 3")
    except TransitionRejected as err:
        assert "last level (2)" in str(err)

    await settled(time_env, wf_id)
    await alerting.acknowledge(wf_id, AcknowledgeRequest(alert_id=row.id, actor="bob"))
    view = await alerting.act(
        wf_id, "snooze", SnoozeRequest(alert_id=row.id, actor="bob", duration=timedelta(minutes=20))
    )
    assert view.snoozed_until is not None
    await time_env.sleep(timedelta(minutes=19))
    assert len(receiver.received) == 2
    await time_env.sleep(timedelta(minutes=2))
    await receiver.wait_for(3)
    assert receiver.pages()[-1] == ("alice", "triggered")  # snooze over: from level 1 again

    view = await alerting.act(wf_id, "reassign", ReassignRequest(alert_id=row.id, actor="bob", user_id=carol))
    assert view.escalation is not None and view.escalation.policy.name == "carol (direct)"
    await receiver.wait_for(4)
    assert receiver.pages()[-1][0] == "carol"

    await alerting.act(wf_id, "add_note", NoteRequest(alert_id=row.id, actor="carol", text="rebooting db1"))
    entries = await timeline(sessions, row.id)
    by_kind = {e.kind: e for e in entries}
    assert by_kind["note"].actor == "carol" and by_kind["note"].message == "rebooting db1"
    assert by_kind["escalate_requested"].actor == "alice"
    assert by_kind["snoozed"].actor == "bob" and by_kind["reassigned"].actor == "bob"
    assert re.fullmatch(
        r"snoozed until \d{4}-\d\d-\d\dT[\d:.]+Z", by_kind["snoozed"].message
    )  # as the API writes times

    await settled(time_env, wf_id)
    await alerting.resolve(wf_id, ResolveRequest(alert_id=row.id, actor="carol"))
    try:
        await alerting.act(wf_id, "add_note", NoteRequest(alert_id=row.id, actor="carol", text="late"))
        raise AssertionError("a resolved alert takes no more actions")
    except (TransitionRejected, AlertNotFound):
        pass  # closing (409) or closed (the API answers 409 from the projection first)


async def test_manager_team_and_an_empty_schedule_slot(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    boss = await add_user(sessions, tenant, "boss", receiver.url)
    alice = await add_user(sessions, tenant, "alice", receiver.url, manager_id=boss)
    bob = await add_user(sessions, tenant, "bob", receiver.url)
    team = await add_team(sessions, tenant, "sre", [alice, bob])
    now = await time_env.get_current_time()
    # A rotation that starts tomorrow: nobody is on call now.
    empty = await add_schedule(
        sessions,
        tenant,
        {
            "time_zone": "UTC",
            "layers": [
                {
                    "name": "later",
                    "participants": [bob],
                    "shift_length": 1,
                    "shift_unit": "days",
                    "start": (now + timedelta(days=1)).replace(tzinfo=None).isoformat(),
                }
            ],
        },
    )
    policy = await add_policy(
        sessions,
        tenant,
        [
            level(("schedule", empty), minutes=10),
            level(("team", team), minutes=10),
            level(("manager", None), minutes=10),
        ],
    )
    wf_id = await open_alert(alerting, opened, tenant, "gaps", policy_id=policy, repeat=timedelta(hours=24))
    # Level 1 reached nobody: level 2 (the team) is paged at once.
    await receiver.wait_for(2)
    assert sorted(receiver.pages()) == [("alice", "escalated"), ("bob", "escalated")]
    await time_env.sleep(timedelta(minutes=10, seconds=1))
    await receiver.wait_for(3)
    assert receiver.pages()[-1] == ("boss", "escalated")  # alice's manager; bob has none
    view = await live_view(time_env, wf_id)
    assert view.escalation is not None
    first, _, third = view.escalation.pages
    assert first.gaps and "nobody on call" in first.gaps[0]
    assert any("bob has no manager" in gap for gap in third.gaps)
    entries = await timeline(sessions, view.alert_id)
    assert any(e.kind == "escalation_gap" and "level 1 reached nobody" in e.message for e in entries)


async def test_schedule_handoff_between_levels_pages_the_new_person(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    alice = await add_user(sessions, tenant, "alice", receiver.url)
    bob = await add_user(sessions, tenant, "bob", receiver.url)
    now = await time_env.get_current_time()
    handoff = (now + timedelta(minutes=10)).replace(tzinfo=None, microsecond=0)
    schedule = await add_schedule(
        sessions,
        tenant,
        {
            "time_zone": "UTC",
            "layers": [
                {
                    "name": "primary",
                    "participants": [alice, bob],
                    "shift_length": 1,
                    "shift_unit": "days",
                    "start": (handoff - timedelta(days=1)).isoformat(),
                }
            ],
        },
    )
    policy = await add_policy(
        sessions, tenant, [level(("schedule", schedule), minutes=30), level(("schedule", schedule), minutes=30)]
    )
    await open_alert(alerting, opened, tenant, "handoff", policy_id=policy, repeat=timedelta(hours=24))
    await receiver.wait_for(1)
    await time_env.sleep(timedelta(minutes=30, seconds=1))
    await receiver.wait_for(2)
    assert receiver.pages() == [("alice", "triggered"), ("bob", "escalated")]


async def test_worker_restart_mid_ladder_keeps_climbing(
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    alice = await add_user(sessions, tenant, "alice", receiver.url)
    bob = await add_user(sessions, tenant, "bob", receiver.url)
    policy = await add_policy(sessions, tenant, [level(("user", alice), minutes=5), level(("user", bob), minutes=5)])
    client = AlertingClient(
        time_env.client, task_queue=settings.temporal_task_queue, update_timeout=30, ingest_concurrency=8
    )
    # The first worker keeps no sticky cache: the time-skipping server never moves a task off a
    # dead worker's sticky queue (a real cluster does after its schedule-to-start timeout).
    first = settings.model_copy(update={"worker_max_cached_workflows": 0})
    async with build_worker(time_env.client, sessions, first) as worker, worker:
        wf_id = await open_alert(client, opened, tenant, "restart", policy_id=policy, repeat=timedelta(hours=24))
        await receiver.wait_for(1)
        await time_env.sleep(timedelta(minutes=1))  # lets the page's completion reach the workflow
    # Minutes pass with no worker (the time-skipping server cannot skip past a workflow task that
    # no worker takes, so the timer itself fires under the new worker, which rebuilt the ladder
    # from history alone).
    await time_env.sleep(timedelta(minutes=3))
    assert len(receiver.received) == 1
    async with build_worker(time_env.client, sessions, settings) as worker, worker:
        await time_env.sleep(timedelta(minutes=1, seconds=1))
        await receiver.wait_for(2)
        assert receiver.pages() == [("alice", "triggered"), ("bob", "escalated")]
        row = await alert_row(sessions, tenant, "restart")
        assert row is not None
        await client.resolve(wf_id, ResolveRequest(alert_id=row.id, actor="test"))


async def test_a_channel_both_default_and_level_target_hears_the_trigger_once(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    channel = await add_webhook(sessions, tenant, receiver.url)  # the tenant's default channel
    policy = await add_policy(
        sessions, tenant, [level(("channel", channel), minutes=5), level(("channel", channel), minutes=5)]
    )
    wf_id = await open_alert(alerting, opened, tenant, "both", policy_id=policy, repeat=timedelta(hours=24))
    await receiver.wait_for(1)
    await time_env.sleep(timedelta(minutes=4))
    assert receiver.events() == ["triggered"]  # once, though it is both default and level 1
    await time_env.sleep(timedelta(minutes=1, seconds=1))
    await receiver.wait_for(2)
    assert receiver.events() == ["triggered", "escalated"]
    view = await live_view(time_env, wf_id)
    assert [c.id for c in view.channels] == [channel]


async def test_out_of_the_box_an_empty_team_is_recorded_once_and_the_ladder_stops(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    """The seeded policies page the "Operations" team, empty on a fresh install. The first alert
    ran every level of every pass in one instant (17 timeline entries); now each empty level is
    recorded once, the default channel (which the alert already told) stands in, and a pass that
    reached nobody ends the ladder."""
    async with sessions.begin() as session:
        assert await seed_defaults(session, tenant)
        standard = await session.scalar(
            select(EscalationPolicy.id).where(EscalationPolicy.tenant_id == tenant, EscalationPolicy.name == STANDARD)
        )
    await add_webhook(sessions, tenant, receiver.url)
    wf_id = await open_alert(alerting, opened, tenant, "fresh", policy_id=standard, repeat=timedelta(hours=24))
    await receiver.wait_for(1)
    await time_env.sleep(timedelta(hours=3))  # longer than every level and pass of the policy
    view = await live_view(time_env, wf_id)
    assert view.escalation is not None and view.escalation.exhausted
    assert len(view.escalation.pages) == 2  # one pass over two levels, not two passes
    kinds = [entry.kind for entry in await timeline(sessions, view.alert_id)]
    assert kinds.count("escalation_gap") == 2 and kinds.count("escalation_exhausted") == 1
    assert "paged" not in kinds and "escalated" not in kinds
    assert receiver.events() == ["triggered"]  # the default channel heard the alert, once


async def test_an_empty_level_tells_the_default_channels_the_alert_did_not_name(
    alerting: AlertingClient,
    time_env: WorkflowEnvironment,
    sessions: async_sessionmaker[AsyncSession],
    tenant: str,
    receiver: WebhookReceiver,
    opened: set[str],
) -> None:
    named = await add_webhook(sessions, tenant, f"{receiver.url}/named", name="named", is_default=False)
    await add_webhook(sessions, tenant, f"{receiver.url}/fallback", name="fallback")
    team = await add_team(sessions, tenant, "empty", [])
    policy = await add_policy(sessions, tenant, [level(("team", team), minutes=5)], repeat=2)
    wf_id = await open_alert(
        alerting, opened, tenant, "named", policy_id=policy, channel_ids=[named], repeat=timedelta(hours=24)
    )
    await receiver.wait_for(2)
    assert sorted((hook.who, hook.json["event"]) for hook in receiver.received) == [
        ("fallback", "triggered"),
        ("named", "triggered"),
    ]
    view = await live_view(time_env, wf_id)
    await settled(time_env, wf_id)
    await alerting.resolve(wf_id, ResolveRequest(alert_id=view.alert_id, actor="t"))
    await receiver.wait_for(4)
    assert sorted(hook.who for hook in receiver.received[2:]) == ["fallback", "named"]  # both hear how it ended
    entries = await timeline(sessions, view.alert_id)
    [gap] = [e for e in entries if e.kind == "escalation_gap"]
    assert "level 1 reached nobody" in gap.message and "told the default channels instead: 'fallback'" in gap.message
