"""AlertWorkflow: one open incident per group key, from first event to resolution.

Workflow id `alert/<tenant>/<key>`: Temporal's id uniqueness is Herald's deduplication.
The first `fire` (signal-with-start from ingest, or update-with-start from the API)
opens the alert; later fires raise its event count and never restart its timers.

The loop owns one deadline, `next_notification_at`: while the alert is triggered it
re-notifies every `repeat_interval`. Handlers only change state and wake the loop;
the loop does the work (projection writes, notifications), so nothing is done twice and
a noisy alert still renotifies on time.

Notifications run as background activities, serialised per channel, so a channel that is
retrying never blocks acknowledgement. Resolution cancels pending fire notifications and
sends "resolved" to every channel that accepted a fire notification.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows import activity_refs as refs
    from workflows import escalation as ladder
    from workflows.payloads import (
        AcknowledgeRequest,
        AlertStart,
        AlertStatus,
        AlertView,
        CarriedState,
        EditRequest,
        FireEvent,
        NotifyEvent,
        OpenAlertInput,
        ResolveRequest,
        TimelineEntry,
    )


from workflows.alert_base import (  # re-exported: the client and tests import them from here
    CATEGORY,
    CLOSING_MESSAGE,
    ESCALATION_PATCH,
    FIRST_EVENT_TIMEOUT,
    LEVEL,
    REARM,
    RULE,
    SEVERITY,
    STATUS,
    TENANT,
    search_attributes,
)
from workflows.escalating import EscalatingAlert

__all__ = [
    "CATEGORY",
    "CLOSING_MESSAGE",
    "LEVEL",
    "RULE",
    "SEVERITY",
    "STATUS",
    "TENANT",
    "AlertWorkflow",
    "search_attributes",
]


@workflow.defn(name="AlertWorkflow")
class AlertWorkflow(EscalatingAlert):
    @workflow.init
    def __init__(self, start: AlertStart) -> None:
        super().__init__(start)

    # ------------------------------------------------------------------ main loop

    @workflow.run
    async def run(self, start: AlertStart) -> AlertView | None:
        if self._view is None or self._reopen_with is not None:
            first = self._reopen_with
            if first is None:
                try:
                    await workflow.wait_condition(lambda: self._pending_first is not None, timeout=FIRST_EVENT_TIMEOUT)
                except TimeoutError:
                    # Started, but the first event never arrived (its caller gave up): nothing to alert.
                    return None
                first = self._pending_first
            assert first is not None
            await self._open(first)
        view = self._require_view()

        while view.status != AlertStatus.RESOLVED:
            await self._wait_for_work_or_deadline()
            await self._flush_projection()
            await self._escalate()
            if view.status == AlertStatus.TRIGGERED and self._due():
                self._renotify()
                await self._flush_projection()
            if not self._resolved() and self._should_continue_as_new() and not self._busy():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self._has_work() and not self._busy():
                    workflow.continue_as_new(
                        AlertStart(tenant_id=self._tenant_id, key=self._key, carried=self._carry())
                    )

        await self._finish_resolution()
        if self._reopen_with is not None:
            # A trigger arrived while we were resolving: it opens a new incident (new id).
            await workflow.wait_condition(workflow.all_handlers_finished)
            workflow.continue_as_new(
                AlertStart(
                    tenant_id=self._tenant_id,
                    key=self._key,
                    carried=CarriedState(
                        view=view,
                        options=self._options,
                        reopen_with=self._reopen_with,
                        reopen_extra_events=self._early_events,
                    ),
                )
            )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return view

    async def _open(self, first: FireEvent) -> None:
        assert first.content is not None
        info = workflow.info()
        self._options = first.options
        self._deliveries.options = first.options
        self._deliveries.notified.clear()
        self._seq = 0
        self._pending_entries = []
        self._view = AlertView(
            alert_id=info.run_id,
            workflow_id=info.workflow_id,
            tenant_id=self._tenant_id,
            key=self._key,
            status=AlertStatus.TRIGGERED,
            content=first.content,
            event_count=1 + self._early_events,
            first_seen=first.received_at,
            last_seen=first.received_at,
            next_notification_at=workflow.now() + self._options.repeat_interval,
            version=1,
        )
        self._reopen_with = None
        self._events_this_run += 1 + self._early_events
        self._early_events = 0
        entry = TimelineEntry(kind="triggered", at=first.received_at, actor=first.actor, message=first.content.title)
        request = OpenAlertInput(
            view=self._view, channel_ids=self._options.channel_ids, entry=entry, policy_id=self._options.policy_id
        )
        if workflow.patched(ESCALATION_PATCH):
            # One local activity projects the alert, resolves its channels and chooses its policy.
            opened = await refs.run_local(
                refs.ALERT_OPEN_ESCALATING,
                request,
                summary="project new alert, resolve channels, choose escalation policy",
            )
            channels = opened.channels
            self._view.escalation = ladder.begin(opened.policy)
            self._seq = 2  # the activity wrote the trigger and the policy choice
        else:
            channels = await refs.run_local(refs.ALERT_OPEN, request, summary="project new alert, resolve channels")
            self._seq = 1
        self._view.channels = channels
        self._projected_version = self._view.version
        self._upsert_search_attributes()
        workflow.set_current_details(self._details())
        for channel in channels:
            self._deliveries.notify(self._require_view(), channel, NotifyEvent.TRIGGERED)
        self._opened = True
        if self._early_resolve is not None:
            self._resolve(self._early_resolve.actor, "resolved by its source")
            self._early_resolve = None

    async def _wait_for_work_or_deadline(self) -> None:
        if self._has_work():
            return
        if self._rearm:
            # The escalation deadline was set in a workflow task that also ran local activities.
            # A timer starts when its task completes, so it would fire late by that task's whole
            # duration (seconds under load). A 1 ms timer ends this task; the real one is then
            # started from a fresh task that completes in milliseconds.
            self._rearm = False
            await workflow.sleep(REARM, summary="start the escalation timer from a fresh task")
            if self._has_work():
                return
        timeout: timedelta | None = None
        deadline = self._next_deadline()
        if deadline is not None:
            timeout = deadline - workflow.now()
            if timeout <= timedelta(0):
                return
        try:
            await workflow.wait_condition(
                lambda: self._has_work() or (self._should_continue_as_new() and not self._busy()),
                timeout=timeout,
            )
        except TimeoutError:
            pass

    def _next_deadline(self) -> datetime | None:
        view = self._require_view()
        triggered = view.status == AlertStatus.TRIGGERED
        found: list[datetime] = []
        if triggered and view.next_notification_at is not None:
            found.append(view.next_notification_at)
        if view.status == AlertStatus.ACKNOWLEDGED and view.snoozed_until is not None:
            found.append(view.snoozed_until)
        if view.escalation is not None:
            found += ladder.deadlines(view.escalation, triggered=triggered)
        return min(found) if found else None

    def _has_work(self) -> bool:
        view = self._require_view()
        level_waiting = (
            view.escalation is not None
            and view.escalation.run_level is not None
            and view.status == AlertStatus.TRIGGERED
        )
        return self._dirty or self._resolved() or level_waiting

    def _resolved(self) -> bool:
        return self._require_view().status == AlertStatus.RESOLVED

    def _busy(self) -> bool:
        return self._deliveries.busy()

    def _due(self) -> bool:
        view = self._require_view()
        return view.next_notification_at is not None and workflow.now() >= view.next_notification_at

    def _should_continue_as_new(self) -> bool:
        limit = self._options.max_events_per_run
        return workflow.info().is_continue_as_new_suggested() or (0 < limit <= self._events_this_run)

    def _renotify(self) -> None:
        view = self._require_view()
        view.notify_cycle += 1
        assert view.next_notification_at is not None
        # Advance from the deadline, not from now, so a late timer does not drift the cadence;
        # skip whole missed periods (a worker that was down for hours sends one renotify).
        next_at = view.next_notification_at + self._options.repeat_interval
        while next_at <= workflow.now():
            next_at += self._options.repeat_interval
        view.next_notification_at = next_at
        self._mark_dirty()
        for channel in view.channels:
            self._deliveries.notify(self._require_view(), channel, NotifyEvent.RENOTIFIED)

    async def _finish_resolution(self) -> None:
        in_flight = self._end_firing()
        await self._flush_projection()
        await self._deliveries.drain()
        self._deliveries.tell_notified(self._require_view(), NotifyEvent.RESOLVED, also=in_flight)
        await self._deliveries.drain()
        await self._flush_projection()

    # ------------------------------------------------------------------ handlers

    @workflow.signal(name="fire")
    def fire(self, event: FireEvent) -> None:
        self._accept(event)

    @workflow.update(name="fire")
    async def fire_and_wait(self, event: FireEvent) -> AlertView:
        self._accept(event)
        await workflow.wait_condition(lambda: self._opened)
        return await self._projected_view()

    @fire_and_wait.validator
    def _validate_fire(self, event: FireEvent) -> None:
        if event.action != "trigger" or event.content is None:
            raise ValueError("the fire update only triggers, with content")
        if self._view is not None and self._view.status == AlertStatus.RESOLVED:
            # This run is sending its resolution notices; the caller retries and opens a new alert.
            raise ValueError(CLOSING_MESSAGE)

    def _accept(self, event: FireEvent) -> None:
        view = self._view
        if event.action == "resolve":
            if view is None and self._pending_first is not None:
                self._early_resolve = event  # applied right after the open
            elif view is not None and view.status != AlertStatus.RESOLVED:
                self._resolve(event.actor, "resolved by its source")
            return  # a resolve for an alert that is not open is a no-op
        if event.content is None:
            return
        if view is None:
            if self._pending_first is None:
                self._pending_first = event
            else:
                self._early_events += 1
            return
        if view.status == AlertStatus.RESOLVED:
            # This incident is over: the trigger opens the next one (carried across continue-as-new).
            if self._reopen_with is None:
                self._reopen_with = event
            else:
                self._early_events += 1
            return
        self._count_refire(event)

    def _count_refire(self, event: FireEvent) -> None:
        self._events_this_run += 1
        view = self._require_view()
        view.event_count += 1
        if event.received_at > view.last_seen:
            view.last_seen = event.received_at
        self._mark_dirty()

    @workflow.update
    async def acknowledge(self, request: AcknowledgeRequest) -> AlertView:
        self._acknowledge(request.actor, request.note or "")
        return await self._projected_view()

    def _acknowledge(self, actor: str, note: str) -> None:
        view = self._require_view()
        if view.status == AlertStatus.TRIGGERED:
            view.status = AlertStatus.ACKNOWLEDGED
            view.acknowledged_at = workflow.now()
            view.acknowledged_by = actor
            view.next_notification_at = None
            if view.escalation is not None:
                ladder.acknowledged(view.escalation, workflow.now())
            self._mark_dirty(TimelineEntry(kind="acknowledged", at=workflow.now(), actor=actor, message=note))
            in_flight = self._end_firing()
            self._deliveries.tell_notified(self._require_view(), NotifyEvent.ACKNOWLEDGED, also=in_flight)

    # Signals for chat buttons (Slack): accepted in milliseconds, no worker needed to answer.
    # Clicks on an older alert's message (same key, alert since reopened), on an alert that
    # is still opening, or repeated clicks change nothing.
    @workflow.signal(name="acknowledge_signal")
    def acknowledge_signal(self, request: AcknowledgeRequest) -> None:
        if self._view is not None and self._view.alert_id == request.alert_id:
            self._acknowledge(request.actor, request.note or "")

    @workflow.signal(name="resolve_signal")
    def resolve_signal(self, request: ResolveRequest) -> None:
        if self._view is not None and self._view.alert_id == request.alert_id:
            self._resolve(request.actor, request.note or "")

    @acknowledge.validator
    def _validate_acknowledge(self, request: AcknowledgeRequest) -> None:
        self._validate_open(request.alert_id, "acknowledged")

    @workflow.update
    async def resolve(self, request: ResolveRequest) -> AlertView:
        self._resolve(request.actor, request.note or "")
        return await self._projected_view()

    @resolve.validator
    def _validate_resolve(self, request: ResolveRequest) -> None:
        self._validate_open(request.alert_id, "resolved")

    @workflow.update
    async def edit(self, request: EditRequest) -> AlertView:
        content = self._require_view().content
        wanted = request.model_dump(include={"title", "description", "severity", "annotations"}, exclude_none=True)
        changed = [name for name, value in wanted.items() if getattr(content, name) != value]
        for name in changed:
            setattr(content, name, wanted[name])
        if changed:
            self._mark_dirty(
                TimelineEntry(
                    kind="edited", at=workflow.now(), actor=request.actor, message="changed " + ", ".join(changed)
                )
            )
        return await self._projected_view()

    @edit.validator
    def _validate_edit(self, request: EditRequest) -> None:
        self._validate_open(request.alert_id, "edited")

    @workflow.query
    def view(self) -> AlertView | None:
        return self._view

    def _resolve(self, actor: str, note: str) -> None:
        view = self._require_view()
        if view.status == AlertStatus.RESOLVED:
            return
        view.status = AlertStatus.RESOLVED
        view.resolved_at = workflow.now()
        view.resolved_by = actor
        view.next_notification_at = None
        view.snoozed_until = None
        if view.escalation is not None:
            ladder.stop(view.escalation)
            view.escalation.ack_timeout_at = None
        self._mark_dirty(TimelineEntry(kind="resolved", at=workflow.now(), actor=actor, message=note))
