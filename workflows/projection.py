"""How an alert's changes leave its workflow: the PostgreSQL projection (timeline and counters,
written by a local activity) and the Temporal UI (search attributes and current details).

A collaborator of AlertWorkflow: the workflow marks changes (`mark`), its loop writes them
(`flush`), and an update answers once the projection shows its change (`projected_view`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows import activity_refs as refs
    from workflows.payloads import AlertState, AlertStatus, AlertView, RecordInput, TimelineEntry
    from workflows.search_attributes import search_attributes


# Member changes one `alert.record` writes at most (histories recorded before wrote every change of a
# flush in one write; none of them had this many).
MEMBERS_PER_RECORD = 1000
MEMBER_CHUNKS_PATCH = "record-members-in-chunks"


class Projection:
    def __init__(self, tenant_id: str, state: AlertState) -> None:
        self._tenant_id = tenant_id
        self._state = state
        self._entries: list[TimelineEntry] = []
        self.dirty = False
        self.version = state.view.version if state.view is not None else -1  # the version last written

    def mark(self, entry: TimelineEntry | None = None) -> None:
        """The view changed (and, with `entry`, something happened for the timeline)."""
        view = self._view()
        view.version += 1
        if entry is not None:
            self._entries.append(entry)
        self.dirty = True

    def begin(self) -> None:
        """A new incident opens: its timeline starts over."""
        self._entries = []
        self._state.next_seq = 0

    def opened(self, seq: int) -> None:
        """The open activity wrote the view and its first `seq` timeline entries itself."""
        self._state.next_seq = seq
        self.version = self._view().version
        self.show()

    async def flush(self) -> None:
        view = self._view()
        while self.dirty:
            self.dirty = False
            entries, self._entries = self._entries, []
            members = list(self._state.member_changes.values())
            self._state.member_changes = {}
            snapshot = view.model_copy(deep=True)
            if len(members) > MEMBERS_PER_RECORD and workflow.patched(MEMBER_CHUNKS_PATCH):
                # A storm's members in several writes, each well inside the local activity's timeout;
                # the alert row (its counters) only with the last one, so a reader never sees more
                # members counted than listed. These name the version written last: the row stays.
                written = snapshot.model_copy(update={"version": self.version})
                while len(members) > MEMBERS_PER_RECORD:
                    chunk, members = members[:MEMBERS_PER_RECORD], members[MEMBERS_PER_RECORD:]
                    await self._record(RecordInput(view=written, members=chunk))
            if not entries:
                await self._record(RecordInput(view=snapshot, members=members))
            for index, entry in enumerate(entries):
                self._state.next_seq += 1
                batch = members if index == 0 else []
                await self._record(RecordInput(view=snapshot, seq=self._state.next_seq, entry=entry, members=batch))
            self.version = snapshot.version
            self.show()

    async def projected_view(self) -> AlertView:
        """Answer once the projection shows this change, so a read right after sees it."""
        view = self._view()
        target = view.version
        await workflow.wait_condition(lambda: self.version >= target)
        return view.model_copy(deep=True)

    def show(self) -> None:
        """Search attributes (only those that changed: an unchanged upsert still costs a
        visibility write) and the current details of the Temporal UI."""
        view = self._view()
        current = workflow.info().typed_search_attributes
        changed = [
            pair.key.value_set(pair.value)
            for pair in search_attributes(self._tenant_id, view.content, view.status, view.escalation)
            if current.get(pair.key) != pair.value
        ]
        if changed:
            workflow.upsert_search_attributes(changed)
        workflow.set_current_details(details(view))

    async def _record(self, record: RecordInput) -> None:
        await refs.run_local(
            refs.ALERT_RECORD, record, summary=f"project {record.entry.kind if record.entry else 'counters'}"
        )

    def _view(self) -> AlertView:
        assert self._state.view is not None, "alert is not open yet"
        return self._state.view


def _utc(at: datetime | None) -> str:
    """An instant as the API writes it (RFC 3339, UTC, `Z`); workflows cannot import models.timestamps."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z") if at is not None else "?"


def details(view: AlertView) -> str:
    """The alert in a few Markdown lines, for the Temporal UI's current details."""
    lines = [
        f"**{view.content.title}**",
        f"status: {view.status.value} · severity: {view.content.severity.value} · events: {view.event_count}",
        f"alert id: {view.alert_id}",
    ]
    if view.acknowledged_by:
        lines.append(f"acknowledged by {view.acknowledged_by} at {_utc(view.acknowledged_at)}")
    if view.resolved_by:
        lines.append(f"resolved by {view.resolved_by} at {_utc(view.resolved_at)}")
    if view.status == AlertStatus.TRIGGERED and view.next_notification_at:
        lines.append(f"next notification: {_utc(view.next_notification_at)}")
    escalation = view.escalation
    if escalation is not None:
        levels = len(escalation.policy.levels)
        lines.append(f"policy: {escalation.policy.name} · level {escalation.level + 1}/{levels}")
        if escalation.next_escalation_at and view.status == AlertStatus.TRIGGERED:
            lines.append(f"next escalation: {_utc(escalation.next_escalation_at)}")
    return "\n".join(lines)
