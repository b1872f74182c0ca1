"""The notify activity: deliver one notification to one channel, exactly as far as we can.

Per attempt: lock the delivery row (skip if it is already delivered, so a retried or
replayed activity never sends twice once a success is recorded), send, record the
outcome in the deliveries table and the alert's timeline. The window that remains — the
provider accepted but the worker died before the commit — is covered by the
`Idempotency-Key`, identical on every attempt.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from channels.base import (
    ChannelTarget,
    DeliveryError,
    Links,
    Members,
    Message,
    PermanentDeliveryError,
    RetryableDeliveryError,
    Sender,
    Sent,
    members_listed,
)
from channels.render import TemplateText, context, in_render_thread, render_or_built_in
from models.alert_queries import firing_member_labels, notice_members
from models.channels import get_channel, provider_channel
from models.contacts import contact_config
from models.crud import get_row
from models.deliveries import (
    begin_attempt,
    finish_attempt,
    fire_may_have_reached,
    get_delivery,
    previous_message_id,
)
from models.projection import add_timeline_entry
from models.secrets import SecretBox
from models.tables import User
from models.templates import template_for
from models.timestamps import utc_text
from noise.muting import MEMBERS_CHECKED, Muted, active_noise, muting
from telemetry.metrics import DELIVERY_ATTEMPTS, DELIVERY_LATENCY, NOTIFICATIONS
from workflows import activity_refs as refs
from workflows.ids import alert_api_link, alert_dashboard_link, temporal_ui_link
from workflows.payloads import (
    AbandonInput,
    AlertView,
    DeliveryResult,
    Grouping,
    MuteCheck,
    MuteCheckInput,
    NotifyEvent,
    NotifyInput,
    TimelineEntry,
)

EDITS_IN_PLACE = {"slack"}  # channel types whose sender edits the alert's previous message
log = logging.getLogger("herald.notify")


def delivery_failure(reason: str, *, permanent: bool, retry_after: timedelta | None = None) -> ApplicationError:
    """A delivery that failed as a provider answered (or could not be reached) is an expected
    outcome, not a fault of the worker: Temporal's BENIGN category keeps the SDK from logging a
    traceback per attempt (it logs at DEBUG); `log_failed_attempt` says it in one line instead."""
    return ApplicationError(
        reason,
        type="PermanentDeliveryError" if permanent else "RetryableDeliveryError",
        non_retryable=permanent,
        next_retry_delay=retry_after,
        category=ApplicationErrorCategory.BENIGN,
    )


def log_failed_attempt(
    request: NotifyInput, to: str, attempt: int, reason: str, *, permanent: bool, channel_type: str = "none"
) -> None:
    """One line per failed attempt: what, to whom, which attempt, why, and what happens next (as JSON
    fields too with `HERALD_LOG_FORMAT=json`: alert_id, channel_type, event, attempt, outcome, plus the
    workflow id from the activity's context). Counts the attempt in `herald_notifications_total`."""
    NOTIFICATIONS.labels(channel_type, "failed" if permanent else "retrying").inc()
    what = (
        f"{request.event.value} page of user {request.user_id}" if request.user_id else f"{request.event.value} notice"
    )
    outcome = "failed permanently" if permanent else "failed, will retry"
    why = " ".join(reason.split())  # one line, whatever the provider answered
    fields = {
        "alert_id": request.alert.alert_id,
        "channel_type": channel_type,
        "event": request.event.value,
        "delivery_attempt": attempt,
        "outcome": "failed" if permanent else "retrying",
    }
    log.warning(
        "%s for alert %s to %s: attempt %d %s: %s",
        what,
        request.alert.alert_id,
        to,
        attempt,
        outcome,
        why,
        extra=fields,
    )


# Notices about an alert the recipient was told fired (never muted: noise/muting.py): sent only where a fire notice may have
# arrived (models.deliveries.fire_may_have_reached), never to one that answered it with an error.
FOLLOW_UPS = {NotifyEvent.ACKNOWLEDGED, NotifyEvent.RESOLVED}


class NotifyActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        senders: dict[str, Sender],
        secrets: SecretBox,
        *,
        public_url: str,
        temporal_ui_url: str,
        namespace: str,
    ) -> None:
        self._sessions = sessions
        self._senders = senders
        self._secrets = secrets
        self._public_url = public_url.rstrip("/")
        self._ui_url = temporal_ui_url.rstrip("/")
        self._namespace = namespace

    def links(self, alert_id: str, workflow_id: str) -> Links:
        return Links(
            api=alert_api_link(self._public_url, alert_id),
            temporal_ui=temporal_ui_link(self._ui_url, self._namespace, workflow_id),
            dashboard=alert_dashboard_link(self._public_url, alert_id),
        )

    @activity.defn(name=refs.NOTIFY_SEND.name)
    async def send(self, request: NotifyInput) -> DeliveryResult:
        alert = request.alert
        async with self._sessions.begin() as session:
            target, missing = await self._target(session, request)
            if target is None:
                await self._record_missing_target(session, request, missing)
                NOTIFICATIONS.labels("none", "missing_target").inc()
                log_failed_attempt(request, f"{request.channel_id}", activity.info().attempt, missing, permanent=True)
                raise delivery_failure(missing, permanent=True)
            if request.event not in FOLLOW_UPS:
                muted = await muted_now(session, alert, request.grouping)
                if muted is not None:
                    await self._record_muted(session, request, target, muted)
                    NOTIFICATIONS.labels(target.type, "muted").inc()
                    return DeliveryResult(status="skipped", attempts=0, muted=True, muted_until=muted.until)
            if request.event in FOLLOW_UPS and not await fire_may_have_reached(
                session=session, alert_id=alert.alert_id, channel_id=target.id, user_id=request.user_id
            ):
                await self._record_not_sent(session, request, target)
                NOTIFICATIONS.labels(target.type, "not_sent").inc()
                return DeliveryResult(status="skipped", attempts=0)
            row = await begin_attempt(
                session=session,
                idempotency_key=request.idempotency_key,
                tenant_id=alert.tenant_id,
                alert_id=alert.alert_id,
                channel_id=target.id,
                channel_name=target.name,
                channel_type=target.type,
                event=request.event.value,
                user_id=request.user_id,
            )
            if row.status == "delivered":
                NOTIFICATIONS.labels(target.type, "skipped").inc()
                return DeliveryResult(status="skipped", provider_status=row.provider_status, attempts=row.attempts)
            message, template_problem = await self._message(session, request, target)
        attempt = row.attempts
        try:
            sender = self._senders.get(target.type)
            if sender is None:
                raise PermanentDeliveryError(f"no sender for channel type {target.type!r}")
            sent = await sender.send(target, message)
        except DeliveryError as err:
            permanent = isinstance(err, PermanentDeliveryError)
            await self._record(
                request, target, attempt, "failed" if permanent else "retrying", err.provider_status, str(err), None
            )
            log_failed_attempt(
                request,
                f"{target.type} {target.name!r}",
                attempt,
                str(err),
                permanent=permanent,
                channel_type=target.type,
            )
            if permanent:
                DELIVERY_ATTEMPTS.labels(target.type, "failed").observe(attempt)
                raise delivery_failure(str(err), permanent=True) from err
            retry_after = err.retry_after if isinstance(err, RetryableDeliveryError) else None
            raise delivery_failure(
                str(err), permanent=False, retry_after=timedelta(seconds=retry_after) if retry_after else None
            ) from err
        except Exception as err:  # a bug or an unforeseen library error: on record, then retried
            await self._record(request, target, attempt, "retrying", None, f"{type(err).__name__}: {err}", None)
            NOTIFICATIONS.labels(target.type, "retrying").inc()
            raise
        await self._record(request, target, attempt, "delivered", sent.provider_status, template_problem, sent)
        NOTIFICATIONS.labels(target.type, "delivered").inc()
        DELIVERY_ATTEMPTS.labels(target.type, "delivered").observe(attempt)
        latency = (datetime.now(UTC) - activity.info().scheduled_time).total_seconds()
        DELIVERY_LATENCY.labels(target.type).observe(max(0.0, latency))
        return DeliveryResult(status="delivered", provider_status=sent.provider_status, attempts=attempt)

    async def _message(
        self, session: AsyncSession, request: NotifyInput, target: ChannelTarget
    ) -> tuple[Message, str | None]:
        """The rendered message; and, when the tenant's template failed, why (the built-in text went instead)."""
        alert = request.alert
        links = self.links(alert.alert_id, alert.workflow_id)
        members = await incident_members(session, alert, members_listed(target.type))
        row = await template_for(
            session,
            tenant_id=alert.tenant_id,
            channel_type=target.type,
            event=request.event.value,
            severity=alert.content.severity.value,
            category=alert.content.category.value,
        )
        text = TemplateText(row.subject, row.body, row.body_html) if row is not None else None
        rendered, problem = await in_render_thread(
            render_or_built_in, text, context(alert, request.event, links, members), target.type
        )
        if problem and row is not None:
            problem = f"'{row.name}' failed ({problem}); sent the built-in text"
        previous = None
        if target.type in EDITS_IN_PLACE:
            previous = await previous_message_id(
                session=session, alert_id=alert.alert_id, channel_id=target.id, user_id=request.user_id
            )
        message = Message(
            event=request.event,
            alert=alert,
            links=links,
            idempotency_key=request.idempotency_key,
            rendered=rendered,
            previous_id=previous,
            members=members,
        )
        return message, problem

    async def _target(self, session: AsyncSession, request: NotifyInput) -> tuple[ChannelTarget | None, str]:
        """The channel, or the paged user's contact method; else why it is gone."""
        tenant_id = request.alert.tenant_id
        if request.user_id is None:
            channel = await get_channel(session=session, tenant_id=tenant_id, channel_id=request.channel_id)
            if channel is None:
                return None, f"channel {request.channel_id} no longer exists"
            config = dict(channel.config)
            return ChannelTarget(channel.id, channel.name, channel.type, config, self._secrets.open(channel.secret)), ""
        user = await get_row(session, User, tenant_id, request.user_id)
        if user is None:
            return None, f"user {request.user_id} no longer exists"
        method = next((m for m in user.contact_methods if m["id"] == request.channel_id), None)
        if method is None:
            return None, f"{user.name} no longer has contact method {request.channel_id}"
        name = f"{user.name} ({method.get('label') or method['type']})"[:200]  # the delivery row's column
        if method["type"] == "webhook":
            return ChannelTarget(method["id"], name, "webhook", contact_config(method)), ""
        # Other kinds go through the tenant's channel of that type (its provider account), to this person.
        provider = await provider_channel(session=session, tenant_id=tenant_id, channel_type=method["type"])
        if provider is None:
            return (
                None,
                f"no {method['type']} channel is configured to reach {user.name}'s contact method {method['id']}",
            )
        config = {**provider.config, **contact_config(method)}
        return ChannelTarget(method["id"], name, method["type"], config, self._secrets.open(provider.secret)), ""

    async def _record_missing_target(self, session: AsyncSession, request: NotifyInput, reason: str) -> None:
        """A deleted channel or contact method ends the delivery; the timeline says why."""
        await _note(session, request, "missing-channel", "notification_failed", f"{request.event.value}: {reason}")

    async def _record_muted(
        self, session: AsyncSession, request: NotifyInput, target: ChannelTarget, muted: Muted
    ) -> None:
        """A fire notice a silence, maintenance window, time interval or inhibition mutes: not sent, and the
        timeline says which (noise/muting.py)."""
        message = f"{request.event.value} → {target.type} '{target.name}': {muted.reason}"
        details = {"channel_id": target.id, **muted.details}
        await _note(session, request, muted.kind.removeprefix("notification_"), muted.kind, message, details)

    async def _record_not_sent(self, session: AsyncSession, request: NotifyInput, target: ChannelTarget) -> None:
        """A follow-up to a recipient that never accepted the alert's fire notice: on the timeline, not sent."""
        message = (
            f"{request.event.value} → {target.type} '{target.name}': not sent, "
            "it never accepted a notice that the alert fired"
        )
        details = {"channel_id": target.id, "idempotency_key": request.idempotency_key}
        await _note(session, request, "not-sent", "notification_not_sent", message, details)

    async def _record(
        self,
        request: NotifyInput,
        target: ChannelTarget,
        attempt: int,
        status: str,
        provider_status: int | None,
        error: str | None,
        sent: Sent | None,
    ) -> None:
        now = datetime.now(UTC)
        alert = request.alert
        async with self._sessions.begin() as session:
            await finish_attempt(
                session=session,
                idempotency_key=request.idempotency_key,
                status=status,
                at=now,
                provider_status=provider_status,
                error=error,
                provider_message_id=sent.provider_id if sent else None,
            )
            outcome = {"delivered": "delivered", "retrying": "failed, will retry", "failed": "failed permanently"}[
                status
            ]
            message = f"{request.event.value} → {target.type} '{target.name}': {outcome} (attempt {attempt})"
            if error:
                message += f": {error}"
            details = {"channel_id": target.id, "idempotency_key": request.idempotency_key, "attempt": str(attempt)}
            if provider_status is not None:
                details["provider_status"] = str(provider_status)
            if sent is not None and sent.provider_id:
                details["provider_message_id"] = sent.provider_id
            await add_timeline_entry(
                session=session,
                tenant_id=alert.tenant_id,
                alert_id=alert.alert_id,
                dedup=f"delivery:{request.idempotency_key}:{attempt}",
                entry=TimelineEntry(
                    kind=f"notification_{status}", at=now, actor="herald", message=message, details=details
                ),
            )

    @activity.defn(name=refs.NOTIFY_MUTED.name)
    async def muted(self, request: MuteCheckInput) -> MuteCheck:
        """Whether the alert's fire notices are still held back, until when, and why (reads only)."""
        async with self._sessions() as session:
            muted = await muted_now(session, request.alert, request.grouping)
        if muted is None:
            return MuteCheck(muted=False)
        return MuteCheck(muted=True, until=muted.until, reason=muted.reason)

    @activity.defn(name=refs.NOTIFY_ABANDON.name)
    async def abandon(self, request: AbandonInput) -> None:
        """Record that Herald gave up on a delivery (its retry budget ran out)."""
        async with self._sessions.begin() as session:
            row = await get_delivery(session=session, idempotency_key=request.idempotency_key)
            if row is not None and row.status != "delivered":
                row.status = "failed"
                row.last_error = f"gave up: {request.reason}"
            await add_timeline_entry(
                session=session,
                tenant_id=request.tenant_id,
                alert_id=request.alert_id,
                dedup=f"abandon:{request.idempotency_key}",
                entry=TimelineEntry(
                    kind="notification_abandoned",
                    at=request.at,
                    actor="herald",
                    message=f"gave up on '{request.channel_name}': {request.reason}",
                ),
            )


