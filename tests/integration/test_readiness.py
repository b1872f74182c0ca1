"""`/readyz`: the readiness probe of the Helm chart and the compose file. No key; 200 only while the database
and Temporal both answer, 503 naming which does not."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from devstack.ports import free_port
from settings import Settings
from tests.integration.conftest import api_stack


async def test_ready_when_the_database_and_temporal_answer(
    dev_settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with api_stack(dev_settings, sessions) as stack:
        ready = await stack.http.get("/readyz")  # no Authorization header: a kubelet has none
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready", "checks": {"database": {"ok": True}, "temporal": {"ok": True}}}


async def test_unready_while_temporal_does_not_answer(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    dead = settings.model_copy(update={"temporal_address": f"127.0.0.1:{free_port()}"})
    async with api_stack(dead, sessions) as stack:
        probe = await stack.http.get("/readyz")
        alive = await stack.http.get("/healthz")
    assert probe.status_code == 503, probe.text
    assert probe.json()["status"] == "unready"
    assert probe.json()["checks"] == {
        "database": {"ok": True},
        "temporal": {"ok": False, "message": "Temporal unreachable"},
    }
    assert alive.status_code == 200  # liveness stays cheap: the process is not restarted for Temporal's outage


async def test_unready_while_the_database_does_not_answer(
    dev_settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    gone = dev_settings.model_copy(
        update={"database_url": f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/herald"}
    )
    async with api_stack(gone, sessions) as stack:
        probe = await stack.http.get("/readyz")
    assert probe.status_code == 503, probe.text
    checks = probe.json()["checks"]
    assert checks["database"]["ok"] is False and checks["database"]["message"].startswith("database unreachable")
    assert checks["temporal"] == {"ok": True}
