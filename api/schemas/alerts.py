"""Alert and event bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from api.schemas.common import Annotations, DedupKey, Description, Labels, Note, RepeatSeconds, Source, Title
from workflows.payloads import AlertStatus, Category, Severity, TargetType

STRICT = ConfigDict(extra="forbid")


class _EventFields(BaseModel):
    """Fields shared by manual alerts and ingest events."""

    model_config = STRICT
    dedup_key: DedupKey | None = Field(
        None, description="Identity of the alert. Default: a hash of the tenant and labels (see docs/api.md)."
    )
    description: Description = ""
    severity: Severity = Severity.MEDIUM
    category: Category = Category.SYSTEM
    source: Source = "api"
    labels: Labels = Field(default_factory=dict)
    annotations: Annotations = Field(default_factory=dict)
    channels: list[UUID] | None = Field(
        None, max_length=50, description="Channel ids to notify; default: the tenant's default channels."
    )
    repeat_interval_seconds: RepeatSeconds | None = Field(None, description="Default 1800 (30 minutes).")
    escalation_policy_id: UUID | None = Field(
        None, description="Escalation policy to follow; default: the tenant's routing, else its default policy."
    )


class AlertBody(_EventFields):
    """A manual alert: always a trigger."""

    title: Title


class AlertCreate(AlertBody):
    pass


class EventIn(_EventFields):
    action: Literal["trigger", "resolve"] = "trigger"
    title: Title | None = Field(None, description="Required to trigger")

    @model_validator(mode="after")
    def _identity(self) -> EventIn:
        if self.action == "trigger" and self.title is None:
            raise ValueError("title is required to trigger an alert")
        if self.action == "resolve" and self.dedup_key is None and not self.labels:
            raise ValueError("a resolve event needs a dedup_key or the labels of the alert")
        return self


class EventBatch(BaseModel):
    model_config = STRICT
    events: list[EventIn] = Field(min_length=1, max_length=1000, description="1 to 1,000 events.")


class EventResult(BaseModel):
    index: int = Field(description="the event's position in the batch")
    key: str = Field(description="the incident's group key (its workflow id is `alert/<tenant>/<key>`)")
    status: Literal["accepted", "ignored", "failed"] = Field(
        description="`accepted`: durably in the ingest inbox. `ignored` and `failed` are no longer given "
        "(kept in the schema for clients written before the inbox)"
    )
    message: str = ""


class EventBatchOut(BaseModel):
    accepted: int = Field(description="results accepted (all of them in a 202)")
    ignored: int = Field(
        description="always 0 since the ingest inbox: a resolve is accepted, and changes nothing if its key has no open incident"
    )
    failed: int = Field(description="always 0: a batch that cannot be stored is not answered with a 202")
    results: list[EventResult]


class AlertUpdate(BaseModel):
    model_config = STRICT
    title: Title | None = None
    description: Description | None = None
    severity: Severity | None = None
    annotations: Annotations | None = None

    @model_validator(mode="before")
    @classmethod
    def _labels_are_identity(cls, data: object) -> object:
        if isinstance(data, dict) and ("labels" in data or "dedup_key" in data):
            raise ValueError("labels and dedup_key are the alert's identity and cannot change")
        return data


class ActionBody(BaseModel):
    model_config = STRICT
    note: Note | None = None


class BulkAction(BaseModel):
    model_config = STRICT
    action: Literal["acknowledge", "resolve", "snooze"]
    alert_ids: list[str] = Field(min_length=1, max_length=500)
    note: Note | None = Field(None, description="Kept on the timeline of an acknowledge or resolve")
    minutes: int | None = Field(
        None, ge=1, le=7 * 24 * 60, description="For `snooze` (required there): re-notify after this long"
    )


class BulkResult(BaseModel):
    id: str
    ok: bool
    status: int
    message: str = ""
    alert_status: AlertStatus | None = None


class BulkOut(BaseModel):
    succeeded: int
    failed: int
    results: list[BulkResult]


class TimelineOut(BaseModel):
    at: datetime
    kind: str
    actor: str | None
    message: str
    details: dict[str, str]


class DeliveryOut(BaseModel):
    id: str
    alert_id: str
    channel_id: str = Field(description="The channel, or the paged user's contact method")
    user_id: str | None = Field(None, description="Set when a person was paged")
    channel_name: str
    channel_type: str
    event: str
    status: str = Field(description="sending, retrying, delivered or failed")
    attempts: int
    last_error: str | None
    provider_status: int | None
    provider_message_id: str | None = Field(None, description="The provider's id: Slack channel/ts, Twilio SID, ...")
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None
    latency_ms: int | None = Field(description="From the first attempt to the provider's acceptance")


class ChannelDeliveries(BaseModel):
    channel_type: str
    channel_id: str
    channel_name: str
    total: int
    delivered: int
    failed: int
    pending: int = Field(description="Still sending or retrying")
    success_rate: float | None = Field(description="delivered / (delivered + failed); null before any outcome")
    latency_p50_ms: float | None
    latency_p95_ms: float | None


class PagedOut(BaseModel):
    id: str
    name: str
    via: str = Field(description='Why: "user", "team SRE", "on call: Primary", "manager of Ann"')


class LevelPageOut(BaseModel):
    level: int
    pass_number: int
    at: datetime
    users: list[PagedOut]
    channels: list[str]
    gaps: list[str] = Field(description="Targets that reached nobody, and why")


class LadderTargetOut(BaseModel):
    type: TargetType
    id: str | None = Field(description="The user, team, schedule or channel; null for `manager`")


class LadderLevelOut(BaseModel):
    level: int = Field(description="1-based")
    delay_seconds: int = Field(description="How long this level waits for an acknowledgement before the next")
    targets: list[LadderTargetOut]


class EscalationOut(BaseModel):
    policy_id: str
    policy_name: str
    reason: str = Field(description="How the alert got this policy")
    level: int = Field(description="Current level, 1-based")
    levels: int
    pass_number: int
    next_escalation_at: datetime | None = Field(description="When the next level is paged if nobody acknowledges")
    exhausted: bool
    ack_timeout_at: datetime | None
    pages: list[LevelPageOut] = Field(description="Who was paged at each level, in order")
    ladder: list[LadderLevelOut] = Field(
        default_factory=list, description="The policy's levels as the alert took them (later edits do not apply)"
    )
    repeat: int = Field(0, description="Extra passes over the whole ladder when nobody acknowledges")


class AlertOut(BaseModel):
    id: str
    dedup_key: str
    title: str
    description: str
    severity: Severity
    category: Category
    source: str
    status: AlertStatus
    labels: dict[str, str]
    annotations: dict[str, str]
    event_count: int
    created_at: datetime
    last_seen: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    next_notification_at: datetime | None
    snoozed_until: datetime | None = None
    escalation: EscalationOut | None = None
    workflow_id: str
    links: dict[str, str]
    firing_members: int = Field(0, description="An incident's members (distinct label sets) firing now; 0 if ungrouped")
    resolved_members: int = Field(0, description="An incident's members that resolved; 0 if ungrouped")


MEMBERS_SHOWN = 100  # members listed in an alert's detail


class MemberOut(BaseModel):
    """One member of an incident: a distinct label set that fires and resolves inside it. Its
    timeline entries are the incident's entries whose `details.member` is its `key`."""

    key: str
    labels: dict[str, str]
    title: str
    status: Literal["firing", "resolved"]
    event_count: int
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None


