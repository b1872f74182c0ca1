"""Session-wide real peers: PostgreSQL (migrated once), the time-skipping test server, the
Temporal dev server. Tests isolate themselves by tenant, not by mocking."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from gateway.data_converter import herald_data_converter
from gateway.namespace_setup import register_search_attributes
from models.api_keys import ensure_tenant
from models.db import create_engine, create_sessionmaker
from models.migrate import upgrade_async
from models.secrets import new_secret_key
from settings import Settings
from tests.support.postgres import create_database, drop_database, server_url
from tests.support.prometheus import PrometheusReplay
from tests.support.receiver import WebhookReceiver
from tests.support.time_skipping import steady_sleep
from workflows import search_attributes

BIN = Path(sys.executable).parent
SECRET_KEY = new_secret_key()  # one per test session, like one per deployment


def binary(name: str) -> str:
    path = BIN / name
    if not path.exists():
        raise RuntimeError(f"{path} is missing: install the project with `make test` (it installs {name})")
    return str(path)


@pytest.fixture(scope="session")
def maintenance_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with server_url(tmp_path_factory.mktemp("postgres")) as url:
        yield url


@pytest.fixture(scope="session")
async def database_url(maintenance_url: str) -> AsyncIterator[str]:
    url = await create_database(maintenance_url)
    await upgrade_async(url)
    yield url
    await drop_database(url, maintenance_url)


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def tenant(sessions: async_sessionmaker[AsyncSession]) -> str:
    tenant_id = f"t-{uuid.uuid4().hex[:8]}"
    async with sessions.begin() as session:
        await ensure_tenant(session=session, tenant_id=tenant_id)
    return tenant_id


# The SDK waits 5 s by default: too little for a loaded 2-core machine (CI, or other builds beside it),
# where a late start failed every test of the run. A server that truly cannot start still fails, later.
SERVER_STARTUP = timedelta(seconds=60)


@pytest.fixture(scope="session")
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=binary("temporal-test-server"),
        data_converter=herald_data_converter,
        test_server_startup_timeout=SERVER_STARTUP,
    )
    await register_search_attributes(env.client, "default")
    env.sleep = steady_sleep(env)  # type: ignore[method-assign,assignment]  # tests/support/time_skipping.py
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"),
        data_converter=herald_data_converter,
        search_attributes=list(search_attributes.ALL),
        dev_server_startup_timeout=SERVER_STARTUP,
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def replay() -> AsyncIterator[PrometheusReplay]:
    """A peer speaking Prometheus's query API from a script (tests/support/prometheus.py)."""
    peer = PrometheusReplay()
    await peer.start()
    yield peer
    await peer.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    server = WebhookReceiver()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        DATABASE_URL=database_url,
        HERALD_TASK_QUEUE=f"tq-{uuid.uuid4().hex[:8]}",
        HERALD_NOTIFY_ATTEMPT_TIMEOUT_SECONDS=5,
        HERALD_UPDATE_TIMEOUT_SECONDS=20,
        HERALD_SECRET_KEY=SECRET_KEY,
        # The tests' receivers, providers and Prometheus listen on 127.0.0.1: allowed by configuration,
        # as an operator would allow an internal target (tests of the policy build their own).
        HERALD_EGRESS_ALLOW="127.0.0.1/32",
    )
