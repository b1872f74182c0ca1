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
