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
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributePair
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows import escalation as ladder
    from workflows.deliveries import LOCAL_RETRY, LOCAL_TIMEOUT, Deliveries
    from workflows.payloads import (
        AcknowledgeRequest,
        AlertContent,
        AlertOptions,
        AlertStart,
        AlertStatus,
        AlertView,
        CarriedState,
        ChannelRef,
        ChoosePolicyInput,
        EditRequest,
        EscalateRequest,
        Escalation,
        FireEvent,
        NoteRequest,
        NotifyEvent,
        OpenAlertInput,
        OpenedAlert,
        PolicyChoice,
        ReassignRequest,
        RecordInput,
        ResolvedLevel,
        ResolveLevelInput,
        ResolveRequest,
        SnoozeRequest,
        TimelineEntry,
    )

TENANT = SearchAttributeKey.for_keyword("HeraldTenant")
STATUS = SearchAttributeKey.for_keyword("HeraldStatus")
SEVERITY = SearchAttributeKey.for_keyword("HeraldSeverity")
CATEGORY = SearchAttributeKey.for_keyword("HeraldCategory")
LEVEL = SearchAttributeKey.for_int("HeraldLevel")

# Histories recorded before escalation policies existed replay without choosing one.
ESCALATION_PATCH = "escalation-policies"

FIRST_EVENT_TIMEOUT = timedelta(minutes=10)
REARM = timedelta(milliseconds=1)
CLOSING_MESSAGE = "alert is closing after resolution; retry to open a new one"


def search_attributes(
    tenant_id: str, content: AlertContent, status: AlertStatus, escalation: Escalation | None = None
) -> list[SearchAttributePair[Any]]:
    """The alert's searchable facets in the Temporal UI (also used by the client at start)."""
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(TENANT, tenant_id),
        SearchAttributePair(STATUS, status.value),
        SearchAttributePair(SEVERITY, content.severity.value),
        SearchAttributePair(CATEGORY, content.category.value),
    ]
    if escalation is not None:
        pairs.append(SearchAttributePair(LEVEL, escalation.level + 1))
    return pairs


