"""Herald's PostgreSQL tables. Every row carries its tenant.

`alerts`, `alert_events` and `notifications` are the query projection written by
activities; the rest is configuration owned by the API.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Interval,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from workflows.ids import TENANT_ID

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSONB, datetime: DateTime(timezone=True)}


class Tenant(Base):
    __tablename__ = "tenants"
    # The alphabet of workflows.ids.TENANT_ID: ids built from a tenant id can never collide.
    __table_args__ = (CheckConstraint(f"id ~ '{TENANT_ID.pattern}'", name="id_alphabet"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The policy an alert follows when none is named and no route matches.
    default_policy_id: Mapped[str | None] = mapped_column(String(36), default=None)
    # The longest a silence may last in this tenant; None: the global HERALD_MAX_SILENCE_DAYS (its ceiling).
    max_silence_duration: Mapped[timedelta | None] = mapped_column(Interval, default=None)
    # Alertmanager API v2 (POST /api/v2/alerts): how long an alert posted without endsAt fires unless
    # re-sent (None: 5 minutes, Alertmanager's default), and `severity` label value → Herald severity
    # (None: amapi.mapping.DEFAULT_SEVERITY_MAP).
    resolve_timeout: Mapped[timedelta | None] = mapped_column(Interval, default=None)
    severity_map: Mapped[dict[str, str] | None] = mapped_column(JSONB, default=None)
    # Resolved alerts older than this many days are deleted (None: HERALD_RETENTION_DAYS); see models/retention.py.
    retention_days: Mapped[int | None] = mapped_column(Integer, default=None)
    # The IANA zone of day and week buckets in statistics.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # Audit log rows older than this many days are deleted by the retention pass (apart from alerts').
    audit_retention_days: Mapped[int] = mapped_column(Integer, default=365, server_default="365")
    # The repeat interval of an alert whose route (and its parents) set none (None: the routing tree's
    # default, 4h); see noise/route_store.py.
    default_repeat_interval: Mapped[timedelta | None] = mapped_column(Interval, default=None)
    # Set by a platform admin: the tenant's keys, sessions and ingest doors are refused, its rules and
    # heartbeats are not evaluated; nothing is deleted (models/tenants.py). None: enabled.
    disabled_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)  # None: never
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)  # to the minute (see touch_key)
    # the person the key belongs to (their shifts in the console, their name in the audit log); None: a service key
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", name="fk_api_keys_user_id_users"), index=True, default=None
    )


class ConsoleSession(Base):
    """A web console sign-in: the cookie's SHA-256 digest (the cookie itself is never stored), the key it
    was exchanged for, and the CSRF token its writes must echo. Ends at `expires_at` (fixed), on sign-out
    (`revoked_at`), or with its key."""

    __tablename__ = "console_sessions"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    api_key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Channel(Base):
    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_channels_tenant_name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(32))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)  # never holds the secret
    secret: Mapped[str | None] = mapped_column(Text, default=None)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Alert(Base):
    """Projection of one incident (one AlertWorkflow chain, id = its first run id)."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_tenant_created", "tenant_id", "created_at"),
        Index("ix_alerts_tenant_status", "tenant_id", "status"),
        Index("ix_alerts_labels", "labels", postgresql_using="gin"),
        Index("ix_alerts_tenant_change_seq", "tenant_id", "change_seq"),
        # Retention finds a tenant's oldest resolved alerts (models/retention.py).
        Index("ix_alerts_tenant_resolved_at", "tenant_id", "resolved_at", postgresql_where=text("status = 'resolved'")),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    workflow_id: Mapped[str] = mapped_column(String(1000))
    dedup_key: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(100))
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    annotations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16))
    event_count: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime]
    last_seen: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by: Mapped[str | None] = mapped_column(String(200), default=None)
    next_notification_at: Mapped[datetime | None] = mapped_column(default=None)
    notify_cycle: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    escalation_policy_id: Mapped[str | None] = mapped_column(String(64), default=None)
    escalation_level: Mapped[int | None] = mapped_column(Integer, default=None)  # 1-based
    next_escalation_at: Mapped[datetime | None] = mapped_column(default=None)
    escalation: Mapped[dict[str, Any] | None] = mapped_column(JSONB, default=None)  # the workflow's Escalation
    channel_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)  # the channels it notifies
    snoozed_until: Mapped[datetime | None] = mapped_column(default=None)
    firing_members: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # 0: not grouped
    resolved_members: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    # The next number of `alerts_change_seq` on every write (models/projection.py): the live stream's cursor.
    change_seq: Mapped[int] = mapped_column(BigInteger, server_default=text("nextval('alerts_change_seq')"))


