"""AlertWorkflow: one open incident per group key, from first event to resolution.

Workflow id `alert/<tenant>/<key>` (workflows/ids.py): Temporal's id uniqueness is Herald's
deduplication. The first `fire` (signal-with-start from ingest, or update-with-start from the
API) opens the alert; later fires raise its event count and never restart its timers.

One class holding one `AlertState` (workflows/payloads.py), carried whole through
continue-as-new, with three collaborators beside it:

* `Deliveries` (workflows/deliveries.py) sends: notifications run as background activities,
  serialised per recipient, so a channel that is retrying never blocks acknowledgement;
* `Ladder` (workflows/ladder.py) climbs the escalation policy: how an alert is escalated;
* `Projection` (workflows/projection.py) writes the changes to PostgreSQL and the Temporal UI.

The loop owns the deadlines (`next_notification_at`, the ladder's, a snooze's): while the alert
is triggered it re-notifies every `repeat_interval`. Handlers only change state and wake the
loop; the loop does the work, so nothing is done twice and a noisy alert still renotifies on
time. Resolution cancels pending fire notifications and sends "resolved" to every channel that
accepted a fire notification.

Validators and handlers reject with `ApplicationError`s typed `CLOSING`, `OPENING` or
`REJECTED` (`rejected()`); the gateway maps them by type (gateway/client.py), never by message.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows import activity_refs as refs
    from workflows import ladder
    from workflows.deliveries import Deliveries, mute_check_time
    from workflows.ladder import Ladder
    from workflows.payloads import (
        AcknowledgeRequest,
        AlertStart,
        AlertState,
        AlertStatus,
        AlertView,
        ChoosePolicyInput,
        EditRequest,
        EscalateRequest,
        Escalation,
        FireBatch,
        FireEvent,
        MemberRecord,
        MuteCheckInput,
        NoteRequest,
        NotifyEvent,
        OpenAlertInput,
        ReassignRequest,
        ResolveRequest,
        SnoozeRequest,
        TimelineEntry,
        with_incident_annotations,
    )
    from workflows.projection import Projection

# Histories recorded before escalation policies existed replay without choosing one.
ESCALATION_PATCH = "escalation-policies"
# Acknowledged / resolved notices also go to channels whose fire notification was still in
# flight (it may have reached the provider just before it was cancelled).
IN_FLIGHT_PATCH = "tell-in-flight-channels"
# Escalate and reassign answer once the level they asked for has run (before: as soon as it was
# asked for, so the answer showed the level before the escalation).
LEVEL_ANSWER_PATCH = "answer-after-the-level-ran"
# Times in timeline messages are written as the API writes them (`...Z`, not `+00:00`); runs recorded before keep theirs.
Z_TIMES_PATCH = "timeline-times-in-z"
# Events between one incident and the next are kept in order (`AlertState.backlog`): a resolve
# that arrives while this incident closes (or before the next one opened) resolves the next one,
# and a trigger after it opens another. Histories recorded before dropped such a resolve.
KEEP_EVENTS_PATCH = "keep-events-between-incidents"

FIRST_EVENT_TIMEOUT = timedelta(minutes=10)
REARM = timedelta(milliseconds=1)

# The `type` of every ApplicationError a validator or update rejects with.
CLOSING = "AlertClosing"  # this incident is sending its resolution notices: retry to open the next one
OPENING = "AlertOpening"  # the first event is still being projected: retry shortly
REJECTED = "TransitionRejected"  # the change does not apply to the alert as it is


def rejected(message: str, kind: str = REJECTED) -> ApplicationError:
    return ApplicationError(message, type=kind, non_retryable=True)


@workflow.defn(name="AlertWorkflow")
class AlertWorkflow:
    @workflow.init
    def __init__(self, start: AlertStart) -> None:
        self._tenant_id = start.tenant_id
        self._key = start.key
        self._state = start.carried if start.carried is not None else AlertState()
        # Carried into a new run: open already (unless the carried trigger opens the next incident).
        self._state.opened = start.carried is not None and start.carried.reopen_with is None
        self._deliveries = Deliveries(start.tenant_id, self._state)
        self._projection = Projection(start.tenant_id, self._state)
        self._ladder = Ladder(start.tenant_id, self._state, self._deliveries, self._projection)

    # ------------------------------------------------------------------ main loop

    @workflow.run
    async def run(self, start: AlertStart) -> AlertView | None:
        state = self._state
        if state.view is None or state.reopen_with is not None:
            first = state.reopen_with
            if first is None:
                try:
                    await workflow.wait_condition(lambda: state.pending_first is not None, timeout=FIRST_EVENT_TIMEOUT)
                except TimeoutError:
                    # Started, but the first event never arrived (its caller gave up): nothing to alert.
                    return None
                first = state.pending_first
            assert first is not None
            await self._open(first)
        view = self._view()

        while view.status != AlertStatus.RESOLVED:
            await self._wait_for_work_or_deadline()
            self._expire_members()
            await self._projection.flush()
            await self._escalate()
            if view.status == AlertStatus.TRIGGERED and self._due():
                if state.group_wait_policy is not None:
                    self._first_notice()
                else:
                    self._renotify()
                await self._projection.flush()
            if not self._resolved() and self._should_continue_as_new() and not self._busy():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self._has_work() and not self._busy():
                    workflow.continue_as_new(AlertStart(tenant_id=self._tenant_id, key=self._key, carried=state))

        await self._finish_resolution()
        reopening = state.reopen_with is not None
        await workflow.wait_condition(workflow.all_handlers_finished)
        # A trigger that arrived while we were resolving, or while the last handlers finished,
        # opens a new incident (new id) with what followed it.
        if state.reopen_with is not None and (reopening or workflow.patched(KEEP_EVENTS_PATCH)):
            carried = AlertState(
                view=view,
                options=state.options,
                reopen_with=state.reopen_with,
                reopen_extra_events=state.reopen_extra_events,
                backlog=state.backlog,
                inbox_seen=state.inbox_seen,
            )
            workflow.continue_as_new(AlertStart(tenant_id=self._tenant_id, key=self._key, carried=carried))
        return view

    async def _open(self, first: FireEvent) -> None:
        assert first.content is not None
        state = self._state
        info = workflow.info()
        state.options = first.options
        state.notified_channel_ids.clear()
        state.members.clear()
        state.member_changes.clear()
        state.member_events.clear()
        state.member_expiry.clear()
        state.group_notified_at = None
        state.group_wait_policy = None
        self._projection.begin()
        view = AlertView(
            alert_id=info.run_id,
            workflow_id=info.workflow_id,
            tenant_id=self._tenant_id,
            key=self._key,
            status=AlertStatus.TRIGGERED,
            content=first.content,
            event_count=1 + state.reopen_extra_events,
            first_seen=first.received_at,
            last_seen=first.received_at,
            next_notification_at=workflow.now() + state.options.repeat_interval,
            version=1,
        )
        state.view = view
        state.reopen_with = None
        state.events_this_run += 1 + state.reopen_extra_events
        state.reopen_extra_events = 0
        grouped = first.member_key is not None  # events recorded before incidents had members carry none
        if grouped:
            if state.options.grouping is not None:
                view.group_labels = dict(state.options.grouping.group_labels)
            self._member_fired(first)
        self._take_incident_annotations(first)
        entry = TimelineEntry(kind="triggered", at=first.received_at, actor=first.actor, message=first.content.title)
        request = OpenAlertInput(
            view=view,
            channel_ids=state.options.channel_ids,
            entry=entry,
            policy_id=state.options.policy_id,
            members=list(state.member_changes.values()),
            grouping=state.options.grouping,
        )
        state.member_changes.clear()
        if workflow.patched(ESCALATION_PATCH):
            # One local activity projects the alert, resolves its channels and chooses its policy.
            opened = await refs.run_local(
                refs.ALERT_OPEN_ESCALATING,
                request,
                summary="project new alert, resolve channels, choose escalation policy",
            )
            channels = opened.channels
            written = 2  # the activity wrote the trigger and the policy choice
            group_wait = self._group_wait() if grouped else timedelta(0)
            if group_wait > timedelta(0):
                # The first notice and the ladder wait for the rest of the group to arrive.
                state.group_wait_policy = opened.policy
                view.next_notification_at = workflow.now() + group_wait
            else:
                view.escalation = ladder.begin(opened.policy)
        else:
            channels = await refs.run_local(refs.ALERT_OPEN, request, summary="project new alert, resolve channels")
            written = 1
        view.channels = channels
        self._projection.opened(written)
        if grouped and state.backlog:
            # Members that came with the first one (one batch) are in the first notice, and in the
            # projection the notice lists them from.
            backlog, state.backlog = state.backlog, []
            for event in backlog:
                self._accept(event)
            await self._projection.flush()
        if state.group_wait_policy is None and view.status == AlertStatus.TRIGGERED:
            if grouped:
                state.group_notified_at = workflow.now()
            for channel in channels:
                self._deliveries.notify(view, channel, NotifyEvent.TRIGGERED)
        state.opened = True
        backlog, state.backlog = state.backlog, []
        for event in backlog:  # what arrived after a resolve while this incident opened, in order
            self._accept(event)

    async def _wait_for_work_or_deadline(self) -> None:
        if self._has_work():
            return
        if self._ladder.rearm:
            # The escalation deadline was set in a workflow task that also ran local activities.
            # A timer starts when its task completes, so it would fire late by that task's whole
            # duration (seconds under load). A 1 ms timer ends this task; the real one is then
            # started from a fresh task that completes in milliseconds.
            self._ladder.rearm = False
            await workflow.sleep(REARM, summary="start the escalation timer from a fresh task")
            if self._has_work():
                return
        timeout: timedelta | None = None
        deadline = self._next_deadline()
        if deadline is not None:
            timeout = deadline - workflow.now()
            if timeout <= timedelta(0):
                return
        held_until = self._state.mute_check_at  # a notice held back sets a new deadline: wake to arm it
        try:
            await workflow.wait_condition(
                lambda: (
                    self._has_work()
                    or (self._should_continue_as_new() and not self._busy())
                    or self._state.mute_check_at != held_until
                ),
                timeout=timeout,
            )
        except TimeoutError:
            pass

    def _next_deadline(self) -> datetime | None:
        view = self._view()
        triggered = view.status == AlertStatus.TRIGGERED
        found: list[datetime] = []
        if triggered and view.next_notification_at is not None:
            found.append(view.next_notification_at)
        if view.status == AlertStatus.ACKNOWLEDGED and view.snoozed_until is not None:
            found.append(view.snoozed_until)
        if triggered and self._state.mute_check_at is not None:
            found.append(self._state.mute_check_at)  # the ladder holds meanwhile
        elif view.escalation is not None:
            found += ladder.deadlines(view.escalation, triggered=triggered)
        if self._state.member_expiry and view.status != AlertStatus.RESOLVED:
            found.append(min(self._state.member_expiry.values()))  # a member that stops unless re-sent
        return min(found) if found else None

    def _has_work(self) -> bool:
        view = self._view()
        level_waiting = (
            view.escalation is not None
            and view.escalation.run_level is not None
            and view.status == AlertStatus.TRIGGERED
        )
        return self._projection.dirty or self._resolved() or level_waiting

    def _resolved(self) -> bool:
        return self._view().status == AlertStatus.RESOLVED

    def _busy(self) -> bool:
        return self._deliveries.busy()

    def _due(self) -> bool:
        view = self._view()
        return view.next_notification_at is not None and workflow.now() >= view.next_notification_at

    def _should_continue_as_new(self) -> bool:
        limit = self._state.options.max_events_per_run
        return workflow.info().is_continue_as_new_suggested() or (0 < limit <= self._state.events_this_run)

    async def _escalate(self) -> None:
        """An acknowledgement that ran out (snooze or ack timeout) re-triggers; then the ladder climbs."""
        view = self._view()
        escalation = view.escalation
        now = workflow.now()
        if view.status == AlertStatus.ACKNOWLEDGED:
            if view.snoozed_until is not None and now >= view.snoozed_until:
                self._retrigger("herald", "snooze ended")
            elif escalation is not None and escalation.ack_timeout_at is not None and now >= escalation.ack_timeout_at:
                self._retrigger("herald", "acknowledgement timed out")
        check_at = self._state.mute_check_at
        if check_at is not None and view.status == AlertStatus.TRIGGERED:
            if now < check_at:
                return  # held back: nobody is told or paged, so the ladder does not climb
            if not await self._mute_check():
                return
        await self._ladder.climb()

    async def _finish_resolution(self) -> None:
        in_flight = self._end_firing()
        await self._projection.flush()
        await self._deliveries.drain()
        self._deliveries.tell_notified(self._view(), NotifyEvent.RESOLVED, also=in_flight)
        await self._deliveries.drain()
        await self._projection.flush()

    # ------------------------------------------------------------------ transitions

    async def _mute_check(self) -> bool:
        """What held the last fire notice back may have ended (a silence expired, a maintenance
        window closed, a time interval turned, an inhibiting source resolved). If it has, notify
        again, start the ladder over and answer True; if not, look again later."""
        state = self._state
        view = self._view()
        check = await refs.run_local(
            refs.NOTIFY_MUTED,
            MuteCheckInput(
                alert=view.model_copy(update={"escalation": None, "channels": []}), grouping=state.options.grouping
            ),
            summary="are the notices still held back?",
        )
        if view.status != AlertStatus.TRIGGERED:
            state.mute_check_at = None
            return False
        if check.muted:
            state.mute_check_at = mute_check_time(state, check.until)
            return False
        state.mute_check_at = None
        if state.group_wait_policy is not None:
            return True  # the first notice is still to come
        view.notify_cycle += 1
        view.next_notification_at = workflow.now() + state.options.repeat_interval
        if view.escalation is not None:
            ladder.restart(view.escalation)
        if state.members:
            state.group_notified_at = workflow.now()
        message = "what held the notices back has ended: notifying again"
        self._projection.mark(TimelineEntry(kind="unmuted", at=workflow.now(), actor="herald", message=message))
        for channel in view.channels:
            self._deliveries.notify(view, channel, NotifyEvent.RENOTIFIED)
        return True

    def _group_wait(self) -> timedelta:
        grouping = self._state.options.grouping
        return grouping.group_wait if grouping is not None else timedelta(0)

    def _first_notice(self) -> None:
        """`group_wait` is over: tell the channels and start the ladder, with every member that came."""
        state = self._state
        view = self._view()
        choice, state.group_wait_policy = state.group_wait_policy, None
        assert choice is not None
        now = workflow.now()
        state.group_notified_at = now
        view.escalation = ladder.begin(choice)
        view.next_notification_at = now + state.options.repeat_interval
        self._projection.mark()
        for channel in view.channels:
            self._deliveries.notify(view, channel, NotifyEvent.TRIGGERED)

    def _expire_members(self) -> None:
        """Members whose expiry has come (FireEvent.ends_at, not re-sent since) resolve as if their
        source had said so, in expiry order. Only events that carry `ends_at` set an expiry, so
        histories recorded before never reach this."""
        state = self._state
        now = workflow.now()
        due = sorted((at, key) for key, at in state.member_expiry.items() if at <= now)
        for at, key in due:
            if self._view().status == AlertStatus.RESOLVED:
                break
            event = FireEvent(action="resolve", received_at=at, actor="herald", member_key=key, ends_at=at)
            self._member_resolved(event, reason="not re-sent before its end (resolve_timeout)")

    def _member_fired(self, event: FireEvent) -> None:
        """A member's trigger: a new or resolved member fires (an incident change); a firing one is seen again."""
        assert event.member_key is not None and event.content is not None
        state = self._state
        view = self._view()
        key = event.member_key
        transitions = state.members.get(key, 0)
        events = state.member_events.get(key, 0) + 1
        state.member_events[key] = events
        changed = transitions % 2 == 0
        if changed:
            transitions += 1
            state.members[key] = transitions
            view.firing_members += 1
            if transitions > 1:
                view.resolved_members -= 1
        if event.ends_at is not None:
            state.member_expiry[key] = event.ends_at
        else:
            state.member_expiry.pop(key, None)
        content = event.content
        state.member_changes[key] = MemberRecord(
            key=key,
            labels=content.labels,
            title=content.title,
            firing=True,
            transitions=transitions,
            at=event.received_at,
            events=events,
            annotations=content.annotations,
            generator_url=content.generator_url,
            starts_at=content.starts_at,
            ends_at=event.ends_at,
        )
        if changed:
            self._group_changed()

    def _member_resolved(self, event: FireEvent, reason: str = "resolved by its source") -> None:
        """A member's resolve: it stops firing; the incident resolves with its last firing member."""
        assert event.member_key is not None
        state = self._state
        view = self._view()
        key = event.member_key
        transitions = state.members.get(key)
        if transitions is None or transitions % 2 == 0:
            return  # not a member, or resolved already
        state.member_expiry.pop(key, None)
        transitions += 1
        state.members[key] = transitions
        view.firing_members -= 1
        view.resolved_members += 1
        state.member_changes[key] = MemberRecord(
            key=key,
            firing=False,
            transitions=transitions,
            at=event.received_at,
            events=state.member_events.get(key, 0),
            ends_at=event.ends_at,
        )
        self._projection.mark()
        if view.firing_members == 0:
            self._resolve(event.actor, f"{reason}: all {len(state.members)} member(s) resolved")
        else:
            self._group_changed()

    def _group_changed(self) -> None:
        """Members changed: once the first notice is out, the channels hear of it after
        `group_interval` since the last notice (never more often), while the incident is triggered."""
        state = self._state
        view = self._view()
        grouping = state.options.grouping
        if (
            grouping is None
            or view.status != AlertStatus.TRIGGERED
            or state.group_wait_policy is not None
            or state.group_notified_at is None
        ):
            return
        update_at = max(state.group_notified_at + grouping.group_interval, workflow.now())
        if view.next_notification_at is None or update_at < view.next_notification_at:
            view.next_notification_at = update_at
            self._projection.mark()

    def _renotify(self) -> None:
        view = self._view()
        if self._state.members:
            self._state.group_notified_at = workflow.now()
        view.notify_cycle += 1
        assert view.next_notification_at is not None
        # Advance from the deadline, not from now, so a late timer does not drift the cadence;
        # skip whole missed periods (a worker that was down for hours sends one renotify).
        next_at = view.next_notification_at + self._state.options.repeat_interval
        while next_at <= workflow.now():
            next_at += self._state.options.repeat_interval
        view.next_notification_at = next_at
        self._projection.mark()
        for channel in view.channels:
            self._deliveries.notify(view, channel, NotifyEvent.RENOTIFIED)

    def _accept(self, event: FireEvent) -> None:
        """Take in one event of the alert's source, in the order Temporal delivered it.

        Between incidents (`_between_incidents`) events wait for the next incident: the trigger
        that opens it (`pending_first` or `reopen_with`), triggers counted into its opening, and
        from the first resolve on, everything in order (`backlog`), applied once it is open."""
        state = self._state
        view = state.view
        if view is None and state.pending_first is None:
            if event.action == "trigger" and event.content is not None:
                state.pending_first = event
            return  # a resolve with nothing open or opening is a no-op
        if self._between_incidents():
            # Histories recorded before kept only a resolve that came before the very first open,
            # and counted every trigger into the opening.
            if event.action != "trigger" and (view is None or workflow.patched(KEEP_EVENTS_PATCH)):
                state.backlog.append(event)  # a resolve or an acknowledge: applied in order once open
                return
            if event.action == "trigger" and state.backlog and workflow.patched(KEEP_EVENTS_PATCH):
                state.backlog.append(event)  # after a resolve: it opens the incident after the next
                return
            if event.action == "trigger" and (view is None or view.status == AlertStatus.RESOLVED):
                if event.member_key is not None:
                    state.backlog.append(event)  # a member of the next incident: counting it would lose it
                else:
                    state.reopen_extra_events += 1
                return
        assert view is not None
        if event.action == "acknowledge":
            # From the source (PagerDuty's event_action), queued behind its trigger: only events sent by
            # this code carry it, so recorded histories never reach this line.
            if view.status == AlertStatus.TRIGGERED:
                self._acknowledge(event.actor, "acknowledged by its source")
            return
        grouped = bool(state.members) and event.member_key is not None
        if event.action == "resolve":
            if view.status == AlertStatus.RESOLVED:
                return  # a resolve for an alert that is closed is a no-op
            if self._take_incident_annotations(event):
                self._projection.mark()
            if grouped:
                self._member_resolved(event)
            else:
                self._resolve(event.actor, "resolved by its source")
            return
        if event.content is None:
            return
        if view.status == AlertStatus.RESOLVED:
            # This incident is over: the trigger opens the next one (carried across continue-as-new).
            if state.reopen_with is None:
                state.reopen_with = event
            else:
                state.reopen_extra_events += 1
            return
        state.events_this_run += 1
        view.event_count += 1
        if event.received_at > view.last_seen:
            view.last_seen = event.received_at
        self._take_incident_annotations(event)
        if grouped:
            self._member_fired(event)
        self._projection.mark()

    def _take_incident_annotations(self, event: FireEvent) -> bool:
        """What an event says of its incident (`FireEvent.incident_annotations`) onto the open one;
        True if its annotations changed.

        Events recorded before the field carry none, so their histories replay unchanged (no patch:
        the branch is taken by new events only)."""
        if not event.incident_annotations:
            return False
        content = self._view().content
        merged = with_incident_annotations(content.annotations, event.incident_annotations)
        if merged == content.annotations:
            return False
        content.annotations = merged
        return True

    def _between_incidents(self) -> bool:
        """No incident takes events right now: none is open yet, or this one is over and the next
        one's trigger is in, or events that came before this one opened are still to be applied."""
        state = self._state
        view = state.view
        return (
            view is None
            or (view.status == AlertStatus.RESOLVED and state.reopen_with is not None)
            or bool(state.backlog)
        )

    def _acknowledge(self, actor: str, note: str) -> None:
        view = self._view()
        if view.status == AlertStatus.TRIGGERED:
            view.status = AlertStatus.ACKNOWLEDGED
            view.acknowledged_at = workflow.now()
            view.acknowledged_by = actor
            view.next_notification_at = None
            if view.escalation is not None:
                ladder.acknowledged(view.escalation, workflow.now())
            self._projection.mark(TimelineEntry(kind="acknowledged", at=workflow.now(), actor=actor, message=note))
            in_flight = self._end_firing()
            self._deliveries.tell_notified(view, NotifyEvent.ACKNOWLEDGED, also=in_flight)

    def _resolve(self, actor: str, note: str) -> None:
        view = self._view()
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
        self._projection.mark(TimelineEntry(kind="resolved", at=workflow.now(), actor=actor, message=note))

    def _reopen(self) -> None:
        """Back to triggered (acknowledgement timed out, snooze ended, a person escalated)."""
        view = self._view()
        view.status = AlertStatus.TRIGGERED
        view.acknowledged_at = None
        view.acknowledged_by = None
        view.snoozed_until = None
        view.notify_cycle += 1
        if self._state.group_wait_policy is not None:
            view.next_notification_at = workflow.now()  # nobody was told yet: the first notice goes now
            return
        view.next_notification_at = workflow.now() + self._state.options.repeat_interval
        for channel in view.channels:
            self._deliveries.notify(view, channel, NotifyEvent.RENOTIFIED)

    def _retrigger(self, actor: str, reason: str) -> None:
        view = self._view()
        self._reopen()
        if view.escalation is not None:
            ladder.restart(view.escalation)
        self._projection.mark(TimelineEntry(kind="retriggered", at=workflow.now(), actor=actor, message=reason))

    def _end_firing(self) -> set[str]:
        """Cancel the firing's deliveries; the channels that must still hear how it ended
        (their fire notification was in flight). Task cancellation emits its commands on the
        loop's next step, so the patch marker still precedes them, as in recorded histories."""
        in_flight = self._deliveries.cancel_firing()
        if in_flight and workflow.patched(IN_FLIGHT_PATCH):
            return in_flight
        return set()

    def _view(self) -> AlertView:
        view = self._state.view
        assert view is not None, "alert is not open yet"
        return view

    # ------------------------------------------------------------------ signals and updates

    @workflow.signal(name="fire")
    def fire(self, event: FireEvent) -> None:
        self._accept(event)

    @workflow.signal(name="fire_batch")
    def fire_batch(self, batch: FireBatch) -> None:
        """Several events of this key, in order: one signal instead of one each. A batch from the
        ingest inbox that this key took already (a retried drain cycle sent it again) is skipped."""
        if batch.cycle is not None:
            mark = (batch.cycle, batch.chunk)
            if self._state.inbox_seen is not None and mark <= self._state.inbox_seen:
                return
            self._state.inbox_seen = mark
        for event in batch.events:
            self._accept(event)

    @workflow.update(name="fire")
    async def fire_and_wait(self, event: FireEvent) -> AlertView:
        self._accept(event)
        await workflow.wait_condition(lambda: self._state.opened)
        return await self._projection.projected_view()

    @fire_and_wait.validator
    def _validate_fire(self, event: FireEvent) -> None:
        if event.action != "trigger" or event.content is None:
            raise rejected("the fire update only triggers, with content")
        if self._state.view is not None and self._state.view.status == AlertStatus.RESOLVED:
            # This run is sending its resolution notices; the caller retries and opens a new alert.
            raise rejected("alert is closing after resolution; retry to open a new one", CLOSING)
        if self._state.backlog:
            # Events that came first are still to be applied (a resolve among them): the trigger
            # must follow them, so the caller retries once they are.
            raise rejected("the alert is taking in earlier events; retry", CLOSING)

    @workflow.update
    async def acknowledge(self, request: AcknowledgeRequest) -> AlertView:
        self._acknowledge(request.actor, request.note or "")
        return await self._projection.projected_view()

    @acknowledge.validator
    def _validate_acknowledge(self, request: AcknowledgeRequest) -> None:
        self._validate_open(request.alert_id, "acknowledged")

    # Signals for chat buttons (Slack): accepted in milliseconds, no worker needed to answer.
    # Clicks on an older alert's message (same key, alert since reopened), on an alert that
    # is still opening, or repeated clicks change nothing.
    @workflow.signal(name="acknowledge_signal")
    def acknowledge_signal(self, request: AcknowledgeRequest) -> None:
        if self._state.view is not None and self._state.view.alert_id == request.alert_id:
            self._acknowledge(request.actor, request.note or "")

    @workflow.signal(name="resolve_signal")
    def resolve_signal(self, request: ResolveRequest) -> None:
        if self._state.view is not None and self._state.view.alert_id == request.alert_id:
            self._resolve(request.actor, request.note or "")

    @workflow.update
    async def resolve(self, request: ResolveRequest) -> AlertView:
        self._resolve(request.actor, request.note or "")
        return await self._projection.projected_view()

    @resolve.validator
    def _validate_resolve(self, request: ResolveRequest) -> None:
        self._validate_open(request.alert_id, "resolved")

    @workflow.update
    async def edit(self, request: EditRequest) -> AlertView:
        content = self._view().content
        wanted = request.model_dump(include={"title", "description", "severity", "annotations"}, exclude_none=True)
        changed = [name for name, value in wanted.items() if getattr(content, name) != value]
        for name in changed:
            setattr(content, name, wanted[name])
        if changed:
            self._projection.mark(
                TimelineEntry(
                    kind="edited", at=workflow.now(), actor=request.actor, message="changed " + ", ".join(changed)
                )
            )
        return await self._projection.projected_view()

    @edit.validator
    def _validate_edit(self, request: EditRequest) -> None:
        self._validate_open(request.alert_id, "edited")

    @workflow.update
    async def snooze(self, request: SnoozeRequest) -> AlertView:
        view = self._view()
        view.snoozed_until = workflow.now() + request.duration
        if view.escalation is not None:
            view.escalation.ack_timeout_at = None  # the snooze is the new deadline
        until = view.snoozed_until.isoformat()
        if workflow.patched(Z_TIMES_PATCH):
            until = until.replace("+00:00", "Z")
        message = f"snoozed until {until}"
        self._projection.mark(TimelineEntry(kind="snoozed", at=workflow.now(), actor=request.actor, message=message))
        return await self._projection.projected_view()

    @snooze.validator
    def _validate_snooze(self, request: SnoozeRequest) -> None:
        self._validate_open(request.alert_id, "snoozed")
        if self._view().status != AlertStatus.ACKNOWLEDGED:
            raise rejected("only an acknowledged alert can be snoozed; acknowledge it first")
        if request.duration <= timedelta(0):
            raise rejected("snooze duration must be positive")

    @workflow.update
    async def escalate(self, request: EscalateRequest) -> AlertView:
        view = self._view()
        escalation = view.escalation
        assert escalation is not None
        target = request.level - 1 if request.level is not None else escalation.level + 1
        if view.status == AlertStatus.ACKNOWLEDGED:
            self._reopen()
        ladder.jump(escalation, target)
        message = f"escalated to level {target + 1}"
        self._projection.mark(
            TimelineEntry(kind="escalate_requested", at=workflow.now(), actor=request.actor, message=message)
        )
        await self._level_ran(escalation, target)
        return await self._projection.projected_view()

    @escalate.validator
    def _validate_escalate(self, request: EscalateRequest) -> None:
        self._validate_open(request.alert_id, "escalated")
        escalation = self._view().escalation
        if escalation is None and self._state.group_wait_policy is not None:
            raise rejected("the incident is still gathering its members (group_wait): nobody was paged yet")
        if escalation is None:
            raise rejected("the alert has no escalation policy; reassign it to a user or a policy")
        levels = len(escalation.policy.levels)
        if request.level is not None and not 1 <= request.level <= levels:
            raise rejected(f"level must be between 1 and {levels}")
        if request.level is None and escalation.level + 1 >= levels:
            raise rejected(f"already at the last level ({levels}); name a level to go back to")

    @workflow.update
    async def reassign(self, request: ReassignRequest) -> AlertView:
        choice = await refs.run_local(
            refs.ESCALATION_POLICY,
            ChoosePolicyInput(tenant_id=self._tenant_id, policy_id=request.policy_id, user_id=request.user_id),
            summary="resolve reassignment",
        )
        view = self._view()
        if choice.policy is None:
            raise rejected(f"cannot reassign: {choice.reason}")
        if view.status == AlertStatus.RESOLVED:
            raise rejected("the alert was resolved meanwhile")
        if view.status == AlertStatus.ACKNOWLEDGED:
            self._reopen()
        if self._state.group_wait_policy is not None:
            self._state.group_wait_policy = choice  # the ladder starts with it when group_wait ends
        else:
            if view.escalation is None:
                view.escalation = ladder.begin(choice)
            else:
                ladder.restart(view.escalation, choice.policy)
                view.escalation.reason = choice.reason
        message = f"reassigned to {choice.policy.name}"
        self._projection.mark(TimelineEntry(kind="reassigned", at=workflow.now(), actor=request.actor, message=message))
        if view.escalation is not None:
            await self._level_ran(view.escalation, 0)
        return await self._projection.projected_view()

    async def _level_ran(self, escalation: Escalation, level: int) -> None:
        """Wait until the main loop has run `level` (or something overtook it: an acknowledgement, a
        resolution, another escalation), so that the update answers with the state it produced."""
        if not workflow.patched(LEVEL_ANSWER_PATCH):
            return
        view = self._view()
        await workflow.wait_condition(
            lambda: (
                escalation.run_level != level
                or view.status != AlertStatus.TRIGGERED
                or view.escalation is not escalation
            )
        )

    @reassign.validator
    def _validate_reassign(self, request: ReassignRequest) -> None:
        self._validate_open(request.alert_id, "reassigned")
        if (request.user_id is None) == (request.policy_id is None):
            raise rejected("reassign to exactly one of a user or a policy")

    @workflow.update
    async def add_note(self, request: NoteRequest) -> AlertView:
        self._projection.mark(TimelineEntry(kind="note", at=workflow.now(), actor=request.actor, message=request.text))
        return await self._projection.projected_view()

    @add_note.validator
    def _validate_note(self, request: NoteRequest) -> None:
        self._validate_open(request.alert_id, "annotated")
        if not request.text.strip():
            raise rejected("a note needs text")

    def _validate_open(self, alert_id: str, verb: str) -> None:
        view = self._state.view
        if view is None:
            raise rejected("the alert is still opening; try again", OPENING)
        if alert_id != view.alert_id or view.status == AlertStatus.RESOLVED:
            raise rejected(f"alert {alert_id} is resolved and cannot be {verb}")

    @workflow.query
    def view(self) -> AlertView | None:
        return self._state.view
