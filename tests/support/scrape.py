"""Reading Prometheus text exposition in tests, with prometheus_client's own parser."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

import telemetry.metrics  # noqa: F401 (registers Herald's metrics in the default registry)

ROOT = Path(__file__).resolve().parents[2]
# The Temporal SDK runtime's metrics the Grafana dashboard uses (tests/integration/test_herald_metrics.py
# checks that a worker's runtime really serves each of them).
TEMPORAL_SDK_METRICS = {
    "temporal_workflow_task_schedule_to_start_latency_bucket",
    "temporal_activity_schedule_to_start_latency_bucket",
    "temporal_sticky_cache_size",
    "temporal_worker_task_slots_available",
}
_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",), "summary": ("",)}
_NAME = re.compile(r"\b(?:herald|temporal)_[a-zA-Z0-9_:]*")

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample of the exposition by (sample name, label set); raises on malformed text."""
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples named `name` whose labels include `labels` (0 when none)."""
    wanted = set(labels.items())
    return sum(v for (n, got), v in samples.items() if n == name and wanted <= got)


async def scrape(http: httpx.AsyncClient, url: str = "/metrics", **kwargs: object) -> Samples:
    answer = await http.get(url, **kwargs)  # type: ignore[arg-type]
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain"), answer.headers
    return parse(answer.text)


def herald_sample_names() -> set[str]:
    """The sample names Herald's own metrics can have (the default registry's herald_* families, labelled
    or not yet observed, and the API's projection gauges)."""
    names = {"herald_open_alerts", "herald_open_alerts_truncated", "herald_rules_in_error"}
    for family in REGISTRY.collect():
        if family.name.startswith("herald_"):
            names |= {family.name + suffix for suffix in _SUFFIXES[family.type]}
    return names


def names_in(expression: str) -> set[str]:
    """The herald_* and temporal_* metric names a PromQL expression uses."""
    return set(_NAME.findall(expression))