class AlertMember(Base):
    """One member of an incident: a distinct label set that fires and resolves inside it."""

    __tablename__ = "alert_members"
    __table_args__ = (Index("ix_alert_members_labels", "labels", postgresql_using="gin"),)
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # labels_key of its labels
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    title: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))  # firing | resolved
    transitions: Mapped[int] = mapped_column(Integer)  # fire/resolve changes (odd: firing); writes only go forward
    event_count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    # Alertmanager's fields of alerts posted to /api/v2/alerts (empty for other sources).
    annotations: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'::jsonb"))
    generator_url: Mapped[str] = mapped_column(Text, default="", server_default="")
    starts_at: Mapped[datetime | None] = mapped_column(default=None)
    ends_at: Mapped[datetime | None] = mapped_column(default=None)  # firing: expiry; resolved: when it ended


class AlertEvent(Base):
    """Timeline entry: a transition or a delivery attempt, with who / what / when."""

    __tablename__ = "alert_events"
    __table_args__ = (
        UniqueConstraint("alert_id", "dedup", name="uq_alert_events_alert_dedup"),
        Index("ix_alert_events_alert_at", "alert_id", "at"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    alert_id: Mapped[str] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    dedup: Mapped[str] = mapped_column(String(400))  # makes activity retries idempotent
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(200), default=None)
    message: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Notification(Base):
    """One delivery (all attempts of one notification to one channel)."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_alert", "alert_id"),
        Index("ix_notifications_tenant_created", "tenant_id", "created_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    alert_id: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(36))  # or the contact method's id for a page
    user_id: Mapped[str | None] = mapped_column(String(36), default=None)  # set when a person was paged
    channel_name: Mapped[str] = mapped_column(String(200))
    channel_type: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(1200), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # sending, retrying, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    provider_status: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    latency_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    provider_message_id: Mapped[str | None] = mapped_column(String(200), default=None)
    # The last attempt's time, so that a list of deliveries can show when each was last tried.
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class User(Base):
    """A responder. Contact methods and notification rules are small lists kept as JSON."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "email", name="uq_users_tenant_email"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32), default=None)
    slack_user_id: Mapped[str | None] = mapped_column(String(32), default=None)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    manager_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    contact_methods: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    notification_rules: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_teams_tenant_name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    member_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)  # ordered user ids
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Schedule(Base):
    """An on-call schedule: `spec` is a models.oncall.ScheduleSpec (zone, layers, restrictions)."""

    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_schedules_tenant_name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class CalendarFeed(Base):
    """A secret calendar URL (`/api/v1/calendar/<token>.ics`) of one schedule or one person's shifts:
    exactly one of the two, one feed each; only the token's SHA-256 digest is stored. Revoked by deleting it."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (CheckConstraint("(schedule_id IS NULL) <> (user_id IS NULL)", name="one_subject"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    schedule_id: Mapped[str | None] = mapped_column(
        ForeignKey("schedules.id", ondelete="CASCADE"), unique=True, default=None
    )
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True, default=None)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ScheduleOverride(Base):
    __tablename__ = "schedule_overrides"
    __table_args__ = (Index("ix_schedule_overrides_schedule_end", "schedule_id", "ends_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    schedule_id: Mapped[str] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class EscalationPolicy(Base):
    """`levels` is a list of workflows.payloads.EscalationLevel (delays in seconds)."""

    __tablename__ = "escalation_policies"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_escalation_policies_tenant_name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    repeat: Mapped[int] = mapped_column(Integer, default=0)
    ack_timeout_seconds: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class RoutingTree(Base):
    """A tenant's routing tree (noise/routing.py `RouteSpec` as JSON); `version` grows by one per write."""

    __tablename__ = "routing_trees"
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    tree: Mapped[dict[str, Any]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Template(Base):
    """Jinja2 text for one channel type; the most specific match (events, severities, categories) wins."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_templates_tenant_name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    channel_type: Mapped[str] = mapped_column(String(32))
    events: Mapped[list[str]] = mapped_column(JSONB, default=list)  # empty: every event
    severities: Mapped[list[str]] = mapped_column(JSONB, default=list)  # empty: any
    categories: Mapped[list[str]] = mapped_column(JSONB, default=list)  # empty: any
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class Silence(Base):
    """Mutes the fire notices of alerts whose labels its matchers all match, from `starts_at` to
    `ends_at` (Alertmanager's silence). `matchers` holds each matcher's canonical text
    (noise.matchers); an expired silence is kept (its `ends_at` is when it stopped)."""

    __tablename__ = "silences"
    __table_args__ = (
        Index("ix_silences_tenant_ends", "tenant_id", "ends_at"),
        CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    matchers: Mapped[list[str]] = mapped_column(JSONB)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(Text, default="")
    # Expires (ends_at set to that moment) once it has matched a firing alert member and none matches it any more.
    expire_when_resolved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    matched_at: Mapped[datetime | None] = mapped_column(default=None)  # when it first matched a firing member
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class InhibitRule(Base):
    """While an alert matching `source_matchers` fires, the alerts matching `target_matchers` that
    share its values of the `equal` labels send no fire notices (Alertmanager's inhibit rule).
    Matchers are stored as canonical text (noise.matchers)."""

    __tablename__ = "inhibit_rules"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    source_matchers: Mapped[list[str]] = mapped_column(JSONB)
    target_matchers: Mapped[list[str]] = mapped_column(JSONB)
    equal: Mapped[list[str]] = mapped_column(JSONB, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class MaintenanceWindow(Base):
    """A one-off window (PagerDuty's maintenance window) from `starts_at` to `ends_at` during which
    the alerts its matchers all match (no matchers: every alert of the tenant) send no fire notices;
    they are still recorded. `matchers` holds each matcher's canonical text (noise.matchers); an
    ended window is kept (its `ends_at` is when it stopped)."""

    __tablename__ = "maintenance_windows"
    __table_args__ = (
        Index("ix_maintenance_windows_tenant_ends", "tenant_id", "ends_at"),
        CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    matchers: Mapped[list[str]] = mapped_column(JSONB)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class TimeInterval(Base):
    """A named Alertmanager `time_interval` (noise.time_intervals): routes mute or activate by name."""

    __tablename__ = "time_intervals"
    __table_args__ = (UniqueConstraint("tenant_id", "name", name="uq_time_intervals_tenant_name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    time_intervals: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)  # Alertmanager's list of TimeInterval
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class IngestInbox(Base):
    """Events accepted by the API and not yet handed to their incidents' workflows (models/inbox.py).

    A row is written in the request's transaction (so a 2xx means durable) and deleted once the
    drain has signalled it; `cycle` marks the drain cycle that claimed it (null: not yet claimed)."""

    __tablename__ = "ingest_inbox"
    __table_args__ = (Index("ix_ingest_inbox_cycle_id", "cycle", "id"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))  # the incident's group key
    event: Mapped[dict[str, Any]] = mapped_column(JSONB)  # a FireEvent, as JSON
    cycle: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Integration(Base):
    """A door that speaks another tool's protocol (models/integrations.py): a PagerDuty Events API v2
    integration key (`routing_key`, stored as its SHA-256 digest and a display prefix) or an
    Alertmanager webhook's settings. Its labels are added to every event that comes through it."""

    __tablename__ = "integrations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # pagerduty | alertmanager
    prefix: Mapped[str | None] = mapped_column(String(16), default=None)  # None: no key (alertmanager)
    key_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    escalation_policy_id: Mapped[str | None] = mapped_column(String(36), default=None)
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    group_by: Mapped[str] = mapped_column(String(16), default="groupKey")  # alertmanager: groupKey | fingerprint
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class ChangeEvent(Base):
    """A PagerDuty change event (`POST /v2/change/enqueue`): a deploy, a config push... kept on the
    tenant's change timeline (`GET /api/v1/change-events`); it opens no alert."""

    __tablename__ = "change_events"
    __table_args__ = (Index("ix_change_events_tenant_timestamp", "tenant_id", "timestamp", "id"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    integration_id: Mapped[str | None] = mapped_column(String(36), default=None)
    summary: Mapped[str] = mapped_column(String(1024))
    source: Mapped[str | None] = mapped_column(String(1024), default=None)
    timestamp: Mapped[datetime]
    custom_details: Mapped[dict[str, Any] | None] = mapped_column(JSONB, default=None)
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())


class AuditEntry(Base):
    """One change to configuration or one action on an alert, written in the transaction of the change
    (models/audit.py). `before` / `after` are JSON with secrets masked, each at most
    models.audit.MAX_JSON_BYTES (else `{"truncated": true, ...}` and `truncated` is set)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_tenant_at", "tenant_id", "at", "id"),
        Index("ix_audit_log_tenant_resource", "tenant_id", "resource", "resource_id", "at"),
        Index("ix_audit_log_tenant_key", "tenant_id", "key_id", "at"),
        Index("ix_audit_log_tenant_user", "tenant_id", "user_id", "at"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(server_default=func.clock_timestamp())
    # Who: the API key (id and name as they were), its person, and the door (api-key, console, slack).
    key_id: Mapped[str | None] = mapped_column(String(36), default=None)
    key_name: Mapped[str | None] = mapped_column(String(200), default=None)
    user_id: Mapped[str | None] = mapped_column(String(36), default=None)
    via: Mapped[str] = mapped_column(String(16))
    actor_detail: Mapped[str | None] = mapped_column(String(200), default=None)  # e.g. the Slack user
    # From where.
    client_address: Mapped[str | None] = mapped_column(String(64), default=None)
    request_id: Mapped[str | None] = mapped_column(String(128), default=None)
    # What.
    resource: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(200), default=None)
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[Any | None] = mapped_column(JSONB, default=None)
    after: Mapped[Any | None] = mapped_column(JSONB, default=None)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
