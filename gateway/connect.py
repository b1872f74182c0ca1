"""One way to reach Temporal, with the one data converter Herald uses everywhere."""

from __future__ import annotations

from pathlib import Path

from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import TLSConfig

from gateway.data_converter import herald_data_converter
from settings import Settings
from telemetry.tracing import temporal_interceptors


def _tls(settings: Settings) -> TLSConfig | bool:
    if settings.temporal_tls_cert or settings.temporal_tls_ca:
        return TLSConfig(
            client_cert=Path(settings.temporal_tls_cert).read_bytes() if settings.temporal_tls_cert else None,
            client_private_key=Path(settings.temporal_tls_key).read_bytes() if settings.temporal_tls_key else None,
            server_root_ca_cert=Path(settings.temporal_tls_ca).read_bytes() if settings.temporal_tls_ca else None,
        )
    # Temporal Cloud with an API key needs TLS without client certificates.
    return settings.temporal_tls or settings.temporal_api_key is not None


def metrics_runtime(address: str) -> Runtime:
    """A Temporal SDK runtime serving its own Prometheus metrics at http://`address`/metrics (host:port)."""
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))


async def connect(
    settings: Settings, *, lazy: bool = False, service: str = "herald-api", runtime: Runtime | None = None
) -> Client:
    """`lazy`: connect on first use, so a process can start while Temporal is down. `service` names the
    process in traces (telemetry/tracing.py: on only with the OTEL variables); `runtime` carries the SDK's
    own metrics (`metrics_runtime`), else the default runtime."""
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=herald_data_converter,
        tls=_tls(settings),
        api_key=api_key,
        lazy=lazy,
        interceptors=temporal_interceptors(service),
        runtime=runtime,
    )