@workflow.defn(name="AlertWorkflow")
class AlertWorkflow:
    @workflow.init
    def __init__(self, start: AlertStart) -> None:
        self._tenant_id = start.tenant_id
        self._key = start.key
        self._view: AlertView | None = None
        self._options = AlertOptions()
        self._seq = 0  # timeline sequence, unique per alert across runs
        self._projected_version = -1
        self._reopen_with: FireEvent | None = None
        self._pending_first: FireEvent | None = None
        self._rearm = False  # see _wait_for_work_or_deadline
        self._opened = start.carried is not None and start.carried.reopen_with is None  # policy chosen too
        self._early_events = 0  # fires that arrived before the open finished
        self._early_resolve: FireEvent | None = None
        self._pending_entries: list[TimelineEntry] = []
        self._dirty = False
        self._events_this_run = 0
        self._deliveries = Deliveries(start.tenant_id, [])
        if start.carried is not None:
            carried = start.carried
            self._view = carried.view
            self._options = carried.options
            self._deliveries = Deliveries(start.tenant_id, list(carried.notified_channel_ids))
            self._deliveries.options = carried.options
            self._seq = carried.next_seq
            self._projected_version = carried.view.version
            self._reopen_with = carried.reopen_with
            self._early_events = carried.reopen_extra_events

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
            opened: OpenedAlert = await workflow.execute_local_activity(
                "alert.open_escalating",
                request,
                result_type=OpenedAlert,
                summary="project new alert, resolve channels, choose escalation policy",
                start_to_close_timeout=LOCAL_TIMEOUT,
                retry_policy=LOCAL_RETRY,
            )
            channels = opened.channels
            self._view.escalation = ladder.begin(opened.policy)
            self._seq = 2  # the activity wrote the trigger and the policy choice
        else:
            channels = await workflow.execute_local_activity(
                "alert.open",
                request,
                result_type=list[ChannelRef],
                summary="project new alert, resolve channels",
                start_to_close_timeout=LOCAL_TIMEOUT,
                retry_policy=LOCAL_RETRY,
            )
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

    # ------------------------------------------------------------------ escalation

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
        previous = escalation.pages[-1].users if escalation.pages else []
        resolved: ResolvedLevel = await workflow.execute_local_activity(
            "escalation.level",
            ResolveLevelInput(
                tenant_id=self._tenant_id,
                level=escalation.policy.levels[level],
                previous_user_ids=[user.id for user in previous],
                at=due,
            ),
            result_type=ResolvedLevel,
            summary=f"resolve level {level + 1} targets",
            start_to_close_timeout=LOCAL_TIMEOUT,
            retry_policy=LOCAL_RETRY,
        )
        view = self._require_view()
        if escalation.run_level != level or view.status != AlertStatus.TRIGGERED:
            return  # acknowledged, resolved or redirected while we looked the targets up
        escalation.run_level = None
        now = due
        page = ladder.record_level(escalation, level, resolved, now)
        self._rearm = True
        event = ladder.page_event(escalation)
        known = {channel.id for channel in view.channels}
        for channel in resolved.channels:
            if channel.id not in known:
                view.channels.append(channel)  # so it hears the acknowledgement and resolution too
            self._deliveries.notify(self._require_view(), channel, event, tag=f"s{escalation.step}")
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

    def _reopen(self) -> None:
        """Back to triggered (acknowledgement timed out, snooze ended, a person escalated)."""
        view = self._require_view()
        view.status = AlertStatus.TRIGGERED
        view.acknowledged_at = None
        view.acknowledged_by = None
        view.snoozed_until = None
        view.notify_cycle += 1
        view.next_notification_at = workflow.now() + self._options.repeat_interval
        for channel in view.channels:
            self._deliveries.notify(self._require_view(), channel, NotifyEvent.RENOTIFIED)

    def _retrigger(self, actor: str, reason: str) -> None:
        view = self._require_view()
        self._reopen()
        if view.escalation is not None:
            ladder.restart(view.escalation)
        self._mark_dirty(TimelineEntry(kind="retriggered", at=workflow.now(), actor=actor, message=reason))

    async def _finish_resolution(self) -> None:
        self._deliveries.cancel_firing()
        await self._flush_projection()
        await self._deliveries.drain()
        self._deliveries.tell_notified(self._require_view(), NotifyEvent.RESOLVED)
        await self._deliveries.drain()
        await self._flush_projection()

    # ------------------------------------------------------------------ projection

    def _mark_dirty(self, entry: TimelineEntry | None = None) -> None:
        view = self._require_view()
        view.version += 1
        if entry is not None:
            self._pending_entries.append(entry)
        self._dirty = True

    async def _flush_projection(self) -> None:
        view = self._require_view()
        while self._dirty:
            self._dirty = False
            entries, self._pending_entries = self._pending_entries, []
            snapshot = view.model_copy(deep=True)
            if not entries:
                await self._record(RecordInput(view=snapshot))
            for entry in entries:
                self._seq += 1
                await self._record(RecordInput(view=snapshot, seq=self._seq, entry=entry))
            self._projected_version = snapshot.version
            self._upsert_search_attributes()
            workflow.set_current_details(self._details())

    async def _record(self, record: RecordInput) -> None:
        await workflow.execute_local_activity(
            "alert.record",
            record,
            summary=f"project {record.entry.kind if record.entry else 'counters'}",
            start_to_close_timeout=LOCAL_TIMEOUT,
            retry_policy=LOCAL_RETRY,
        )

    def _upsert_search_attributes(self) -> None:
        """Upsert only what changed: an unchanged upsert still costs a visibility write."""
        view = self._require_view()
        current = workflow.info().typed_search_attributes
        changed = [
            pair.key.value_set(pair.value)
            for pair in search_attributes(self._tenant_id, view.content, view.status, view.escalation)
            if current.get(pair.key) != pair.value
        ]
        if changed:
            workflow.upsert_search_attributes(changed)

    def _details(self) -> str:
        view = self._require_view()
        lines = [
            f"**{view.content.title}**",
            f"status: {view.status.value} · severity: {view.content.severity.value} · events: {view.event_count}",
            f"alert id: {view.alert_id}",
        ]
        if view.acknowledged_by:
            lines.append(f"acknowledged by {view.acknowledged_by} at {view.acknowledged_at}")
        if view.resolved_by:
            lines.append(f"resolved by {view.resolved_by} at {view.resolved_at}")
        if view.status == AlertStatus.TRIGGERED and view.next_notification_at:
            lines.append(f"next notification: {view.next_notification_at.isoformat()}")
        escalation = view.escalation
        if escalation is not None:
            levels = len(escalation.policy.levels)
            lines.append(f"policy: {escalation.policy.name} · level {escalation.level + 1}/{levels}")
            if escalation.next_escalation_at and view.status == AlertStatus.TRIGGERED:
                lines.append(f"next escalation: {escalation.next_escalation_at.isoformat()}")
        return "\n".join(lines)

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
        view = self._require_view()
        if view.status == AlertStatus.TRIGGERED:
            view.status = AlertStatus.ACKNOWLEDGED
            view.acknowledged_at = workflow.now()
            view.acknowledged_by = request.actor
            view.next_notification_at = None
            if view.escalation is not None:
                ladder.acknowledged(view.escalation, workflow.now())
            self._mark_dirty(
                TimelineEntry(kind="acknowledged", at=workflow.now(), actor=request.actor, message=request.note or "")
            )
            self._deliveries.cancel_firing()
            self._deliveries.tell_notified(self._require_view(), NotifyEvent.ACKNOWLEDGED)
        return await self._projected_view()

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
        choice: PolicyChoice = await workflow.execute_local_activity(
            "escalation.policy",
            ChoosePolicyInput(tenant_id=self._tenant_id, policy_id=request.policy_id, user_id=request.user_id),
            result_type=PolicyChoice,
            summary="resolve reassignment",
            start_to_close_timeout=LOCAL_TIMEOUT,
            retry_policy=LOCAL_RETRY,
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

    def _validate_open(self, alert_id: str, verb: str) -> None:
        view = self._view
        if view is None:
            raise ValueError("the alert is still opening; try again")
        if alert_id != view.alert_id or view.status == AlertStatus.RESOLVED:
            raise ValueError(f"alert {alert_id} is resolved and cannot be {verb}")

    async def _projected_view(self) -> AlertView:
        """Answer once the projection shows this change, so a read right after sees it."""
        view = self._require_view()
        target = view.version
        await workflow.wait_condition(lambda: self._projected_version >= target)
        return view.model_copy(deep=True)

    # ------------------------------------------------------------------ helpers

    def _require_view(self) -> AlertView:
        assert self._view is not None, "alert is not open yet"
        return self._view

    def _carry(self) -> CarriedState:
        return CarriedState(
            view=self._require_view(),
            options=self._options,
            notified_channel_ids=self._deliveries.notified,
            next_seq=self._seq,
        )
