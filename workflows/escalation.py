"""The escalation ladder as plain state transitions (deterministic; the workflow does the I/O).

An alert with a policy climbs it level by level: each level pages its targets, then waits
`delay` for an acknowledgement before the next one; after the last level the ladder starts
over `repeat` more times, then it is exhausted (the alert stays triggered and keeps
re-notifying its channels). Acknowledgement stops the climb and, with an acknowledgement
timeout, arms a deadline after which the alert re-triggers from the first level.

Every function takes `now` (workflow time) so the same code is unit-testable without a
workflow.
"""

from __future__ import annotations

from datetime import datetime

from workflows.payloads import (
    Escalation,
    LevelPage,
    NotifyEvent,
    PagedUser,
    PageRule,
    PolicyChoice,
    PolicySnapshot,
    ResolvedLevel,
    ScheduledPage,
)


def begin(choice: PolicyChoice) -> Escalation | None:
    if choice.policy is None:
        return None
    return Escalation(policy=choice.policy, reason=choice.reason, run_level=0)


def restart(escalation: Escalation, policy: PolicySnapshot | None = None) -> None:
    """From the first level again (re-trigger, reassignment); pages not yet sent are dropped."""
    if policy is not None:
        escalation.policy = policy
    escalation.level = 0
    escalation.loop = 0
    escalation.run_level = 0
    escalation.exhausted = False
    escalation.next_escalation_at = None
    escalation.ack_timeout_at = None
    escalation.scheduled = []


def stop(escalation: Escalation) -> None:
    """Acknowledged or resolved: nothing more climbs or pages."""
    escalation.run_level = None
    escalation.next_escalation_at = None
    escalation.scheduled = []


def acknowledged(escalation: Escalation, now: datetime) -> None:
    stop(escalation)
    timeout = escalation.policy.ack_timeout
    escalation.ack_timeout_at = now + timeout if timeout else None


def escalation_due(escalation: Escalation, now: datetime) -> bool:
    due = escalation.next_escalation_at
    return escalation.run_level is None and due is not None and now >= due


def advance(escalation: Escalation) -> bool:
    """Move to the next level (or pass); False when the ladder is exhausted."""
    escalation.next_escalation_at = None
    level = escalation.level + 1
    loop = escalation.loop
    if level >= len(escalation.policy.levels):
        level, loop = 0, loop + 1
    if loop > escalation.policy.repeat:
        escalation.exhausted = True
        escalation.run_level = None
        return False
    escalation.loop = loop
    escalation.run_level = level
    return True


def jump(escalation: Escalation, level: int) -> None:
    """Run `level` (0-based) now, on behalf of a person."""
    escalation.exhausted = False
    escalation.next_escalation_at = None
    escalation.ack_timeout_at = None
    escalation.run_level = level


def record_level(escalation: Escalation, level: int, resolved: ResolvedLevel, now: datetime) -> LevelPage:
    """The level ran: remember who it paged and arm the wait for the next one."""
    escalation.level = level
    escalation.step += 1
    escalation.next_escalation_at = now + escalation.policy.levels[level].delay
    page = LevelPage(
        level=level + 1,
        loop=escalation.loop + 1,
        at=now,
        users=resolved.users,
        channels=resolved.channels,
        gaps=resolved.gaps,
    )
    escalation.pages.append(page)
    return page


def reached_nobody(resolved: ResolvedLevel) -> bool:
    return not resolved.channels and not any(user.rules for user in resolved.users)


def page_event(escalation: Escalation) -> NotifyEvent:
    first = escalation.level == 0 and escalation.loop == 0
    return NotifyEvent.TRIGGERED if first else NotifyEvent.ESCALATED


def split_rules(
    escalation: Escalation, users: list[PagedUser], now: datetime, event: NotifyEvent
) -> list[tuple[PagedUser, PageRule]]:
    """Personal notification rules: those due at once are returned; later ones are scheduled."""
    immediate: list[tuple[PagedUser, PageRule]] = []
    for user in users:
        for rule in user.rules:
            if rule.delay.total_seconds() <= 0:
                immediate.append((user, rule))
            else:
                escalation.scheduled.append(
                    ScheduledPage(due_at=now + rule.delay, step=escalation.step, user=user, rule=rule, event=event)
                )
    return immediate


def pop_due_pages(escalation: Escalation, now: datetime) -> list[ScheduledPage]:
    due = [page for page in escalation.scheduled if page.due_at <= now]
    escalation.scheduled = [page for page in escalation.scheduled if page.due_at > now]
    return due


def deadlines(escalation: Escalation, *, triggered: bool) -> list[datetime]:
    """The instants at which the ladder needs the workflow awake."""
    if triggered:
        found = [page.due_at for page in escalation.scheduled]
        if escalation.next_escalation_at is not None:
            found.append(escalation.next_escalation_at)
        return found
    return [escalation.ack_timeout_at] if escalation.ack_timeout_at is not None else []


def describe(page: LevelPage, levels: int) -> str:
    """One timeline line: who a level paged, and what it could not reach."""
    parts = [f"{user.name} ({user.via})" for user in page.users]
    parts += [f"channel '{channel.name}'" for channel in page.channels]
    text = f"level {page.level}/{levels}, pass {page.loop}: paged " + (", ".join(parts) if parts else "nobody")
    if page.gaps:
        text += "; " + "; ".join(page.gaps)
    return text
