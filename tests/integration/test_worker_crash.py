"""SIGKILL the worker in the middle of a delivery: nothing is lost, the receiver sees one
Idempotency-Key, timers still fire; events accepted while no worker runs are kept."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.tables import Notification
from settings import Settings
from tests.integration.conftest import Stack, api_stack
from tests.support.alerts import eventually
from tests.support.providers import PD_ROUTING_KEY, SLACK_TOKEN, ProviderPeer
from tests.support.providers import Scripted as Answer
from tests.support.receiver import Scripted, WebhookReceiver

ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """`herald worker` as a real child process."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "TEMPORAL_ADDRESS": settings.temporal_address,
            "HERALD_TASK_QUEUE": settings.temporal_task_queue,
            "HERALD_SECRET_KEY": settings.secret_key.get_secret_value() if settings.secret_key else "",
            "HERALD_EGRESS_ALLOW": settings.egress_allow,  # the receiver listens on 127.0.0.1
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cli", "worker"], cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def worker_process(dev_settings: Settings, tmp_path: Path) -> Iterator[WorkerProcess]:
    process = WorkerProcess(dev_settings, tmp_path / "worker.log")
    yield process
    process.stop()


@pytest.fixture
async def api(dev_settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Stack]:
    """The API alone: the only worker is the child process."""
    async with api_stack(dev_settings, sessions) as stack:
        yield stack


async def deliveries(sessions: async_sessionmaker[AsyncSession], tenant: str) -> list[Notification]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Notification).where(Notification.tenant_id == tenant).order_by(Notification.created_at)
        )
        return list(rows.all())


async def test_worker_killed_mid_delivery_loses_nothing(
    api: Stack, worker_process: WorkerProcess, receiver: WebhookReceiver, sessions: async_sessionmaker[AsyncSession]
) -> None:
    channel = await api.http.post(
        "/api/v1/channels",
        headers=api.admin,
        json={"name": "ops", "type": "webhook", "config": {"url": receiver.url}, "is_default": True},
    )
    assert channel.status_code == 201
    release = asyncio.Event()
    receiver.script.append(Scripted(200, hold=release))  # the provider accepts, but answers late
    worker_process.start()

    accepted = await api.http.post(
        "/api/v1/events",
        headers=api.responder,
        json={"events": [{"title": "crash test", "dedup_key": "crash", "repeat_interval_seconds": 10}]},
    )
    assert accepted.status_code == 202
    await receiver.wait_for(1, within=60)
    worker_process.kill()  # the provider got the request; the worker never records the answer
    release.set()

    # With no worker at all, events are still accepted: 202 means they are in Temporal.
    offline = await api.http.post(
        "/api/v1/events",
        headers=api.responder,
        json={"events": [{"title": f"queued {i}", "dedup_key": f"queued-{i}"} for i in range(5)]},
    )
    assert offline.status_code == 202 and offline.json()["accepted"] == 5

    worker_process.start()
    received = await receiver.wait_for(2, within=90)
    triggered = [r for r in received if r.json["event"] == "triggered" and r.json["alert"]["key"] == "crash"]
    assert len({r.headers["idempotency-key"] for r in triggered}) == 1  # a retry, never a second notification

    rows = await eventually(
        lambda: deliveries(sessions, api.tenant),
        lambda rows: any(r.event == "triggered" and r.status == "delivered" and r.attempts >= 2 for r in rows),
        within=90,
    )
    crash_rows = [
        r for r in rows if r.event == "triggered" and r.idempotency_key.startswith(f"alert/{api.tenant}/crash:")
    ]
    assert len(crash_rows) == 1

    # The 10-second repeat timer still fires after the restart.
    await eventually(
        lambda: asyncio.sleep(0, result=receiver.events()),
        lambda events: "renotified" in events,
        within=60,
    )
    listing = await eventually(
        lambda: api.http.get("/api/v1/alerts/", headers=api.viewer, params={"limit": 50}),
        lambda response: response.json()["total"] == 6,
        within=60,
    )
    assert {a["dedup_key"] for a in listing.json()["items"]} == {"crash", *(f"queued-{i}" for i in range(5))}


async def test_worker_killed_after_the_provider_accepted_does_not_double_notify(
    api: Stack, worker_process: WorkerProcess, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """The at-least-once window: the provider accepted, the worker died before recording it, the
    activity runs again. Providers with idempotency absorb the repeat: PagerDuty's dedup key keeps
    one incident, Slack's `chat.update` edits the same message again."""
    peer = ProviderPeer()
    await peer.start()
    try:
        for name, kind, config in (
            (
                "slack",
                "slack",
                {"bot_token": SLACK_TOKEN, "channel": "C0123", "api_base_url": f"{peer.base}/slack/api"},
            ),
            ("pd", "pagerduty", {"routing_key": PD_ROUTING_KEY, "api_base_url": f"{peer.base}/pagerduty"}),
        ):
            created = await api.http.post(
                "/api/v1/channels",
                headers=api.admin,
                json={"name": name, "type": kind, "config": config, "is_default": True},
            )
            assert created.status_code == 201, created.text
        worker_process.start()
        fired = await api.http.post(
            "/api/v1/events", headers=api.responder, json={"events": [{"title": "crash", "dedup_key": "crash"}]}
        )
        assert fired.status_code == 202
        await eventually(
            lambda: deliveries(sessions, api.tenant),
            lambda rows: sum(r.status == "delivered" for r in rows) == 2,
            within=60,
        )
        alert_id = (await deliveries(sessions, api.tenant))[0].alert_id

        release = asyncio.Event()
        peer.fail("slack", Answer(0, hold=release))  # both providers accept the acknowledgement...
        peer.fail("pagerduty", Answer(0, hold=release))
        ack = await api.http.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=api.responder)
        assert ack.status_code == 200, ack.text
        await eventually(lambda: asyncio.sleep(0, result=len(peer.calls)), lambda n: n == 4, within=60)
        worker_process.kill()  # ...but the worker dies before it hears back
        release.set()
        worker_process.start()

        rows = await eventually(
            lambda: deliveries(sessions, api.tenant),
            lambda rows: sum(r.event == "acknowledged" and r.status == "delivered" for r in rows) == 2,
            within=120,
        )
        assert all(r.attempts >= 2 for r in rows if r.event == "acknowledged")  # each was sent twice...
        assert len(peer.of("pagerduty")) >= 3 and len({c.json["dedup_key"] for c in peer.of("pagerduty")}) == 1
        assert list(peer.pd_incidents.values()) == ["acknowledged"]  # ...and PagerDuty has one incident
        assert [c.path.rsplit("/", 1)[1] for c in peer.of("slack")].count("chat.postMessage") == 1
        assert len(peer.slack_messages) == 1  # and Slack one message, edited
    finally:
        await peer.stop()
