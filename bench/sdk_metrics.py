"""The Temporal SDK's own metrics of a bench's worker, read from its Prometheus endpoint and compared between two moments.

The worker serves them when `HERALD_TEMPORAL_METRICS_ADDRESS` is set (`Stack(sdk_metrics=True)`): the SDK core's
`temporal_*` series. Histograms are in milliseconds (the core's default). A snapshot keys every sample by its name,
the task type it is about (`workflow_type` or `activity_type`, else "") and its bucket bound (`le`, else ""); the
other labels (namespace, task queue, worker type) are summed over. What a phase did is `after - before`.
The core's buckets are coarse (workflow task schedule-to-start: 100, 500, 1,000, 5,000, 10,000, 100,000, 1,000,000 ms;
execution: 1, 10, 20, 50, 100, 200, 500, 1,000 ms), so a quantile is good to its bucket; the means are exact.

Source of the names: https://docs.temporal.io/references/sdk-metrics (the Core SDK's worker metrics).
"""

from __future__ import annotations

import math
from collections import defaultdict

import httpx
from prometheus_client.parser import text_string_to_metric_families

Key = tuple[str, str, str]  # (sample name, workflow or activity type, bucket bound)

# The histograms a phase report shows, in this order: (metric family, what it measures).
LATENCIES = (
    ("temporal_workflow_task_schedule_to_start_latency", "workflow task schedule-to-start"),
    ("temporal_workflow_task_execution_latency", "workflow task execution"),
    ("temporal_activity_schedule_to_start_latency", "activity schedule-to-start"),
    ("temporal_activity_execution_latency", "activity execution"),
    ("temporal_local_activity_execution_latency", "local activity execution"),
)
# The counters it shows per unit of work.
COUNTERS = (
    ("temporal_sticky_cache_hit", "sticky cache hits"),
    ("temporal_sticky_cache_miss", "sticky cache misses"),
    ("temporal_sticky_cache_total_forced_eviction", "sticky cache forced evictions"),
    ("temporal_workflow_task_queue_poll_succeed", "workflow tasks polled"),
    ("temporal_activity_poll_no_task", "activity polls that got no task"),
)


Snapshot = dict[Key, float]


async def sdk_snapshot(http: httpx.AsyncClient, address: str | None) -> Snapshot:
    """Every `temporal_*` sample of the worker's SDK endpoint (`host:port`), summed as the module docstring says;
    nothing when the stack serves none (`address` None: several workers, or `sdk_metrics` off)."""
    if address is None:
        return {}
    text = (await http.get(f"http://{address}/metrics")).text
    found: Snapshot = defaultdict(float)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith("temporal_"):
                kind = sample.labels.get("workflow_type") or sample.labels.get("activity_type") or ""
                found[(sample.name, kind, sample.labels.get("le", ""))] += sample.value
    return dict(found)


def since(after: Snapshot, before: Snapshot) -> Snapshot:
    """What happened between two snapshots (a series absent before counts from zero). Buckets that did not move
    stay, at zero: they are the lower bounds the quantiles interpolate from."""
    return {key: value - before.get(key, 0.0) for key, value in after.items()}


def _quantile(buckets: list[tuple[float, float]], count: float, q: float) -> str:
    """Linear interpolation inside the cumulative bucket that holds the q-th observation (Prometheus' rule);
    "> bound" when it lies above the largest finite bucket."""
    rank, lower, below = q * count, 0.0, 0.0
    for bound, cumulative in buckets:
        if cumulative >= rank:
            if math.isinf(bound):
                return f"> {lower:.0f}"
            inside = cumulative - below
            return f"{lower + (bound - lower) * ((rank - below) / inside if inside else 0.0):.1f}"
        lower, below = bound, cumulative
    return f"> {lower:.0f}"


def report_sdk(phases: list[tuple[str, int, Snapshot]]) -> None:
    """Print, per phase (name, units, after - before): the latencies' count per unit, mean, p50 and p99 (ms, from
    the buckets), by workflow or activity type, and the counters per unit."""
    print("\nTemporal SDK metrics of the worker, per phase (histograms in ms; p50/p99 interpolated in the buckets):")
    for name, units, delta in phases:
        print(f"  {name} ({units} units):")
        for family, meaning in COUNTERS:
            total = sum(v for (sample, _, _), v in delta.items() if sample in (family, f"{family}_total"))
            if total:
                print(f"    {meaning:<40} {total / units:8.2f} per unit")
        for family, meaning in LATENCIES:
            kinds: dict[str, list[tuple[float, float]]] = defaultdict(list)
            sums: dict[str, float] = defaultdict(float)
            counts: dict[str, float] = defaultdict(float)
            for (sample, kind, le), value in delta.items():
                if sample == f"{family}_bucket":
                    kinds[kind].append((float(le), value))
                elif sample == f"{family}_sum":
                    sums[kind] += value
                elif sample == f"{family}_count":
                    counts[kind] += value
            for kind in sorted(kinds, key=lambda k: -counts[k]):
                if counts[kind] <= 0:
                    continue
                buckets = sorted(kinds[kind])
                print(
                    f"    {meaning:<40} {kind or '(all)':<28} {counts[kind] / units:6.2f}/unit  mean "
                    f"{sums[kind] / counts[kind]:8.1f}  p50 {_quantile(buckets, counts[kind], 0.5):>8}  "
                    f"p99 {_quantile(buckets, counts[kind], 0.99):>8}"
                )
