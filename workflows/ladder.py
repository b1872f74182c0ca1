"""The escalation ladder: how an alert is escalated, all in this module.

`Ladder` is AlertWorkflow's collaborator that climbs it (looks up each level's targets, pages
them through `Deliveries`, writes the timeline through `Projection`); the functions below it are
the ladder's plain state transitions, unit-tested without a workflow (tests/unit/test_ladder.py).

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

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows import activity_refs as refs
    from workflows.deliveries import Deliveries
    from workflows.projection import Projection

from workflows.payloads import (
    AlertState,
    AlertStatus,
    Escalation,
    LevelPage,
    NotifyEvent,
    PagedUser,
    PageRule,
    PolicyChoice,
    PolicySnapshot,
    ResolvedLevel,
    ResolveLevelInput,
    ScheduledPage,
    TimelineEntry,
)

# A level with nobody to page tells the tenant's default channels, is recorded once, and a pass
# that reached nobody ends the ladder (before: every level and repeat ran in the same instant).
EMPTY_LEVEL_PATCH = "empty-levels-fall-back-to-default-channels"


class Ladder:
    """Climbs one alert's escalation policy (its state is `state.view.escalation`)."""

    def __init__(self, tenant_id: str, state: AlertState, deliveries: Deliveries, projection: Projection) -> None:
        self._tenant_id = tenant_id
        self._state = state
        self._deliveries = deliveries
        self._projection = projection
        # A level ran in a workflow task that also ran local activities: its escalation timer must
        # be started from a fresh task (see AlertWorkflow._wait_for_work_or_deadline).
        self.rearm = False
        self._level_due_at: datetime | None = None  # the deadline of the level about to run (its lateness)

    async def climb(self) -> None:
        """Everything the ladder of a triggered alert needs now: due pages, the next level."""
        view = self._state.view
        assert view is not None
        escalation = view.escalation
        now = workflow.now()
        if escalation is None or view.status != AlertStatus.TRIGGERED:
            return
        for due in pop_due_pages(escalation, now):
            self._deliveries.page(view, due.user, due.rule, due.step, due.event)
        if escalation_due(escalation, now):
            deadline = escalation.next_escalation_at
            if advance(escalation):
                self._level_due_at = deadline
            else:
                passes = escalation.policy.repeat + 1
                self._projection.mark(
                    TimelineEntry(
                        kind="escalation_exhausted",
                        at=now,
                        actor="herald",
                        message=f"nobody acknowledged after {passes} pass(es) over the ladder",
                    )
                )
        while escalation.run_level is not None and view.status == AlertStatus.TRIGGERED:
            await self._run_level(escalation, escalation.run_level)
        await self._projection.flush()

    async def _run_level(self, escalation: Escalation, level: int) -> None:
        due = workflow.now()  # the level's moment (the lookup below takes a little time)
        due_at, self._level_due_at = self._level_due_at, None  # None: a level run by hand
        policy = escalation.policy  # a reassignment during the lookup replaces it
        previous = escalation.pages[-1].users if escalation.pages else []
        resolved = await refs.run_local(
            refs.ESCALATION_LEVEL,
            ResolveLevelInput(
                tenant_id=self._tenant_id,
                level=escalation.policy.levels[level],
                previous_user_ids=[user.id for user in previous],
                at=due,
                due_at=due_at,
            ),
            summary=f"resolve level {level + 1} targets",
        )
        view = self._state.view
        assert view is not None
        if escalation.run_level != level or escalation.policy is not policy or view.status != AlertStatus.TRIGGERED:
            return  # acknowledged, resolved, reassigned or redirected while we looked the targets up
        escalation.run_level = None
        now = due
        page = record_level(escalation, level, resolved, now)
        self.rearm = True
        event = page_event(escalation)
        if reached_nobody(resolved) and workflow.patched(EMPTY_LEVEL_PATCH):
            self._reached_nobody(escalation, page, resolved, event)
            return
        if workflow.patched(EMPTY_LEVEL_PATCH):
            escalation.pass_reached = True
        known = {channel.id for channel in view.channels}
        for channel in resolved.channels:
            if channel.id in known and event == NotifyEvent.TRIGGERED:
                continue  # it was just told the alert fired
            if channel.id not in known:
                view.channels.append(channel)  # so it hears the acknowledgement and resolution too
            self._deliveries.notify(view, channel, event, tag=f"s{escalation.step}")
        for user, rule in split_rules(escalation, resolved.users, now, event):
            self._deliveries.page(view, user, rule, escalation.step, event)
        levels = len(escalation.policy.levels)
        self._projection.mark(
            TimelineEntry(
                kind="escalated" if event == NotifyEvent.ESCALATED else "paged",
                at=now,
                actor="herald",
                message=describe(page, levels),
                details={"level": str(page.level), "pass": str(page.loop)},
            )
        )
        if reached_nobody(resolved):  # as histories before EMPTY_LEVEL_PATCH recorded it
            # An empty slot never swallows the alert: it falls to the next level at once.
            escalation.next_escalation_at = now
            message = f"level {page.level} reached nobody; escalating now"
            self._projection.mark(TimelineEntry(kind="escalation_gap", at=now, actor="herald", message=message))
            if not advance(escalation):
                self._projection.mark(
                    TimelineEntry(kind="escalation_exhausted", at=now, actor="herald", message="nobody to page")
                )

    def _reached_nobody(
        self, escalation: Escalation, page: LevelPage, resolved: ResolvedLevel, event: NotifyEvent
    ) -> None:
        """A level with nobody to page: the tenant's default channels are told instead (once), the
        emptiness is recorded once per level, and the next level runs at once — but a pass in which
        no level reached anybody ends the ladder rather than starting over in the same millisecond."""
        view = self._state.view
        assert view is not None
        now = page.at
        known = {channel.id for channel in view.channels}
        told = [channel for channel in resolved.fallback_channels if channel.id not in known]
        for channel in told:
            view.channels.append(channel)  # so it hears the acknowledgement and resolution too
            self._deliveries.notify(view, channel, event, tag=f"s{escalation.step}")
        if escalation.pass_reached is None:
            escalation.pass_reached = False
        if page.level not in escalation.empty_levels or told:
            if page.level not in escalation.empty_levels:
                escalation.empty_levels.append(page.level)
            message = f"level {page.level} reached nobody (pass {page.loop})"
            if page.gaps:
                message += ": " + "; ".join(page.gaps)
            if told:
                message += "; told the default channels instead: " + ", ".join(f"'{c.name}'" for c in told)
            self._projection.mark(TimelineEntry(kind="escalation_gap", at=now, actor="herald", message=message))
        escalation.next_escalation_at = now
        if advance(escalation):
            self._level_due_at = now  # the next level is due at once (its lateness metric)
        else:
            words = "no level reached anybody" if escalation.pass_reached is False else "nobody acknowledged"
            self._projection.mark(
                TimelineEntry(
                    kind="escalation_exhausted",
                    at=now,
                    actor="herald",
                    message=f"{words}; the ladder stops here (the alert's channels keep being re-notified)",
                )
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
    escalation.pass_reached = None


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
        if escalation.pass_reached is False:  # a whole pass reached nobody: starting over would too
            escalation.exhausted = True
            escalation.run_level = None
            return False
        escalation.pass_reached = None
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
