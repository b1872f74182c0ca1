"""The notify activity: deliver one notification to one channel, exactly as far as we can.

Per attempt: lock the delivery row (skip if it is already delivered, so a retried or
replayed activity never sends twice once a success is recorded), send, record the
outcome in the deliveries table and the alert's timeline. The window that remains — the
provider accepted but the worker died before the commit — is covered by the
`Idempotency-Key`, identical on every attempt.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.channels.base import (
    ChannelTarget,
    DeliveryError,
    Links,
    Message,
    PermanentDeliveryError,
    RetryableDeliveryError,
    Sender,
)
from models.channels import get_channel
from models.deliveries import begin_attempt, finish_attempt, get_delivery
from models.projection import add_timeline_entry
from workflows.payloads import AbandonInput, DeliveryResult, NotifyInput, TimelineEntry


class NotifyActivities:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        senders: dict[str, Sender],
        *,
        public_url: str,
        temporal_ui_url: str,
        namespace: str,
    ) -> None:
        self._sessions = sessions
        self._senders = senders
        self._public_url = public_url.rstrip("/")
        self._ui_url = temporal_ui_url.rstrip("/")
        self._namespace = namespace

    def links(self, alert_id: str, workflow_id: str) -> Links:
        return Links(
            api=f"{self._public_url}/api/v1/alerts/{alert_id}",
            temporal_ui=f"{self._ui_url}/namespaces/{self._namespace}/workflows/{quote(workflow_id, safe='')}",
        )

    @activity.defn(name="notify.send")
    async def send(self, request: NotifyInput) -> DeliveryResult:
        alert = request.alert
        async with self._sessions.begin() as session:
            channel = await get_channel(session=session, tenant_id=alert.tenant_id, channel_id=request.channel_id)
            if channel is not None:
                target = ChannelTarget(
                    id=channel.id,
                    name=channel.name,
                    type=channel.type,
                    config=dict(channel.config),
                    secret=channel.secret,
                )
                row = await begin_attempt(
                    session=session,
                    idempotency_key=request.idempotency_key,
                    tenant_id=alert.tenant_id,
                    alert_id=alert.alert_id,
                    channel_id=channel.id,
                    channel_name=channel.name,
                    channel_type=channel.type,
                    event=request.event.value,
                )
            else:
                await self._record_missing_channel(session, request)
        if channel is None:
            raise ApplicationError(
                f"channel {request.channel_id} no longer exists", type="PermanentDeliveryError", non_retryable=True
            )
        if row.status == "delivered":
            return DeliveryResult(status="skipped", provider_status=row.provider_status, attempts=row.attempts)
        attempt = row.attempts
        sender = self._senders.get(target.type)
        message = Message(
            event=request.event,
            alert=alert,
            links=self.links(alert.alert_id, alert.workflow_id),
            idempotency_key=request.idempotency_key,
        )
        try:
            if sender is None:
                raise PermanentDeliveryError(f"no sender for channel type {target.type!r}")
            sent = await sender.send(target, message)
        except DeliveryError as err:
            permanent = isinstance(err, PermanentDeliveryError)
            await self._record(
                request, target, attempt, "failed" if permanent else "retrying", err.provider_status, str(err)
            )
            if permanent:
                raise ApplicationError(str(err), type="PermanentDeliveryError", non_retryable=True) from err
            retry_after = err.retry_after if isinstance(err, RetryableDeliveryError) else None
            raise ApplicationError(
                str(err),
                type="RetryableDeliveryError",
                next_retry_delay=timedelta(seconds=retry_after) if retry_after else None,
            ) from err
        await self._record(request, target, attempt, "delivered", sent.provider_status, None)
        return DeliveryResult(status="delivered", provider_status=sent.provider_status, attempts=attempt)

    async def _record_missing_channel(self, session: AsyncSession, request: NotifyInput) -> None:
        """A deleted channel ends the delivery; the timeline says why."""
        alert = request.alert
        await add_timeline_entry(
            session=session,
            tenant_id=alert.tenant_id,
            alert_id=alert.alert_id,
            dedup=f"delivery:{request.idempotency_key}:missing-channel",
            entry=TimelineEntry(
                kind="notification_failed",
                at=datetime.now(UTC),
                actor="herald",
                message=f"{request.event.value}: channel {request.channel_id} no longer exists",
            ),
        )

    async def _record(
        self,
        request: NotifyInput,
        target: ChannelTarget,
        attempt: int,
        status: str,
        provider_status: int | None,
        error: str | None,
    ) -> None:
        now = datetime.now(UTC)
        alert = request.alert
        async with self._sessions.begin() as session:
            row = await get_delivery(session=session, idempotency_key=request.idempotency_key)
            assert row is not None
            finish_attempt(row, status=status, at=now, provider_status=provider_status, error=error)
            outcome = {"delivered": "delivered", "retrying": "failed, will retry", "failed": "failed permanently"}[
                status
            ]
            message = f"{request.event.value} → {target.type} '{target.name}': {outcome} (attempt {attempt})"
            if error:
                message += f": {error}"
            details = {"channel_id": target.id, "idempotency_key": request.idempotency_key, "attempt": str(attempt)}
            if provider_status is not None:
                details["provider_status"] = str(provider_status)
            await add_timeline_entry(
                session=session,
                tenant_id=alert.tenant_id,
                alert_id=alert.alert_id,
                dedup=f"delivery:{request.idempotency_key}:{attempt}",
                entry=TimelineEntry(
                    kind=f"notification_{status}", at=now, actor="herald", message=message, details=details
                ),
            )

    @activity.defn(name="notify.abandon")
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
