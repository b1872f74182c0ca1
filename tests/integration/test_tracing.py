"""OpenTelemetry tracing across API → Temporal → activities, switched on by the standard OTEL variables:
a client Herald connects (gateway.connect) starts a workflow, a worker built on it runs the workflow and
its activity, and every span lands in one trace (kept in memory: nothing leaves the machine)."""

from __future__ import annotations

import uuid

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.contrib.opentelemetry import TracingInterceptor

from gateway.client import AlertingClient
from gateway.connect import connect
from settings import Settings
from telemetry.tracing import tracer_provider
from tests.support.alerts import eventually
from worker import build_worker
from workflows.ids import inbox_drain_workflow_id


async def test_without_otel_variables_no_interceptor_is_installed(
    dev_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    client = await connect(dev_settings, service="herald-test-untraced")
    assert client.config()["interceptors"] == []


async def test_one_trace_from_the_client_through_the_workflow_to_its_activity(
    dev_settings: Settings, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    service = f"herald-test-{uuid.uuid4().hex[:6]}"
    client = await connect(dev_settings, service=service)
    assert any(isinstance(i, TracingInterceptor) for i in client.config()["interceptors"])
    provider = tracer_provider(service)
    assert provider is not None
    spans = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(spans))

    queue = f"traced-{uuid.uuid4().hex[:6]}"
    alerting = AlertingClient(client, task_queue=queue, update_timeout=5, ingest_concurrency=1)
    async with build_worker(client, sessions, dev_settings, task_queue=queue) as worker, worker:
        assert await alerting.wake_inbox() is None
        try:
            finished = await eventually(
                lambda: _names(spans), lambda names: "RunActivity:inbox.drain" in names, within=30
            )
        finally:
            await client.get_workflow_handle(inbox_drain_workflow_id(queue)).terminate("test over")
            provider.shutdown()  # flushes the console exporter while this test's output is still captured
    assert {"SignalWithStartWorkflow:InboxDrainWorkflow", "RunWorkflow:InboxDrainWorkflow"} <= finished, finished
    traces = {span.context.trace_id for span in spans.get_finished_spans() if span.context is not None}
    assert len(traces) == 1  # the worker's spans are children of the client's


async def _names(exporter: InMemorySpanExporter) -> set[str]:
    return {span.name for span in exporter.get_finished_spans()}
