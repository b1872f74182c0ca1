"""Aggregations of a series' samples over a window, with Prometheus's `*_over_time` meaning. Pure.

`rate` is the per-second increase of a counter between the first and last sample of the
window, counting a drop as a reset (the new value is the increase since it); it needs two samples.
`p95` interpolates linearly between closest ranks, as `quantile_over_time(0.95, ...)` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise
from typing import Literal

Aggregation = Literal["avg", "min", "max", "sum", "count", "rate", "p95", "last"]
AGGREGATIONS: tuple[Aggregation, ...] = ("avg", "min", "max", "sum", "count", "rate", "p95", "last")


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rate(points: Sequence[tuple[datetime, float]]) -> float | None:
    if len(points) < 2:
        return None
    increase = 0.0
    for (_, before), (_, after) in pairwise(points):
        increase += after - before if after >= before else after
    seconds = (points[-1][0] - points[0][0]).total_seconds()
    return increase / seconds if seconds > 0 else None


def aggregate(points: Sequence[tuple[datetime, float]], how: Aggregation) -> float | None:
    """The window's value, or None when it has no data (no samples; `rate` with fewer than two)."""
    if not points:
        return None
    values = [value for _, value in points]
    match how:
        case "avg":
            return sum(values) / len(values)
        case "min":
            return min(values)
        case "max":
            return max(values)
        case "sum":
            return sum(values)
        case "count":
            return float(len(values))
        case "rate":
            return rate(points)
        case "p95":
            return quantile(values, 0.95)
        case "last":
            return values[-1]
