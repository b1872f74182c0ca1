"""Types that cross the workflow boundary (inputs, signals, updates, activity arguments).

Every field added later must have a default, so that histories recorded by older code
still decode. Secrets never appear here: activities load them by id.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer, model_validator

from workflows import member_table


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


class Category(StrEnum):
    SYSTEM = "system"
    APPLICATION = "application"
    BUSINESS = "business"
    SECURITY = "security"


class AlertStatus(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class NotifyEvent(StrEnum):
    TRIGGERED = "triggered"
    RENOTIFIED = "renotified"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    ESCALATED = "escalated"


class AlertContent(BaseModel):
    """What an event says about the alert (its labels are its identity)."""

    title: str
    description: str = ""
    severity: Severity = Severity.MEDIUM
    category: Category = Category.SYSTEM
    source: str = "api"
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    # From Alertmanager's API (POST /api/v2/alerts): the alert's source link and when its source says it began.
    generator_url: str = ""
    starts_at: datetime | None = None


MAX_ANNOTATIONS = 64  # an alert's annotations at most: the API's cap (models.selectors.MAX_LABELS)


def with_incident_annotations(annotations: dict[str, str], incident: dict[str, str]) -> dict[str, str]:
    """A new dict: `annotations` with each name of `incident` set to its value, or removed where it is
    empty; a name it does not have yet is added only while it holds fewer than MAX_ANNOTATIONS."""
    merged = dict(annotations)
    for name, value in incident.items():
        if not value:
            merged.pop(name, None)
        elif name in merged or len(merged) < MAX_ANNOTATIONS:
            merged[name] = value
    return merged


class Grouping(BaseModel):
    """Where the routing tree put an event (noise/routing.py): its route and its group (incident).

    Absent (`AlertOptions.grouping is None`) in events recorded before routing trees: those alerts
    are one label set each and notify at once."""

    route_key: str = "{}"  # Alertmanager's route key: `{}` the root, `{}/{team="db"}` a child
    group_labels: dict[str, str] = Field(default_factory=dict)  # the values of the route's group_by
    group_wait: timedelta = timedelta(0)  # first notification of a new incident waits this long
    group_interval: timedelta = timedelta(minutes=5)  # at most one update of changed members per interval
    policy_id: str | None = None  # the route's escalation policy (None: the tenant default)
    channel_ids: list[str] | None = None  # the route's channels (None: the tenant's default channels)
    mute_time_intervals: list[str] = Field(default_factory=list)  # names (time_intervals table)
    active_time_intervals: list[str] = Field(default_factory=list)


class AlertOptions(BaseModel):
    """How the alert behaves; fixed when it opens."""

    channel_ids: list[str] | None = None  # None: the tenant's default channels
    repeat_interval: timedelta = timedelta(minutes=30)
    notify_attempt_timeout: timedelta = timedelta(seconds=30)
    notify_give_up_after: timedelta = timedelta(hours=1)
    # 0: continue-as-new when the server suggests it; >0: also after that many events
    # in one run (keeps flapping alerts' histories short, and lets tests force it).
    max_events_per_run: int = 0
    policy_id: str | None = None  # None: the tenant's routing, else its default policy
    grouping: Grouping | None = None  # None: recorded before routing trees (one label set, at once)


class FireEvent(BaseModel):
    """An occurrence of the alert's condition (signal `fire`, or the update of the same name)."""

    action: Literal["trigger", "resolve", "acknowledge"] = "trigger"  # acknowledge: the whole incident (PagerDuty's)
    content: AlertContent | None = None  # required for trigger
    options: AlertOptions = Field(default_factory=AlertOptions)
    received_at: datetime
    actor: str = "api"
    # The member of the incident this event is about: `labels_key` of its labels. None: the whole
    # incident (a dedup_key-only resolve) or an event recorded before incidents had members.
    member_key: str | None = None
    # A trigger: this member resolves at `ends_at` unless an event re-sends it (Alertmanager's endsAt /
    # resolve_timeout). A resolve: when the source says it ended. None: it fires until resolved.
    ends_at: datetime | None = None
    # What the event says of its incident rather than of its alert (Alertmanager's `truncatedAlerts` of a
    # notification): a trigger or a resolve sets these annotations on its open incident (an empty value
    # removes one; `with_incident_annotations`). Empty in events recorded before the field.
    incident_annotations: dict[str, str] = Field(default_factory=dict)


