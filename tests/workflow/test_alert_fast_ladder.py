"""The fast tier, escalation: AlertWorkflow's ladder over fake activities (tests/workflow/fakes.py)
on the time-skipping server. Levels, passes, acknowledgement timeout, snooze, empty levels."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest

from gateway.errors import TransitionRejected
from tests.support.opened import settled
from tests.workflow.fakes import FastAlerts, channel, person, policy
from workflows.payloads import AcknowledgeRequest, AlertStatus, ReassignRequest, SnoozeRequest


async def test_two_levels_escalate_after_the_delay_then_exhaust_after_repeat(fast: FastAlerts) -> None:
    fast.fakes.policy = policy("alice", "bob", minutes=5, repeat=1)
    fast.fakes.levels = {"alice": person("alice"), "bob": person("bob")}
    wf_id = await fast.fire("ladder", repeat=timedelta(hours=24))
    assert await fast.fakes.wait_for(1) == [("alice", "triggered")]

    await fast.env.sleep(timedelta(minutes=4, seconds=59))
    assert len(fast.fakes.delivered) == 1  # a second before the level is due: nobody else yet
    await fast.env.sleep(timedelta(seconds=2))
    assert (await fast.fakes.wait_for(2))[-1] == ("bob", "escalated")
    await fast.env.sleep(timedelta(minutes=5))  # second pass
    await fast.fakes.wait_for(3)
    await fast.env.sleep(timedelta(minutes=5))
    await fast.fakes.wait_for(4)
    await fast.env.sleep(timedelta(hours=2))
    assert fast.fakes.deliveries() == [
        ("alice", "triggered"),
        ("bob", "escalated"),
        ("alice", "escalated"),
        ("bob", "escalated"),
    ]  # repeat=1: two passes, then the ladder is exhausted
    assert len({sent.idempotency_key for sent in fast.fakes.delivered}) == 4

    escalation = (await fast.view(wf_id)).escalation
    assert escalation is not None and escalation.exhausted and escalation.next_escalation_at is None
    assert [(page.level, page.loop) for page in escalation.pages] == [(1, 1), (2, 1), (1, 2), (2, 2)]
    gaps = [(later.at - page.at).total_seconds() for page, later in pairwise(escalation.pages)]
    assert [round(gap) for gap in gaps] == [300, 300, 300]
    kinds = fast.fakes.kinds()
    assert kinds.count("paged") == 1 and kinds.count("escalated") == 3 and "escalation_exhausted" in kinds


async def test_acknowledgement_timeout_retriggers_from_level_one(fast: FastAlerts) -> None:
    fast.fakes.channels = [channel("ops")]
    fast.fakes.policy = policy("alice", "bob", minutes=10, ack_timeout=timedelta(minutes=30))
    fast.fakes.levels = {"alice": person("alice"), "bob": person("bob")}
    wf_id = await fast.fire("ack", repeat=timedelta(hours=24))
    await fast.fakes.wait_for(2)
    await fast.env.sleep(timedelta(minutes=2))
    await settled(fast.env, wf_id)
    alert_id = (await fast.view(wf_id)).alert_id
    view = await fast.alerting.acknowledge(wf_id, AcknowledgeRequest(alert_id=alert_id, actor="alice"))
    assert view.escalation is not None and view.escalation.ack_timeout_at is not None
    assert view.escalation.reason == "explicit"

    await fast.env.sleep(timedelta(minutes=29))
    assert fast.fakes.to("bob") == []  # acknowledged: the ladder stopped at level 1
    await fast.env.sleep(timedelta(minutes=2))  # 31 minutes after the acknowledgement
    await fast.fakes.wait_for(5)
    assert fast.fakes.to("alice") == ["triggered", "triggered"]  # level 1 again
    assert fast.fakes.to("ops") == ["triggered", "acknowledged", "renotified"]
    view = await fast.view(wf_id)
    assert view.status == AlertStatus.TRIGGERED and view.acknowledged_by is None
    assert view.escalation is not None and view.escalation.level == 0
    assert "retriggered" in fast.fakes.kinds()


async def test_snooze_needs_an_acknowledgement_and_retriggers_when_it_ends(fast: FastAlerts) -> None:
    fast.fakes.policy = policy("alice", "bob", minutes=15)
    fast.fakes.levels = {"alice": person("alice"), "bob": person("bob")}
    wf_id = await fast.fire("snooze", repeat=timedelta(hours=24))
    await fast.fakes.wait_for(1)
    await settled(fast.env, wf_id)
    alert_id = (await fast.view(wf_id)).alert_id
    twenty = SnoozeRequest(alert_id=alert_id, actor="bob", duration=timedelta(minutes=20))
    with pytest.raises(TransitionRejected, match="acknowledge it first"):
        await fast.alerting.act(wf_id, "snooze", twenty)

    await fast.alerting.acknowledge(wf_id, AcknowledgeRequest(alert_id=alert_id, actor="bob"))
    view = await fast.alerting.act(wf_id, "snooze", twenty)
    assert view.snoozed_until is not None
    await fast.env.sleep(timedelta(minutes=19))
    assert fast.fakes.deliveries() == [("alice", "triggered")]  # nor bob's level while snoozed
    await fast.env.sleep(timedelta(minutes=2))
    assert (await fast.fakes.wait_for(2))[-1] == ("alice", "triggered")  # snooze over: level 1 again
    view = await fast.view(wf_id)
    assert view.status == AlertStatus.TRIGGERED and view.snoozed_until is None
    kinds = fast.fakes.kinds()
    assert kinds.index("acknowledged") < kinds.index("snoozed") < kinds.index("retriggered")


async def test_a_level_that_reaches_nobody_falls_through_at_once(fast: FastAlerts) -> None:
    fast.fakes.policy = policy("empty-schedule", "alice", minutes=10)
    fast.fakes.levels = {"alice": person("alice")}
    wf_id = await fast.fire("gap", repeat=timedelta(hours=24))
    assert await fast.fakes.wait_for(1) == [("alice", "escalated")]
    view = await fast.view(wf_id)
    assert view.escalation is not None
    first, second = view.escalation.pages
    assert first.gaps == ["empty-schedule: nobody on call"]
    assert second.at - first.at < timedelta(seconds=1)  # not after the level's 10 minutes
    assert [lookup.level.targets[0].id for lookup in fast.fakes.lookups] == ["empty-schedule", "alice"]
    assert "escalation_gap" in fast.fakes.kinds()


async def test_an_empty_level_is_recorded_once_across_passes(fast: FastAlerts) -> None:
    fast.fakes.policy = policy("empty-schedule", "alice", minutes=10, repeat=2)
    fast.fakes.levels = {"alice": person("alice")}
    fast.fakes.fallback = [channel("ops")]
    wf_id = await fast.fire("gap-passes", repeat=timedelta(hours=24))
    assert sorted(await fast.fakes.wait_for(2)) == [("alice", "escalated"), ("ops", "triggered")]
    await fast.env.sleep(timedelta(minutes=21))  # two more passes: each skips the empty level at once
    await fast.fakes.wait_for(4)
    assert fast.fakes.to("alice") == ["escalated"] * 3 and fast.fakes.to("ops") == ["triggered"]
    assert fast.fakes.kinds().count("escalation_gap") == 1
    view = await fast.view(wf_id)
    assert view.escalation is not None and len(view.escalation.pages) == 6


async def test_a_pass_that_reaches_nobody_ends_the_ladder(fast: FastAlerts) -> None:
    fast.fakes.policy = policy("empty-a", "empty-b", minutes=5, repeat=3)
    fast.fakes.fallback = [channel("ops")]
    wf_id = await fast.fire("all-empty", repeat=timedelta(hours=24))
    assert await fast.fakes.wait_for(1) == [("ops", "triggered")]
    await fast.env.sleep(timedelta(hours=1))
    view = await fast.view(wf_id)
    assert view.escalation is not None and view.escalation.exhausted
    assert [lookup.level.targets[0].id for lookup in fast.fakes.lookups] == ["empty-a", "empty-b"]
    kinds = fast.fakes.kinds()
    assert kinds.count("escalation_gap") == 2 and kinds.count("escalation_exhausted") == 1 and "paged" not in kinds
    assert fast.fakes.to("ops") == ["triggered"]  # told once, by the first empty level


async def test_reassign_pages_the_new_person_from_their_first_level(fast: FastAlerts) -> None:
    fast.fakes.policy = policy("alice", minutes=30)
    fast.fakes.levels = {"alice": person("alice"), "carol": person("carol")}
    wf_id = await fast.fire("reassign", repeat=timedelta(hours=24))
    await fast.fakes.wait_for(1)
    await settled(fast.env, wf_id)
    alert_id = (await fast.view(wf_id)).alert_id
    view = await fast.alerting.act(wf_id, "reassign", ReassignRequest(alert_id=alert_id, actor="bob", user_id="carol"))
    assert view.escalation is not None and view.escalation.policy.name == "carol (direct)"
    assert [choice.user_id for choice in fast.fakes.choices] == ["carol"]
    assert (await fast.fakes.wait_for(2))[-1] == ("carol", "triggered")
    assert "reassigned" in fast.fakes.kinds()


async def level_gap(fast: FastAlerts, wf_id: str) -> float:
    """Seconds from level 1's page to level 2's, as the alert's escalation state records them."""
    escalation = (await fast.view(wf_id)).escalation
    assert escalation is not None and [page.level for page in escalation.pages] == [1, 2]
    first, second = escalation.pages
    return (second.at - first.at).total_seconds()


