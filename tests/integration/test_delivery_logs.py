"""A failed delivery attempt is one line in the worker's log, not a traceback: retried (5xx, a
refused connection) or permanent (4xx, a contact method no channel can reach), the worker says
what failed, to whom, which attempt, why and what happens next, once per attempt."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from devstack.ports import free_port
from tests.integration.conftest import Stack
from tests.integration.test_channel_flows import channel, deliveries, fire
from tests.support.alerts import eventually
from tests.support.receiver import Scripted, WebhookReceiver


@pytest.fixture
async def failing(receiver: WebhookReceiver) -> AsyncIterator[WebhookReceiver]:
    receiver.script.extend([Scripted(500), Scripted(503)])  # then 200
    yield receiver


@pytest.fixture
async def refusing() -> AsyncIterator[WebhookReceiver]:
    """A receiver that answers 400: a permanent failure."""
    server = WebhookReceiver()
    server.script.extend([Scripted(400)] * 5)
    await server.start()
    yield server
    await server.stop()


def _one_line_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    tracebacks = [r for r in caplog.records if r.exc_info and r.levelno >= logging.INFO]
    assert not tracebacks, [f"{r.name}: {r.getMessage()}" for r in tracebacks]
    notify = [r for r in caplog.records if r.name == "herald.notify"]
    for record in notify:
        assert "\n" not in record.getMessage() and record.levelno == logging.WARNING
    return notify


async def test_failed_attempts_are_one_line_each(
    stack: Stack, failing: WebhookReceiver, refusing: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await channel(stack, "flaky", "webhook", {"url": failing.url})
    await channel(stack, "unreachable", "webhook", {"url": f"http://127.0.0.1:{free_port()}/hook"})
    await channel(stack, "refusing", "webhook", {"url": refusing.url})
    alert = await fire(stack, "logged")
    rows = await eventually(
        lambda: deliveries(stack, alert["id"]),
        lambda r: (
            any(x["channel_name"] == "flaky" and x["status"] == "delivered" for x in r)
            and any(x["channel_name"] == "unreachable" and x["attempts"] >= 2 for x in r)
            and any(x["channel_name"] == "refusing" and x["status"] == "failed" for x in r)
        ),
        within=60,
    )
    assert {x["channel_name"]: x["status"] for x in rows}["flaky"] == "delivered"
    resolved = await stack.http.post(f"/api/v1/alerts/{alert['id']}/resolve", headers=stack.responder)
    assert resolved.status_code == 200, resolved.text  # cancels the unreachable channel's retries

    lines = [r.getMessage() for r in _one_line_records(caplog)]
    flaky = [line for line in lines if "'flaky'" in line]
    assert len(flaky) == 2, lines  # one per failed attempt, none for the delivered one
    assert "attempt 1 failed, will retry" in flaky[0] and "500" in flaky[0]
    assert "attempt 2 failed, will retry" in flaky[1] and "503" in flaky[1]
    assert all(line.startswith(f"triggered notice for alert {alert['id']} to webhook 'flaky': ") for line in flaky)
    unreachable = [line for line in lines if "'unreachable'" in line]
    assert len(unreachable) >= 2 and all("failed, will retry: connection failed" in line for line in unreachable)
    [permanent] = [line for line in lines if "'refusing'" in line]
    assert "attempt 1 failed permanently" in permanent and "400" in permanent
