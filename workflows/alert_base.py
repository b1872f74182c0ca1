"""State and projection shared by AlertWorkflow and its escalation handlers.

Split from workflows/alert.py to keep each module to one purpose: this one holds the alert's
state, its search attributes, and how changes reach the projection.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributePair

with workflow.unsafe.imports_passed_through():
    from workflows import activity_refs as refs
    from workflows import escalation as ladder
    from workflows.deliveries import Deliveries
    from workflows.payloads import (
        AlertContent,
        AlertOptions,
        AlertStart,
        AlertStatus,
        AlertView,
        CarriedState,
        Escalation,
        FireEvent,
        NotifyEvent,
        RecordInput,
        TimelineEntry,
    )


TENANT = SearchAttributeKey.for_keyword("HeraldTenant")
STATUS = SearchAttributeKey.for_keyword("HeraldStatus")
SEVERITY = SearchAttributeKey.for_keyword("HeraldSeverity")
CATEGORY = SearchAttributeKey.for_keyword("HeraldCategory")
LEVEL = SearchAttributeKey.for_int("HeraldLevel")
RULE = SearchAttributeKey.for_keyword("HeraldRule")  # set at start on alerts raised by a rule

# Histories recorded before escalation policies existed replay without choosing one.
ESCALATION_PATCH = "escalation-policies"
# Acknowledged / resolved notices also go to channels whose fire notification was still in
# flight (it may have reached the provider just before it was cancelled).
IN_FLIGHT_PATCH = "tell-in-flight-channels"

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


class AlertBase:
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
        await refs.run_local(
            refs.ALERT_RECORD, record, summary=f"project {record.entry.kind if record.entry else 'counters'}"
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

    def _end_firing(self) -> set[str]:
        """Cancel the firing's deliveries; the channels that must still hear how it ended
        (their fire notification was in flight). Task cancellation emits its commands on the
        loop's next step, so the patch marker still precedes them, as in recorded histories."""
        in_flight = self._deliveries.cancel_firing()
        if in_flight and workflow.patched(IN_FLIGHT_PATCH):
            return in_flight
        return set()