async def test_a_slow_level_lookup_does_not_make_the_next_level_late(fast: FastAlerts) -> None:
    # A timer starts when the task that set it completes, and this level's task ran a 2-second lookup: level 2
    # must still fall due 5 minutes after level 1 (the escalation timer is started from a fresh task).
    fast.fakes.policy = policy("alice", "bob", minutes=5)
    fast.fakes.levels = {"alice": person("alice"), "bob": person("bob")}
    fast.fakes.lookup_seconds = 2.0
    wf_id = await fast.fire("slow-lookup", repeat=timedelta(hours=24))
    await fast.fakes.wait_for(1)
    await settled(fast.env, wf_id)
    await fast.env.sleep(timedelta(minutes=5, seconds=10))
    assert (await fast.fakes.wait_for(2, within=20))[-1] == ("bob", "escalated")
    assert 300 <= await level_gap(fast, wf_id) < 301  # late by the lookup would be 302


async def test_a_receiver_that_stays_down_does_not_hold_the_ladder(fast: FastAlerts) -> None:
    # Level 1's page keeps failing and is retried meanwhile; level 2 runs on time regardless.
    fast.fakes.policy = policy("alice", "bob", minutes=5)
    fast.fakes.levels = {"alice": person("alice"), "bob": person("bob")}
    fast.fakes.lookup_seconds = 2.0
    fast.fakes.failing = {"alice"}
    wf_id = await fast.fire("receiver-down", repeat=timedelta(hours=24))
    await fast.env.sleep(timedelta(minutes=5, seconds=10))
    assert (await fast.fakes.wait_for(1, within=20)) == [("bob", "escalated")]
    assert 300 <= await level_gap(fast, wf_id) < 301  # late by the lookup would be 302
    fast.fakes.failing.clear()
    await fast.env.sleep(timedelta(minutes=6))  # the next retry reaches alice
    assert fast.fakes.to("alice") == ["triggered"]