async def _note(
    session: AsyncSession,
    request: NotifyInput,
    suffix: str,
    kind: str,
    message: str,
    details: dict[str, str] | None = None,
) -> None:
    """One timeline entry about this delivery, written once (its dedup names the delivery and `suffix`)."""
    alert = request.alert
    entry = TimelineEntry(kind=kind, at=datetime.now(UTC), actor="herald", message=message, details=details or {})
    await add_timeline_entry(
        session=session,
        tenant_id=alert.tenant_id,
        alert_id=alert.alert_id,
        dedup=f"delivery:{request.idempotency_key}:{suffix}",
        entry=entry,
    )


async def incident_members(session: AsyncSession, alert: AlertView, limit: int) -> Members | None:
    """What a notice of an incident lists of its members (None for an ungrouped alert)."""
    total = alert.firing_members + alert.resolved_members
    if total == 0:
        return None
    rows, common, common_annotations = await notice_members(session=session, alert_id=alert.alert_id, listed=limit)
    listed = [
        {
            "key": row.key,
            "labels": dict(row.labels),
            "annotations": dict(row.annotations or {}),
            "title": row.title,
            "status": row.status,
            "first_seen": utc_text(row.first_seen),
            "last_seen": utc_text(row.last_seen),
        }
        for row in rows
    ]
    return Members(
        listed=listed,
        left_out=max(0, total - len(listed)),
        common_labels=common,
        common_annotations=common_annotations,
    )


async def muted_now(session: AsyncSession, alert: AlertView, grouping: Grouping | None) -> Muted | None:
    """Why the alert's fire notices are held back now (an incident's by its firing members), or None."""
    at = datetime.now(UTC)
    noise = await active_noise(session=session, tenant_id=alert.tenant_id, at=at)
    members = None
    if alert.firing_members and noise.any:  # without silences, windows or rules only time intervals can mute
        members = await firing_member_labels(session=session, alert_id=alert.alert_id, limit=MEMBERS_CHECKED)
    return await muting(
        session=session,
        tenant_id=alert.tenant_id,
        alert_id=alert.alert_id,
        labels=alert.content.labels,
        grouping=grouping,
        at=at,
        members=members,
        noise=noise,
    )