class FireBatch(BaseModel):
    """Events of one key, in order, as one signal (`fire_batch`). From the ingest inbox
    (models/inbox.py) it names its drain cycle and its chunk within it: an incident that already
    took (cycle, chunk) skips a copy re-sent by a retried cycle."""

    events: list[FireEvent]
    cycle: int | None = None
    chunk: int = 0


class TimelineEntry(BaseModel):
    kind: str
    at: datetime
    actor: str | None = None
    message: str = ""
    details: dict[str, str] = Field(default_factory=dict)


class ChannelRef(BaseModel):
    id: str
    name: str
    type: str


TargetType = Literal["user", "team", "schedule", "manager", "channel"]


class EscalationTarget(BaseModel):
    type: TargetType
    id: str | None = None  # None only for `manager` (of whoever the previous level paged)


class EscalationLevel(BaseModel):
    targets: list[EscalationTarget]
    delay: timedelta  # how long this level waits for an acknowledgement before the next


class PolicySnapshot(BaseModel):
    """The escalation policy as it was when the alert started (edits affect new alerts)."""

    id: str
    name: str
    levels: list[EscalationLevel]
    repeat: int = 0  # extra passes over the whole ladder
    ack_timeout: timedelta | None = None  # acknowledged but unresolved this long: re-trigger


class PolicyChoice(BaseModel):
    policy: PolicySnapshot | None
    reason: str  # "explicit", "route 2 (severity=critical)", "tenant default", ...


class PageRule(BaseModel):
    """One personal notification rule of a paged user: this contact method, after this delay."""

    contact_method_id: str
    type: str
    delay: timedelta = timedelta(0)


class PagedUser(BaseModel):
    id: str
    name: str
    via: str  # why they were paged: "user", "team SRE", "schedule Primary", "manager of Bob"
    rules: list[PageRule] = Field(default_factory=list)


class ResolvedLevel(BaseModel):
    users: list[PagedUser] = Field(default_factory=list)
    channels: list[ChannelRef] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)  # targets that yielded nobody, and why
    # When the level reaches nobody: the tenant's default channels, to be told instead.
    fallback_channels: list[ChannelRef] = Field(default_factory=list)


class ResolveLevelInput(BaseModel):
    tenant_id: str
    level: EscalationLevel
    previous_user_ids: list[str] = Field(default_factory=list)
    at: datetime  # workflow time: who is on call *then*
    due_at: datetime | None = None  # when the level fell due (None: run by hand), for the lateness metric


class ChoosePolicyInput(BaseModel):
    tenant_id: str
    policy_id: str | None = None
    user_id: str | None = None  # reassignment to one person: a one-level policy paging them
    content: AlertContent | None = None  # for routing when no policy is named
    grouping: Grouping | None = None  # the route the alert took (its policy when none is named)


class LevelPage(BaseModel):
    """Who one run of a level paged (the alert's "who was paged at each level")."""

    level: int  # 1-based, as people count
    loop: int  # 1-based pass over the ladder
    at: datetime
    users: list[PagedUser] = Field(default_factory=list)
    channels: list[ChannelRef] = Field(default_factory=list)
    gaps: list[str] = Field(default_factory=list)


class ScheduledPage(BaseModel):
    """A personal notification rule that is not due yet (cancelled by acknowledgement)."""

    due_at: datetime
    step: int
    user: PagedUser
    rule: PageRule
    event: NotifyEvent


class Escalation(BaseModel):
    """Where the alert is on its ladder. Indexes are 0-based; the API shows them 1-based."""

    policy: PolicySnapshot
    reason: str = ""
    level: int = 0
    loop: int = 0
    run_level: int | None = 0  # a level to run at the next turn of the loop
    step: int = 0  # level runs so far: part of every page's idempotency key
    next_escalation_at: datetime | None = None
    exhausted: bool = False
    ack_timeout_at: datetime | None = None
    pages: list[LevelPage] = Field(default_factory=list)
    scheduled: list[ScheduledPage] = Field(default_factory=list)
    # Did a level of this pass reach anybody? None: not known (no level of the pass ran yet, or
    # the alert started before this was tracked); False ends the ladder at the end of the pass.
    pass_reached: bool | None = None
    empty_levels: list[int] = Field(default_factory=list)  # 1-based levels whose emptiness is recorded