class MemberPage(BaseModel):
    items: list[MemberOut]
    next_after: str | None = Field(description="Pass as `after` for the next page; null on the last one")


class AlertDetailOut(AlertOut):
    timeline: list[TimelineOut]
    notifications: list[DeliveryOut]
    members: list[MemberOut] = Field(
        default_factory=list,
        description=f"The first {MEMBERS_SHOWN} members by key (all of them: GET /api/v1/alerts/{{id}}/members)",
    )


class AlertPage(BaseModel):
    items: list[AlertOut]
    total: int
    next_cursor: str | None


class Bucket(BaseModel):
    day: str
    count: int


class DurationStats(BaseModel):
    count: int
    mean_seconds: float | None
    p50_seconds: float | None = None
    p90_seconds: float | None


class TrendBucketOut(BaseModel):
    start: datetime = Field(description="The bucket's first instant, with the offset of the statistics' time zone")
    group: str | None = Field(None, description="The `group_by` value (null: no group_by, or the alert has none)")
    count: int = Field(description="Alerts created in the bucket")
    acknowledged: int
    escalated: int = Field(description="Alerts whose escalation reached level 2 or higher")
    time_to_acknowledge: DurationStats
    time_to_resolve: DurationStats


class NoisyAlertOut(BaseModel):
    alert_id: str
    dedup_key: str
    title: str
    event_count: int = Field(description="Events (re-fires included) the incident took in")


class NoisyKeyOut(BaseModel):
    dedup_key: str
    incidents: int = Field(description="Incidents opened under this key in the window")
    events: int


class StatisticsOut(BaseModel):
    since: datetime
    until: datetime
    total: int
    by_status: dict[str, int]
    by_severity: dict[str, int]
    by_category: dict[str, int]
    time_to_acknowledge: DurationStats
    time_to_resolve: DurationStats
    per_day: list[Bucket]
    bucket: str = Field("day", description="The size of `buckets`: hour, day or week")
    group_by: str | None = None
    time_zone: str = Field("UTC", description="The IANA zone of `buckets` (per_day stays in UTC)")
    buckets: list[TrendBucketOut] = Field(
        default_factory=list,
        description="Per bucket (and group when group_by is given), in time order; empty ones left out",
    )
    noisiest_by_refires: list[NoisyAlertOut] = Field(default_factory=list, description="The 10 with most events")
    noisiest_by_incidents: list[NoisyKeyOut] = Field(
        default_factory=list, description="The 10 dedup keys that opened most incidents"
    )
    acknowledgement_rate: float | None = Field(None, description="Acknowledged / all (null: no alert)")
    escalation_rate: float | None = Field(None, description="Escalated to level 2 or higher / all (null: no alert)")
    deliveries: list[ChannelDeliveries] = Field(
        default_factory=list,
        description="Delivery outcomes per channel (pages to people: per contact-method type) for deliveries begun in the window",
    )


class SnoozeBody(BaseModel):
    model_config = STRICT
    minutes: int = Field(ge=1, le=7 * 24 * 60, description="Re-notify (and climb again) after this long")


class EscalateBody(BaseModel):
    model_config = STRICT
    level: int | None = Field(None, ge=1, description="1-based level to page now; default: the next one")


class ReassignBody(BaseModel):
    model_config = STRICT
    user_id: str | None = None
    policy_id: str | None = None

    @model_validator(mode="after")
    def _one(self) -> ReassignBody:
        if (self.user_id is None) == (self.policy_id is None):
            raise ValueError("give exactly one of user_id or policy_id")
        return self


class NoteBody(BaseModel):
    model_config = STRICT
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
