"""Every metric Herald exports about itself, in the process's default `prometheus_client` registry.

Low cardinality by construction: labels are route templates, channel types, outcomes, the ingest
door (`source`), tenants, statuses and severities; never alert ids, keys, URLs or label values.
The API exposes these (and the open-alerts gauges of `api/self_metrics.py`) at `GET /metrics`; the
worker at `HERALD_WORKER_METRICS_PORT` (`serve_worker_metrics`). docs/operations.md, "Monitoring
Herald", lists them with their types and labels.
"""

from __future__ import annotations

from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server

# Seconds: from a quick API answer to a delivery retried for an hour.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
ATTEMPT_BUCKETS = (1, 2, 3, 5, 8, 13, 21, 50, 100)

# The API
HTTP_REQUESTS = Counter(
    "herald_http_requests", "HTTP requests answered, by route template and status", ["method", "route", "status"]
)
HTTP_DURATION = Histogram(
    "herald_http_request_duration_seconds",
    "Time to answer an HTTP request (to the end of its body), by route template",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
EVENTS_INGESTED = Counter(
    "herald_events_ingested", "Events queued in the ingest inbox, by the door they came through", ["source"]
)
EVENTS_REFUSED = Counter(
    "herald_events_refused",
    "Events of batches refused (422) after parsing, by door; bodies that fail to parse count as 422 requests",
    ["source"],
)
SSE_CLIENTS = Gauge("herald_sse_clients", "Live streams (GET /api/v1/stream) open in this API process")

# The worker
NOTIFICATIONS = Counter(
    "herald_notifications",
    "Delivery attempts and their outcome (delivered, retrying, failed, skipped, muted, not_sent, missing_target)",
    ["channel_type", "outcome"],
)
DELIVERY_LATENCY = Histogram(
    "herald_delivery_latency_seconds",
    "From the first scheduling of a delivery to the provider's acceptance, retries included",
    ["channel_type"],
    buckets=LATENCY_BUCKETS,
)
DELIVERY_ATTEMPTS = Histogram(
    "herald_delivery_attempts",
    "Attempts a delivery took to reach its final outcome (delivered or failed)",
    ["channel_type", "outcome"],
    buckets=ATTEMPT_BUCKETS,
)
ESCALATION_LATENESS = Histogram(
    "herald_escalation_lateness_seconds",
    "How long after its due time an escalation level's targets were looked up",
    buckets=LATENCY_BUCKETS,
)
RULE_EVALUATION = Histogram(
    "herald_rule_evaluation_duration_seconds",
    "Time to observe the data sources of one batch of rules",
    buckets=LATENCY_BUCKETS,
)
RULE_EVALUATIONS = Counter(
    "herald_rule_evaluations", "Rule evaluations, by the health they left the rule in (ok, error)", ["health"]
)
RULE_SCHEDULE_LAG = Histogram(
    "herald_rule_schedule_lag_seconds",
    "How long past its due time the most overdue rule of a pass was picked up",
    buckets=LATENCY_BUCKETS,
)


def exposition(*extra: CollectorRegistry) -> bytes:
    """The text exposition (format 0.0.4) of the default registry followed by `extra` registries."""
    return b"".join(generate_latest(registry) for registry in (REGISTRY, *extra))


def serve_worker_metrics(port: int, host: str) -> WSGIServer:
    """Serve the default registry at http://host:port/metrics from a daemon thread (the worker's);
    `shutdown()` on the answer stops it. OSError when the port is taken."""
    server, _thread = start_http_server(port, addr=host)
    return server