class AlertView(BaseModel):
    """The live state of one alert, as the workflow knows it."""

    alert_id: str
    workflow_id: str
    tenant_id: str
    key: str
    status: AlertStatus
    content: AlertContent
    event_count: int
    first_seen: datetime
    last_seen: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    next_notification_at: datetime | None = None
    notify_cycle: int = 0
    version: int = 0
    channels: list[ChannelRef] = Field(default_factory=list)
    escalation: Escalation | None = None
    snoozed_until: datetime | None = None  # an acknowledged alert re-triggers then
    # An incident's members (distinct label sets) by state; both 0 for alerts opened before incidents.
    firing_members: int = 0
    resolved_members: int = 0
    group_labels: dict[str, str] = Field(default_factory=dict)  # the values of its route's group_by


class MemberRecord(BaseModel):
    """One member of an incident as the projection stores it (table `alert_members`).

    `transitions` counts its fire/resolve changes in this incident (odd: firing), so a retried
    write and its timeline entry are written once."""

    key: str  # labels_key of its labels (FireEvent.member_key)
    labels: dict[str, str] = Field(default_factory=dict)
    title: str = ""
    firing: bool
    transitions: int
    at: datetime  # when this change happened (first seen for the first fire)
    events: int = 1  # events of this member so far in this incident
    # Alertmanager's fields (alerts posted to /api/v2/alerts): kept for GET /api/v2/alerts.
    annotations: dict[str, str] = Field(default_factory=dict)
    generator_url: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None  # firing: when it expires unless re-sent; resolved: when it ended


