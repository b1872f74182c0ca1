"""Property-based fuzzing of every operation of the OpenAPI document (schemathesis), against the
real app served by uvicorn on 127.0.0.1 over real PostgreSQL and the Temporal dev server.

The assertion: no server error, and every answer (status, content type, body) is one the document
describes. Bounded: `EXAMPLES` cases per operation (about a minute in all on 2 cores).
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from gateway.connect import connect
from models.api_keys import Role
from models.db import create_engine, create_sessionmaker
from settings import Settings
from tests.conftest import SECRET_KEY
from tests.integration.conftest import make_keys
from tests.support.served_api import ThreadedApi
from worker import build_worker

EXAMPLES = 12
CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance, content_type_conformance]
CHECKS += [response_schema_conformance]


class ThreadedWorker:
    """A Herald worker on a thread and event loop of its own: the synchronous fuzzing calls block the
    test's loop, and updates, evaluations and heartbeats need a worker to answer."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        client = await connect(self.settings)
        engine = create_engine(self.settings.database_url)
        try:
            async with build_worker(client, create_sessionmaker(engine), self.settings) as worker, worker:
                self.ready.set()
                while not self.stop.is_set():  # noqa: ASYNC110 (told by another thread)
                    await asyncio.sleep(0.1)
        finally:
            await engine.dispose()

    def __enter__(self) -> None:
        self.thread.start()
        if not self.ready.wait(timeout=60):
            raise RuntimeError("the worker did not start")

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(timeout=60)


@pytest.fixture(scope="module")
async def fuzz_admin(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    keys = await make_keys(sessions, f"t-fuzz-{uuid.uuid4().hex[:6]}")
    return keys[Role.ADMIN]


@pytest.fixture(scope="module")
def fuzz_base(database_url: str, dev_env: WorkflowEnvironment) -> Iterator[str]:
    settings = Settings(
        DATABASE_URL=database_url,
        TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        HERALD_TASK_QUEUE=f"fuzz-{uuid.uuid4().hex[:8]}",
        HERALD_UPDATE_TIMEOUT_SECONDS=5,
        HERALD_SECRET_KEY=SECRET_KEY,
        HERALD_SLACK_SIGNING_SECRET="fuzz-signing-secret",
        # Fuzzed channels, data sources and SMTP hosts name any address: nothing may leave the machine.
        HERALD_EGRESS_ALLOW="127.0.0.0/8,::1",
        HERALD_EGRESS_DENY_PUBLIC=True,
    )
    with ThreadedWorker(settings), ThreadedApi(settings) as base:
        yield base


def _fuzz(
    operation: schemathesis.APIOperation[Any, Any, Any, Any], headers: dict[str, str], statuses: Counter[int]
) -> str | None:
    """The first failure of `operation` in `EXAMPLES` cases (shrunk by hypothesis), or None; every
    answer's status is counted in `statuses`."""

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: schemathesis.Case[Any]) -> None:
        statuses[case.call_and_validate(headers=headers, checks=CHECKS).status_code] += 1

    try:
        run()
    except (Exception, BaseExceptionGroup) as err:  # a check's failures: reported with their operation, all at once
        found = list(err.exceptions) if isinstance(err, BaseExceptionGroup) else [err]
        return f"{operation.label}: " + "\n".join(f"{type(e).__name__}: {str(e)[:1500]}" for e in found)
    return None


def test_every_operation_answers_as_documented(fuzz_base: str, fuzz_admin: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzz_base}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    # The live stream never ends on its own (tests/integration/test_console_stream.py tests it over a socket).
    operations = [operation for operation in operations if operation.path != "/api/v1/stream"]
    assert len(operations) > 80  # the whole document, not a part of it
    statuses: Counter[int] = Counter()
    failures = [failure for operation in operations if (failure := _fuzz(operation, fuzz_admin, statuses))]
    assert failures == [], "\n\n".join(failures)
    # Not passing for nothing: the operations were exercised, not turned away.
    answered = sum(statuses.values())
    assert answered >= len(operations) * 5
    assert sum(n for code, n in statuses.items() if 200 <= code < 300) > answered // 10, statuses
    assert statuses[429] + statuses[503] < answered // 20, statuses
