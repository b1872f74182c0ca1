"""The escalation ladder's state transitions (workflows/ladder.py), without a workflow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from workflows import ladder
from workflows.payloads import (
    EscalationLevel,
    EscalationTarget,
    NotifyEvent,
    PagedUser,
    PageRule,
    PolicyChoice,
    PolicySnapshot,
    ResolvedLevel,
)

T0 = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


def policy(levels: int = 2, repeat: int = 0, ack_timeout: timedelta | None = None) -> PolicySnapshot:
    return PolicySnapshot(
        id="p",
        name="P",
        levels=[
            EscalationLevel(targets=[EscalationTarget(type="user", id=f"u{i}")], delay=timedelta(minutes=5 * (i + 1)))
            for i in range(levels)
        ],
        repeat=repeat,
        ack_timeout=ack_timeout,
    )


def user(name: str, *delays: int) -> PagedUser:
    rules = [PageRule(contact_method_id=f"cm{d}", type="webhook", delay=timedelta(minutes=d)) for d in delays]
    return PagedUser(id=name, name=name, via="user", rules=rules)


def test_no_policy_means_no_ladder() -> None:
    assert ladder.begin(PolicyChoice(policy=None, reason="none")) is None


def test_passes_then_exhaustion() -> None:
    escalation = ladder.begin(PolicyChoice(policy=policy(levels=2, repeat=1), reason="r"))
    assert escalation is not None and escalation.run_level == 0
    visited = []
    now = T0
    while escalation.run_level is not None:
        level = escalation.run_level
        escalation.run_level = None
        page = ladder.record_level(escalation, level, ResolvedLevel(users=[user("a", 0)]), now)
        visited.append((page.level, page.loop))
        assert escalation.next_escalation_at == now + escalation.policy.levels[level].delay
        now = escalation.next_escalation_at
        assert not ladder.escalation_due(escalation, now - timedelta(seconds=1))
        assert ladder.escalation_due(escalation, now)
        if not ladder.advance(escalation):
            break
    assert visited == [(1, 1), (2, 1), (1, 2), (2, 2)]
    assert escalation.exhausted and escalation.next_escalation_at is None


def test_personal_rules_split_and_fall_due_in_order() -> None:
    escalation = ladder.begin(PolicyChoice(policy=policy(), reason="r"))
    assert escalation is not None
    immediate = ladder.split_rules(escalation, [user("a", 0, 5), user("b", 2)], T0, NotifyEvent.TRIGGERED)
    assert [(u.id, r.contact_method_id) for u, r in immediate] == [("a", "cm0")]
    assert ladder.deadlines(escalation, triggered=True) == [T0 + timedelta(minutes=5), T0 + timedelta(minutes=2)]
    assert [p.user.id for p in ladder.pop_due_pages(escalation, T0 + timedelta(minutes=2))] == ["b"]
    assert [p.user.id for p in ladder.pop_due_pages(escalation, T0 + timedelta(minutes=5))] == ["a"]
    assert escalation.scheduled == []


def test_acknowledgement_stops_everything_and_arms_the_timeout() -> None:
    escalation = ladder.begin(PolicyChoice(policy=policy(ack_timeout=timedelta(hours=1)), reason="r"))
    assert escalation is not None
    escalation.run_level = None
    ladder.record_level(escalation, 0, ResolvedLevel(users=[user("a", 0, 3)]), T0)
    ladder.split_rules(escalation, [user("a", 0, 3)], T0, NotifyEvent.TRIGGERED)
    ladder.acknowledged(escalation, T0 + timedelta(minutes=1))
    assert escalation.scheduled == [] and escalation.next_escalation_at is None
    assert ladder.deadlines(escalation, triggered=False) == [T0 + timedelta(minutes=61)]
    ladder.restart(escalation)
    assert escalation.run_level == 0 and escalation.ack_timeout_at is None and not escalation.exhausted


def test_jump_and_empty_levels() -> None:
    escalation = ladder.begin(PolicyChoice(policy=policy(levels=3), reason="r"))
    assert escalation is not None
    escalation.ack_timeout_at = T0
    ladder.jump(escalation, 2)
    assert escalation.run_level == 2 and escalation.ack_timeout_at is None
    assert ladder.reached_nobody(ResolvedLevel(users=[PagedUser(id="x", name="x", via="user")]))
    assert not ladder.reached_nobody(ResolvedLevel(users=[user("a", 0)]))
    page = ladder.record_level(escalation, 2, ResolvedLevel(gaps=["schedule 'S' has nobody on call"]), T0)
    assert ladder.describe(page, 3) == "level 3/3, pass 1: paged nobody; schedule 'S' has nobody on call"
    assert ladder.page_event(escalation) == NotifyEvent.ESCALATED
