"""The escalation side of AlertWorkflow: climbing the ladder, and the actions people take on it
(snooze, escalate, reassign, notes). Each action is a validated update that only changes state;
the workflow's loop pages."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows import activity_refs as refs
    from workflows import escalation as ladder
    from workflows.payloads import (
        AlertStatus,
        AlertView,
        ChoosePolicyInput,
        EscalateRequest,
        Escalation,
        NoteRequest,
        NotifyEvent,
        ReassignRequest,
        ResolveLevelInput,
        SnoozeRequest,
        TimelineEntry,
    )


from workflows.alert_base import AlertBase


class EscalatingAlert(AlertBase):
    async def _escalate(self) -> None:
        """Everything the ladder needs now: timeouts, due pages, the next level."""
        view = self._require_view()
        escalation = view.escalation
        now = workflow.now()
        if view.status == AlertStatus.ACKNOWLEDGED:
            if view.snoozed_until is not None and now >= view.snoozed_until:
                self._retrigger("herald", "snooze ended")
            elif escalation is not None and escalation.ack_timeout_at is not None and now >= escalation.ack_timeout_at:
                self._retrigger("herald", "acknowledgement timed out")
        if escalation is None or view.status != AlertStatus.TRIGGERED:
            return
        for due in ladder.pop_due_pages(escalation, now):
            self._deliveries.page(self._require_view(), due.user, due.rule, due.step, due.event)
        if ladder.escalation_due(escalation, now) and not ladder.advance(escalation):
            passes = escalation.policy.repeat + 1
            self._mark_dirty(
                TimelineEntry(
                    kind="escalation_exhausted",
                    at=now,
                    actor="herald",
                    message=f"nobody acknowledged after {passes} pass(es) over the ladder",
                )
            )
        while escalation.run_level is not None and view.status == AlertStatus.TRIGGERED:
            await self._run_level(escalation, escalation.run_level)
        await self._flush_projection()

    async def _run_level(self, escalation: Escalation, level: int) -> None:
        due = workflow.now()  # the level's moment (the lookup below takes a little time)
        policy = escalation.policy  # a reassignment during the lookup replaces it
        previous = escalation.pages[-1].users if escalation.pages else []
        resolved = await refs.run_local(
            refs.ESCALATION_LEVEL,
            ResolveLevelInput(
                tenant_id=self._tenant_id,
                level=escalation.policy.levels[level],
                previous_user_ids=[user.id for user in previous],
                at=due,
            ),
            summary=f"resolve level {level + 1} targets",
        )
        view = self._require_view()
        if escalation.run_level != level or escalation.policy is not policy or view.status != AlertStatus.TRIGGERED:
            return  # acknowledged, resolved, reassigned or redirected while we looked the targets up
        escalation.run_level = None
        now = due
        page = ladder.record_level(escalation, level, resolved, now)
        self._rearm = True
        event = ladder.page_event(escalation)
        known = {channel.id for channel in view.channels}
        for channel in resolved.channels:
            if channel.id in known and event == NotifyEvent.TRIGGERED:
                continue  # it was just told the alert fired
            if channel.id not in known:
                view.channels.append(channel)  # so it hears the acknowledgement and resolution too
            self._deliveries.notify(view, channel, event, tag=f"s{escalation.step}")
        for user, rule in ladder.split_rules(escalation, resolved.users, now, event):
            self._deliveries.page(self._require_view(), user, rule, escalation.step, event)
        levels = len(escalation.policy.levels)
        self._mark_dirty(
            TimelineEntry(
                kind="escalated" if event == NotifyEvent.ESCALATED else "paged",
                at=now,
                actor="herald",
                message=ladder.describe(page, levels),
                details={"level": str(page.level), "pass": str(page.loop)},
            )
        )
        if ladder.reached_nobody(resolved):
            # An empty slot never swallows the alert: it falls to the next level at once.
            escalation.next_escalation_at = now
            message = f"level {page.level} reached nobody; escalating now"
            self._mark_dirty(TimelineEntry(kind="escalation_gap", at=now, actor="herald", message=message))
            if not ladder.advance(escalation):
                self._mark_dirty(
                    TimelineEntry(kind="escalation_exhausted", at=now, actor="herald", message="nobody to page")
                )

    @workflow.update
    async def snooze(self, request: SnoozeRequest) -> AlertView:
        view = self._require_view()
        view.snoozed_until = workflow.now() + request.duration
        if view.escalation is not None:
            view.escalation.ack_timeout_at = None  # the snooze is the new deadline
        message = f"snoozed until {view.snoozed_until.isoformat()}"
        self._mark_dirty(TimelineEntry(kind="snoozed", at=workflow.now(), actor=request.actor, message=message))
        return await self._projected_view()

    @snooze.validator
    def _validate_snooze(self, request: SnoozeRequest) -> None:
        self._validate_open(request.alert_id, "snoozed")
        if self._require_view().status != AlertStatus.ACKNOWLEDGED:
            raise ValueError("only an acknowledged alert can be snoozed; acknowledge it first")
        if request.duration <= timedelta(0):
            raise ValueError("snooze duration must be positive")

    @workflow.update
    async def escalate(self, request: EscalateRequest) -> AlertView:
        view = self._require_view()
        escalation = view.escalation
        assert escalation is not None
        target = request.level - 1 if request.level is not None else escalation.level + 1
        if view.status == AlertStatus.ACKNOWLEDGED:
            self._reopen()
        ladder.jump(escalation, target)
        message = f"escalated to level {target + 1}"
        self._mark_dirty(
            TimelineEntry(kind="escalate_requested", at=workflow.now(), actor=request.actor, message=message)
        )
        return await self._projected_view()

    @escalate.validator
    def _validate_escalate(self, request: EscalateRequest) -> None:
        self._validate_open(request.alert_id, "escalated")
        escalation = self._require_view().escalation
        if escalation is None:
            raise ValueError("the alert has no escalation policy; reassign it to a user or a policy")
        levels = len(escalation.policy.levels)
        if request.level is not None and not 1 <= request.level <= levels:
            raise ValueError(f"level must be between 1 and {levels}")
        if request.level is None and escalation.level + 1 >= levels:
            raise ValueError(f"already at the last level ({levels}); name a level to go back to")

    @workflow.update
    async def reassign(self, request: ReassignRequest) -> AlertView:
        choice = await refs.run_local(
            refs.ESCALATION_POLICY,
            ChoosePolicyInput(tenant_id=self._tenant_id, policy_id=request.policy_id, user_id=request.user_id),
            summary="resolve reassignment",
        )
        view = self._require_view()
        if choice.policy is None:
            raise ApplicationError(f"cannot reassign: {choice.reason}", type="ReassignRejected", non_retryable=True)
        if view.status == AlertStatus.RESOLVED:
            raise ApplicationError("the alert was resolved meanwhile", type="ReassignRejected", non_retryable=True)
        if view.status == AlertStatus.ACKNOWLEDGED:
            self._reopen()
        if view.escalation is None:
            view.escalation = ladder.begin(choice)
        else:
            ladder.restart(view.escalation, choice.policy)
            view.escalation.reason = choice.reason
        message = f"reassigned to {choice.policy.name}"
        self._mark_dirty(TimelineEntry(kind="reassigned", at=workflow.now(), actor=request.actor, message=message))
        return await self._projected_view()

    @reassign.validator
    def _validate_reassign(self, request: ReassignRequest) -> None:
        self._validate_open(request.alert_id, "reassigned")
        if (request.user_id is None) == (request.policy_id is None):
            raise ValueError("reassign to exactly one of a user or a policy")

    @workflow.update
    async def add_note(self, request: NoteRequest) -> AlertView:
        self._mark_dirty(TimelineEntry(kind="note", at=workflow.now(), actor=request.actor, message=request.text))
        return await self._projected_view()

    @add_note.validator
    def _validate_note(self, request: NoteRequest) -> None:
        self._validate_open(request.alert_id, "annotated")
        if not request.text.strip():
            raise ValueError("a note needs text")