class AlertState(BaseModel):
    """Everything one incident's workflow knows, in one object, carried whole through
    continue-as-new (`AlertStart.carried`).

    The fields marked `exclude=True` belong to one run: they are never serialised, and they are
    empty whenever the workflow continues as new. The others keep the names that histories
    recorded before this type existed carry.
    """

    view: AlertView | None = None  # None until the first event has opened the alert
    options: AlertOptions = Field(default_factory=AlertOptions)
    notified_channel_ids: list[str] = Field(default_factory=list)  # channels that accepted a fire
    next_seq: int = 0  # timeline sequence, unique per alert across runs
    reopen_with: FireEvent | None = None  # a trigger that arrived while resolving: the next incident
    reopen_extra_events: int = 0  # triggers that arrived before the open finished (or after `reopen_with`)
    # Events that arrived, in order, after a resolve that the next incident has yet to take in (a
    # resolve and what followed it, while this incident closes or before the next one opens): the
    # next incident applies them as soon as it is open, so a flapping key never loses its last word.
    backlog: list[FireEvent] = Field(default_factory=list)
    # The incident's members: member key → fire/resolve changes so far (odd: firing), and the
    # members changed since the projection last wrote them (grouped alerts only).
    members: dict[str, int] = Field(default_factory=dict)
    member_changes: dict[str, MemberRecord] = Field(default_factory=dict)
    member_events: dict[str, int] = Field(default_factory=dict)  # events per member this incident
    # `members` and `member_events` as continue-as-new carries them (workflows/member_table.py): a third
    # of the size (10,000 members: 265 kB, not 740 kB). Written by the serialiser, read into the two
    # maps by the validator; None when there are no members, or in histories recorded before.
    members_packed: str | None = None
    # Firing members that resolve by themselves unless re-sent (FireEvent.ends_at): member key → when.
    member_expiry: dict[str, datetime] = Field(default_factory=dict)
    group_notified_at: datetime | None = None  # the last notice to the incident's channels (group_interval)
    group_wait_policy: PolicyChoice | None = None  # chosen at open, the ladder starts after group_wait
    inbox_seen: tuple[int, int] | None = None  # the last (drain cycle, chunk) taken from the ingest inbox
    # The last fire notice was held back (silence, maintenance, time interval, inhibition): the
    # ladder holds, and at `mute_check_at` (when that ends, or a group_interval later when unknown)
    # the incident notifies again and its ladder starts over.
    mute_check_at: datetime | None = None
    # This run only:
    pending_first: FireEvent | None = Field(default=None, exclude=True)  # the first trigger, until opened
    opened: bool = Field(default=False, exclude=True)  # opened, channels told, policy chosen
    events_this_run: int = Field(default=0, exclude=True)

    @model_validator(mode="after")
    def _unpack_members(self) -> AlertState:
        if self.members_packed is not None:
            members, events, expiry = member_table.unpack(self.members_packed)
            self.members = members | self.members
            self.member_events = events | self.member_events
            self.member_expiry = expiry | self.member_expiry
            self.members_packed = None
        return self

    @model_serializer(mode="wrap")
    def _pack_members(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if self.members and "members" in data:
            data["members_packed"] = member_table.pack(self.members, self.member_events, self.member_expiry)
            data["members"], data["member_events"] = {}, {}
            # Expiries of keys that are members travel in the table; any other (none expected) as before.
            data["member_expiry"] = {
                key: value for key, value in data.get("member_expiry", {}).items() if key not in self.members
            }
        return data


class AlertStart(BaseModel):
    tenant_id: str
    key: str
    carried: AlertState | None = None


class AcknowledgeRequest(BaseModel):
    alert_id: str
    actor: str
    note: str | None = None


class ResolveRequest(BaseModel):
    alert_id: str
    actor: str
    note: str | None = None


class SnoozeRequest(BaseModel):
    alert_id: str
    actor: str
    duration: timedelta


class EscalateRequest(BaseModel):
    alert_id: str
    actor: str
    level: int | None = None  # 1-based; None: the next level


class ReassignRequest(BaseModel):
    alert_id: str
    actor: str
    user_id: str | None = None
    policy_id: str | None = None


class NoteRequest(BaseModel):
    alert_id: str
    actor: str
    text: str


class EditRequest(BaseModel):
    alert_id: str
    actor: str
    title: str | None = None
    description: str | None = None
    severity: Severity | None = None
    annotations: dict[str, str] | None = None


class OpenAlertInput(BaseModel):
    view: AlertView
    channel_ids: list[str] | None
    entry: TimelineEntry
    policy_id: str | None = None  # named by the alert; else routing, else the tenant default
    # AlertOptions.grouping: the route's policy and channels. None (workflows that do not pass it yet,
    # events queued before routing trees): the open activity walks the tree for the alert's key.
    grouping: Grouping | None = None
    members: list[MemberRecord] = Field(default_factory=list)  # the first member of a grouped incident


class OpenedAlert(BaseModel):
    channels: list[ChannelRef]
    policy: PolicyChoice


class RecordInput(BaseModel):
    """A projection write: the alert row as of `view.version`, plus an optional timeline entry,
    plus the members that changed (each with its own timeline entry)."""

    view: AlertView
    seq: int | None = None
    entry: TimelineEntry | None = None
    members: list[MemberRecord] = Field(default_factory=list)


class NotifyInput(BaseModel):
    """One notification: to a channel, or (user_id set) to a user's contact method `channel_id`."""

    idempotency_key: str
    channel_id: str
    event: NotifyEvent
    alert: AlertView
    user_id: str | None = None
    # Where the routing tree put the alert (its `AlertOptions.grouping`): the route's mute / active time
    # intervals. None: no route placed it (or recorded before this field), so no time interval applies.
    grouping: Grouping | None = None


class DeliveryResult(BaseModel):
    status: Literal["delivered", "skipped"]
    provider_status: int | None = None
    attempts: int = 1
    # A fire notice a silence, maintenance window, time interval or inhibition held back (status
    # skipped), and when that ends at the latest (None: unknown, e.g. inhibition).
    muted: bool = False
    muted_until: datetime | None = None


class AbandonInput(BaseModel):
    idempotency_key: str
    alert_id: str
    tenant_id: str
    channel_name: str
    reason: str
    at: datetime


class DrainResult(BaseModel):
    """One ingest inbox drain cycle (activity `inbox.drain`)."""

    cycle: int | None = None  # None: the inbox was empty
    events: int = 0
    incidents: int = 0  # distinct keys signalled
    more: bool = False  # events were left for the next cycle


class MuteCheckInput(BaseModel):
    """Whether an incident's fire notices are still held back (local activity `notify.muted`)."""

    alert: AlertView
    grouping: Grouping | None = None


class MuteCheck(BaseModel):
    muted: bool
    until: datetime | None = None  # when what holds it back ends at the latest (None: unknown)
    reason: str = ""
