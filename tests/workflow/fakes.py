"""Fake activities for the fast tier of workflow tests: registered under the real names
(`workflows/activity_refs.py`), they answer with canned payloads and record every call.

One `FakeActivities` belongs to one test (its fixture builds it); nothing here is shared
between tests. The workflow under test is the real AlertWorkflow: only its I/O is faked.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from gateway.client import AlertingClient, IngestItem
from tests.support.alerts import trigger
from workflows import activity_refs as refs
from workflows.payloads import (
    AbandonInput,
    AlertView,
    ChannelRef,
    ChoosePolicyInput,
    DeliveryResult,
    EscalationLevel,
    EscalationTarget,
    NotifyInput,
    OpenAlertInput,
    OpenedAlert,
    PagedUser,
    PageRule,
    PolicyChoice,
    PolicySnapshot,
    RecordInput,
    ResolvedLevel,
    ResolveLevelInput,
)


def channel(name: str) -> ChannelRef:
    return ChannelRef(id=name, name=name, type="webhook")


def person(name: str) -> ResolvedLevel:
    """A level that pages `name` on one contact method (`<name>-phone`) at once."""
    rule = PageRule(contact_method_id=f"{name}-phone", type="sms")
    return ResolvedLevel(users=[PagedUser(id=name, name=name, via="user", rules=[rule])])


def policy(*targets: str, minutes: float, repeat: int = 0, ack_timeout: timedelta | None = None) -> PolicySnapshot:
    """One level per target (a user id the `levels` of FakeActivities resolves), each `minutes` long."""
    levels = [
        EscalationLevel(targets=[EscalationTarget(type="user", id=target)], delay=timedelta(minutes=minutes))
        for target in targets
    ]
    return PolicySnapshot(id="policy-1", name="fast policy", levels=levels, repeat=repeat, ack_timeout=ack_timeout)


@dataclass
class FakeActivities:
    """Canned answers (set by the test before it opens an alert) and the record of every call."""

    channels: list[ChannelRef] = field(default_factory=list)
    policy: PolicySnapshot | None = None
    levels: dict[str, ResolvedLevel] = field(default_factory=dict)  # by target id; unknown: nobody
    refusing: set[str] = field(default_factory=set)  # channel ids whose provider refuses for good
    failing: set[str] = field(default_factory=set)  # channel or user ids whose receiver is down (retried)
    fallback: list[ChannelRef] = field(default_factory=list)  # the tenant's default channels
    # A slow receiver: while set to an unset event, every notification waits for it before it is taken.
    hold: asyncio.Event | None = None
    lookup_seconds: float = 0.0  # real seconds each level lookup takes (a busy worker, a slow database)

    opened: list[OpenAlertInput] = field(default_factory=list)
    records: list[RecordInput] = field(default_factory=list)
    lookups: list[ResolveLevelInput] = field(default_factory=list)
    choices: list[ChoosePolicyInput] = field(default_factory=list)
    reached: list[NotifyInput] = field(default_factory=list)  # every attempt, as it reached the receiver
    delivered: list[NotifyInput] = field(default_factory=list)
    refused: list[NotifyInput] = field(default_factory=list)
    abandoned: list[AbandonInput] = field(default_factory=list)
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    def all(self) -> list[Callable[..., Any]]:
        return [self.open_escalating, self.record, self.choose_policy, self.resolve_level, self.send, self.abandon]

    @activity.defn(name=refs.ALERT_OPEN_ESCALATING.name)
    async def open_escalating(self, request: OpenAlertInput) -> OpenedAlert:
        self.opened.append(request)
        reason = "explicit" if self.policy is not None else "no policy"
        return OpenedAlert(channels=self.channels, policy=PolicyChoice(policy=self.policy, reason=reason))

    @activity.defn(name=refs.ALERT_RECORD.name)
    async def record(self, request: RecordInput) -> None:
        self.records.append(request)

    @activity.defn(name=refs.ESCALATION_POLICY.name)
    async def choose_policy(self, request: ChoosePolicyInput) -> PolicyChoice:
        """Reassignment to a user: a one-level policy paging them (what the real activity builds)."""
        self.choices.append(request)
        user = request.user_id or "nobody"
        direct = PolicySnapshot(
            id=f"direct-{user}",
            name=f"{user} (direct)",
            levels=[EscalationLevel(targets=[EscalationTarget(type="user", id=user)], delay=timedelta(minutes=30))],
        )
        return PolicyChoice(policy=direct, reason="reassigned")

    @activity.defn(name=refs.ESCALATION_LEVEL.name)
    async def resolve_level(self, request: ResolveLevelInput) -> ResolvedLevel:
        self.lookups.append(request)
        if self.lookup_seconds:
            await asyncio.sleep(self.lookup_seconds)
        target = request.level.targets[0].id or ""
        nobody = ResolvedLevel(gaps=[f"{target}: nobody on call"], fallback_channels=self.fallback)
        return self.levels.get(target, nobody)

    @activity.defn(name=refs.NOTIFY_SEND.name)
    async def send(self, request: NotifyInput) -> DeliveryResult:
        self.reached.append(request)
        if self.hold is not None:
            await self.hold.wait()
        if (request.user_id or request.channel_id) in self.failing:
            raise ApplicationError("the receiver is down")  # retryable: the delivery stays in flight
        async with self._arrived:
            if request.channel_id in self.refusing:
                self.refused.append(request)
                self._arrived.notify_all()
                raise ApplicationError("the provider refused the message", non_retryable=True)
            self.delivered.append(request)
            self._arrived.notify_all()
        return DeliveryResult(status="delivered", provider_status=200)

    @activity.defn(name=refs.NOTIFY_ABANDON.name)
    async def abandon(self, request: AbandonInput) -> None:
        self.abandoned.append(request)

    # ------------------------------------------------------------------ what the tests read

    async def wait_for(self, count: int, within: float = 10.0) -> list[tuple[str, str]]:
        """Wait until `count` notifications (delivered or refused) were sent; returns the delivered ones."""
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(self.delivered) + len(self.refused) >= count), within
            )
        return self.deliveries()

    def deliveries(self) -> list[tuple[str, str]]:
        """(recipient, event) of every delivered notification, in order; a page's recipient is its user."""
        return [(sent.user_id or sent.channel_id, sent.event.value) for sent in self.delivered]

    def to(self, recipient: str) -> list[str]:
        return [event for who, event in self.deliveries() if who == recipient]

    async def projected(self) -> AlertView:
        """The alert as the workflow last projected it (what the alert.record activity was given)."""
        return self.records[-1].view if self.records else self.opened[-1].view

    def kinds(self) -> list[str]:
        """The timeline entries the workflow projected, in order."""
        kinds = [opened.entry.kind for opened in self.opened]
        return kinds + [record.entry.kind for record in self.records if record.entry is not None]


@dataclass
class FastAlerts:
    """One test's alerts: opened through the real gateway on the time-skipping server, served by
    a worker that runs the real AlertWorkflow over `fakes`."""

    env: WorkflowEnvironment
    alerting: AlertingClient
    fakes: FakeActivities
    tenant: str = field(default_factory=lambda: f"t-{uuid.uuid4().hex[:8]}")

    async def fire(self, key: str, **kw: Any) -> str:
        """A trigger event for `key` (opening its alert, or counting as a re-fire); its workflow id."""
        [outcome] = await self.alerting.ingest([IngestItem(self.tenant, key, trigger(**kw))])
        assert outcome.status == "accepted", outcome
        return outcome.workflow_id

    async def view(self, wf_id: str) -> AlertView:
        view: AlertView | None = await self.env.client.get_workflow_handle(wf_id).query("view", result_type=AlertView)
        assert view is not None
        return view

    def opened_ids(self) -> set[str]:
        return {opened.view.workflow_id for opened in self.fakes.opened}
