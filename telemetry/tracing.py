"""OpenTelemetry tracing across API → Temporal → activities, off unless the standard OTEL variables ask.

On when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, or
`OTEL_TRACES_EXPORTER` names an exporter (`otlp`, or `console` for a look without a collector);
`OTEL_TRACES_EXPORTER=none` turns it off whatever else is set. The service name is
`OTEL_SERVICE_NAME` (default `herald-api` / `herald-worker`); the OTLP exporter reads its own
variables (headers, timeout...). Temporal's `TracingInterceptor` on the client carries the span
context in workflow and activity headers; a worker built on that client traces its workflows and
activities as children.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from temporalio.client import Interceptor
from temporalio.contrib.opentelemetry import TracingInterceptor

_providers: dict[str, TracerProvider] = {}  # one per service name, built on first use


def tracing_enabled(env: Mapping[str, str]) -> bool:
    exporter = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none":
        return False
    return bool(exporter or env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def _exporter(env: Mapping[str, str]) -> SpanExporter:
    if env.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "console":
        return ConsoleSpanExporter()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()  # endpoint, headers, timeout from the OTEL_EXPORTER_OTLP_* variables


def tracer_provider(service: str, env: Mapping[str, str] | None = None) -> TracerProvider | None:
    """This process's provider for `service` when tracing is on (built once), else None."""
    env = os.environ if env is None else env
    if not tracing_enabled(env):
        return None
    if service not in _providers:
        name = env.get("OTEL_SERVICE_NAME") or service
        provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
        provider.add_span_processor(BatchSpanProcessor(_exporter(env)))
        _providers[service] = provider
    return _providers[service]


def temporal_interceptors(service: str, env: Mapping[str, str] | None = None) -> list[Interceptor]:
    """`[TracingInterceptor]` for `Client.connect` when tracing is on, else `[]` (nothing installed)."""
    provider = tracer_provider(service, env)
    if provider is None:
        return []
    return [TracingInterceptor(tracer=provider.get_tracer("herald.temporal"))]
