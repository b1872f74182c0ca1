"""Herald's own metrics: the API's `GET /metrics` and the worker's endpoint, parsed with prometheus_client's
parser, scraped by a real Prometheus, and the Temporal SDK runtime's endpoint of a real worker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from devstack.ports import free_port
from gateway.client import AlertingClient
from gateway.connect import metrics_runtime
from gateway.data_converter import herald_data_converter
from settings import Settings
from telemetry.metrics import exposition, serve_worker_metrics
from tests.integration.conftest import Stack, api_stack
from tests.integration.test_channel_flows import channel, deliveries, fire
from tests.integration.test_console_stream import serving
from tests.support.alerts import eventually
from tests.support.prometheus import PrometheusServer
from tests.support.receiver import Scripted, WebhookReceiver
from tests.support.scrape import TEMPORAL_SDK_METRICS, Samples, parse, scrape, value
from worker import build_worker
from workflows.ids import inbox_drain_workflow_id


def event(key: str, **extra: object) -> dict[str, object]:
    return {"title": f"{key} is down", "dedup_key": key, "severity": "critical", **extra}


async def test_api_metrics_count_requests_by_route_template_and_events_by_source(stack: Stack) -> None:
    before = await scrape(stack.http)
    alert_id = str(uuid.uuid4())
    missing = await stack.http.get(f"/api/v1/alerts/{alert_id}", headers=stack.viewer)
    assert missing.status_code == 404, missing.text
    accepted = await stack.http.post(
        "/api/v1/events", headers=stack.responder, json={"events": [event("db-1"), event("db-2")]}
    )
    assert accepted.status_code == 202, accepted.text
    refused = await stack.http.post(
        "/api/v1/events", headers=stack.responder, json={"events": [event("db-3", channels=[str(uuid.uuid4())])]}
    )
    assert refused.status_code == 422, refused.text

    after = await scrape(stack.http)
    requests = "herald_http_requests_total"
    template = "/api/v1/alerts/{alert_id}"
    assert (
        value(after, requests, route=template, status="404") - value(before, requests, route=template, status="404")
        == 1
    )
    for status, count in (("202", 1), ("422", 1)):
        grown = value(after, requests, route="/api/v1/events", method="POST", status=status) - value(
            before, requests, route="/api/v1/events", method="POST", status=status
        )
        assert grown == count, status
    assert not [key for key in after if any(alert_id in v for _, v in key[1])]  # never a raw path
    duration = "herald_http_request_duration_seconds_count"
    assert value(after, duration, route="/api/v1/events") - value(before, duration, route="/api/v1/events") == 2
    ingested = "herald_events_ingested_total"
    assert value(after, ingested, source="events") - value(before, ingested, source="events") == 2
    refused_total = "herald_events_refused_total"
    assert value(after, refused_total, source="events") - value(before, refused_total, source="events") == 1

    # The projection's gauge: both alerts open, in this tenant, once the worker has opened them.
    opened = await eventually(
        lambda: scrape(stack.http),
        lambda s: value(s, "herald_open_alerts", tenant=stack.tenant, status="triggered", severity="critical") == 2,
    )
    assert value(opened, "herald_open_alerts_truncated") == 0


async def test_every_answer_carries_a_request_id(stack: Stack) -> None:
    given = await stack.http.get("/healthz", headers={"X-Request-ID": "probe-42"})
    assert given.headers["x-request-id"] == "probe-42"
    fresh = await stack.http.get("/healthz", headers={"X-Request-ID": "no spaces or\tcontrols"})
    assert len(fresh.headers["x-request-id"]) == 36 and fresh.headers["x-request-id"] != "probe-42"


async def test_metrics_can_be_turned_off_or_need_a_token(
    dev_settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with api_stack(dev_settings.model_copy(update={"metrics_enabled": False}), sessions) as off:
        assert (await off.http.get("/metrics")).status_code == 404
    token = dev_settings.model_copy(update={"metrics_token": SecretStr("s3cret")})
    async with api_stack(token, sessions) as closed:
        refused = await closed.http.get("/metrics")
        assert refused.status_code == 401 and "HERALD_METRICS_TOKEN" in refused.json()["detail"]
        assert (await closed.http.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        assert "herald_http_requests_total" in {
            name for name, _ in await scrape(closed.http, headers={"Authorization": "Bearer s3cret"})
        }


async def test_metrics_are_never_shed(dev_settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
    async with api_stack(dev_settings.model_copy(update={"max_in_flight": 1}), sessions) as api:
        guard = api.http._transport.app.state.resources.guard  # type: ignore[attr-defined]
        guard.in_flight = 1  # the process is at its limit: everything else is answered 503
        try:
            assert (await api.http.get("/api/v1/alerts/", headers=api.viewer)).status_code == 503
            samples = await scrape(api.http)
        finally:
            guard.in_flight = 0
        assert value(samples, "herald_http_requests_total", route="(shed)", status="503") >= 1


@pytest.fixture
async def refusing() -> AsyncIterator[WebhookReceiver]:
    server = WebhookReceiver()
    server.script.extend([Scripted(400)] * 5)
    await server.start()
    yield server
    await server.stop()


async def worker_scrape(port: int) -> Samples:
    async with httpx.AsyncClient() as http:
        return await scrape(http, f"http://127.0.0.1:{port}/metrics")


async def test_worker_metrics_after_a_delivery_and_a_failed_one(
    stack: Stack, receiver: WebhookReceiver, refusing: WebhookReceiver
) -> None:
    port = free_port()
    server = serve_worker_metrics(port, "127.0.0.1")
    try:
        before = await worker_scrape(port)
        await channel(stack, "works", "webhook", {"url": receiver.url})
        await channel(stack, "refuses", "webhook", {"url": refusing.url})
        alert = await fire(stack, f"metrics-{uuid.uuid4().hex[:6]}")
        await eventually(
            lambda: deliveries(stack, alert["id"]),
            lambda rows: {r["channel_name"]: r["status"] for r in rows} == {"works": "delivered", "refuses": "failed"},
            within=60,
        )
        after = await worker_scrape(port)
    finally:
        server.shutdown()

    def grown(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grown("herald_notifications_total", channel_type="webhook", outcome="delivered") >= 1
    assert grown("herald_notifications_total", channel_type="webhook", outcome="failed") >= 1
    assert grown("herald_delivery_attempts_count", channel_type="webhook", outcome="delivered") >= 1
    assert grown("herald_delivery_attempts_count", channel_type="webhook", outcome="failed") >= 1
    assert grown("herald_delivery_latency_seconds_count", channel_type="webhook") >= 1
    assert grown("herald_delivery_latency_seconds_sum", channel_type="webhook") > 0


async def test_a_real_prometheus_scrapes_the_api(
    dev_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    async with serving(dev_settings) as (url, _), httpx.AsyncClient() as http:
        assert (await http.get(f"{url}/healthz")).status_code == 200
        server = PrometheusServer(tmp_path_factory.mktemp("prometheus-herald"), int(url.rsplit(":", 1)[1]))
        await server.start()
        try:
            found = await server.wait_for_series('herald_http_requests_total{route="/healthz",status="200"}')
            up = await server.wait_for_series('up{job="herald-test"} == 1')
        finally:
            await server.stop()
    assert float(found[0]["value"][1]) >= 1 and found[0]["metric"]["method"] == "GET"
    assert up


async def test_the_temporal_sdk_runtime_serves_its_metrics(
    dev_env: WorkflowEnvironment, sessions: async_sessionmaker[AsyncSession], dev_settings: Settings
) -> None:
    port = free_port()
    client = await Client.connect(
        dev_settings.temporal_address,
        data_converter=herald_data_converter,
        runtime=metrics_runtime(f"127.0.0.1:{port}"),
    )
    queue = f"sdk-metrics-{uuid.uuid4().hex[:6]}"
    alerting = AlertingClient(client, task_queue=queue, update_timeout=5, ingest_concurrency=1)
    async with build_worker(client, sessions, dev_settings, task_queue=queue) as worker, worker:
        assert await alerting.wake_inbox() is None  # a workflow task and an inbox.drain activity on this worker
        try:
            async with httpx.AsyncClient() as http:

                async def names() -> set[str]:
                    try:
                        answer = await http.get(f"http://127.0.0.1:{port}/metrics")
                    except httpx.HTTPError:
                        return set()
                    return {name for name, _ in parse(answer.text)}

                seen = await eventually(names, lambda found: TEMPORAL_SDK_METRICS <= found)
        finally:
            await client.get_workflow_handle(inbox_drain_workflow_id(queue)).terminate("test over")
    assert TEMPORAL_SDK_METRICS <= seen


async def test_a_level_that_falls_due_is_observed_in_escalation_lateness(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    """Level 1 reaches nobody (an empty team), so level 2 falls due at once and runs through the due
    path: its lateness is observed by the level-lookup activity."""
    before = parse(exposition().decode())
    user = await stack.http.post(
        "/api/v1/users",
        headers=stack.admin,
        json={
            "name": "ann",
            "email": "ann@example.com",
            "contact_methods": [{"type": "webhook", "address": receiver.url}],
        },
    )
    assert user.status_code == 201, user.text
    team = await stack.http.post("/api/v1/teams", headers=stack.admin, json={"name": "nobody"})
    assert team.status_code == 201, team.text
    levels = [
        {"targets": [{"type": "team", "id": team.json()["id"]}], "delay_minutes": 60},
        {"targets": [{"type": "user", "id": user.json()["id"]}], "delay_minutes": 60},
    ]
    policy = await stack.http.post(
        "/api/v1/escalation-policies", headers=stack.admin, json={"name": "Gap", "levels": levels}
    )
    assert policy.status_code == 201, policy.text
    alert = await stack.http.post(
        "/api/v1/alerts/",
        headers=stack.responder,
        json={"title": "gap", "severity": "critical", "escalation_policy_id": policy.json()["id"]},
    )
    assert alert.status_code == 201, alert.text
    await receiver.wait_for(1)  # ann, paged by level 2
    after = parse(exposition().decode())
    count = "herald_escalation_lateness_seconds_count"
    assert value(after, count) - value(before, count) >= 1
    assert value(after, "herald_escalation_lateness_seconds_sum") >= value(
        before, "herald_escalation_lateness_seconds_sum"
    )
