"""The notification and page activities of one alert, as background tasks of its workflow.

Each recipient (a channel, or one contact method of a paged user) has its own serial queue,
so a recipient that is retrying never blocks acknowledgement or the others, and a "resolved"
never overtakes its "triggered". Deterministic code: it only schedules activities.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows import activity_refs as refs
    from workflows import ids
    from workflows.payloads import (
        AbandonInput,
        AlertState,
        AlertView,
        ChannelRef,
        DeliveryResult,
        NotifyEvent,
        NotifyInput,
        PagedUser,
        PageRule,
    )

DELIVERY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), backoff_coefficient=2.0, maximum_interval=timedelta(minutes=5)
)

FIRING = (NotifyEvent.TRIGGERED, NotifyEvent.RENOTIFIED, NotifyEvent.ESCALATED)
MUTE_RECHECK = timedelta(minutes=5)  # a held-back notice whose reason has no known end is checked again after this
MUTE_RECHECK_MIN = timedelta(seconds=1)
MUTE_RECHECK_MAX = timedelta(hours=1)  # and one whose reason ends later (a silence expired early is seen within it)


def mute_check_time(state: AlertState, until: datetime | None) -> datetime:
    """When to look again at what holds an incident's notices back: when it ends (`until`), at most
    an hour away; without a known end (inhibition ends with its source) a group_interval away."""
    now = workflow.now()
    grouping = state.options.grouping
    if until is None:
        until = now + (grouping.group_interval if grouping is not None else MUTE_RECHECK)
    return min(max(until, now + MUTE_RECHECK_MIN), now + MUTE_RECHECK_MAX)


def _permanent(err: ActivityError) -> bool:
    """The activity said retrying cannot help (and recorded why itself)."""
    cause = err.cause
    return isinstance(cause, ApplicationError) and cause.non_retryable


def _message_view(view: AlertView) -> AlertView:
    """The alert as a message needs it. Its escalation state and channel list would only grow
    every delivery's input (and so the history) by kilobytes that no sender reads."""
    return view.model_copy(update={"escalation": None, "channels": []}, deep=True)


class Deliveries:
    """AlertWorkflow's collaborator that sends: one serial queue of activities per recipient."""

    def __init__(self, tenant_id: str, state: AlertState) -> None:
        self._tenant_id = tenant_id
        self._state = state
        self._tasks: dict[str, asyncio.Task[None]] = {}
        # Firing deliveries in flight -> their recipient. Insertion-ordered (a set's order follows
        # memory addresses): cancellations must be issued in the same order on every replay.
        self._firing: dict[asyncio.Task[None], str] = {}

    def notify(self, view: AlertView, channel: ChannelRef, event: NotifyEvent, tag: str | None = None) -> None:
        cycle = tag or str(view.notify_cycle)
        key = ids.notify_idempotency_key(view.workflow_id, view.alert_id, event.value, cycle, channel.id)
        request = NotifyInput(
            idempotency_key=key,
            channel_id=channel.id,
            event=event,
            alert=_message_view(view),
            grouping=self._state.options.grouping,
        )
        self._start(channel, request)

    def page(self, view: AlertView, user: PagedUser, rule: PageRule, step: int, event: NotifyEvent) -> None:
        delay = int(rule.delay.total_seconds())  # two rules may page one contact method at different delays
        key = ids.page_idempotency_key(view.workflow_id, view.alert_id, step, user.id, rule.contact_method_id, delay)
        request = NotifyInput(
            idempotency_key=key,
            channel_id=rule.contact_method_id,
            user_id=user.id,
            event=event,
            alert=_message_view(view),
            grouping=self._state.options.grouping,
        )
        recipient = ChannelRef(id=f"{user.id}/{rule.contact_method_id}", name=user.name, type=rule.type)
        self._start(recipient, request)

    @property
    def notified(self) -> list[str]:
        """Channels that accepted a fire notification (part of the carried state)."""
        return self._state.notified_channel_ids

    def tell_notified(self, view: AlertView, event: NotifyEvent, also: set[str] | None = None) -> None:
        """Send `event` to every channel that accepted a fire notification, and to `also`
        (which from now on count as notified, so that they hear the resolution too)."""
        notified = set(self.notified) | (also or set())
        for channel in view.channels:
            if channel.id in notified:
                if channel.id not in self.notified:
                    self.notified.append(channel.id)
                self.notify(view, channel, event)

    def cancel_firing(self) -> set[str]:
        """Acknowledged or resolved: pending (re)notifications and pages of the firing are moot.
        Returns their recipients: those still in flight may have reached the provider."""
        in_flight = {recipient for task, recipient in self._firing.items() if not task.done()}
        for task in list(self._firing):
            task.cancel()
        return in_flight

    def _held_back(self, result: DeliveryResult) -> None:
        """A fire notice was muted: check again when the reason ends (the earliest reported)."""
        at = mute_check_time(self._state, result.muted_until)
        current = self._state.mute_check_at
        self._state.mute_check_at = at if current is None or at < current else current

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._firing.pop(task, None)

    def busy(self) -> bool:
        return any(not task.done() for task in self._tasks.values())

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    def _start(self, recipient: ChannelRef, request: NotifyInput) -> None:
        previous = self._tasks.get(recipient.id)
        task = asyncio.create_task(self._deliver(previous, recipient, request))
        self._tasks[recipient.id] = task
        if request.event in FIRING:
            self._firing[task] = recipient.id
            task.add_done_callback(self._forget)

    async def _deliver(self, previous: asyncio.Task[None] | None, recipient: ChannelRef, request: NotifyInput) -> None:
        if previous is not None:
            # Keep per-recipient order (a "resolved" never overtakes its "triggered").
            await asyncio.gather(previous, return_exceptions=True)
        verb = "page" if request.user_id else "notify"
        try:
            result = await refs.run(
                refs.NOTIFY_SEND,
                request,
                start_to_close_timeout=self._state.options.notify_attempt_timeout,
                schedule_to_close_timeout=self._state.options.notify_give_up_after,
                retry_policy=DELIVERY_RETRY,
                summary=f"{verb} {recipient.type} '{recipient.name}': {request.event.value}",
            )
        except ActivityError as err:
            if not _permanent(err):
                # Timed out (gave up): the activity could not record that itself.
                await refs.run_local(
                    refs.NOTIFY_ABANDON,
                    AbandonInput(
                        idempotency_key=request.idempotency_key,
                        alert_id=request.alert.alert_id,
                        tenant_id=self._tenant_id,
                        channel_name=recipient.name,
                        reason=str(err.cause or err),
                        at=workflow.now(),
                    ),
                )
            return
        if result.muted and request.event in FIRING:
            self._held_back(result)
        if result.status == "delivered" and request.event in FIRING and request.user_id is None:
            if recipient.id not in self.notified:
                self.notified.append(recipient.id)
