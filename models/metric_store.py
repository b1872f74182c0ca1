"""Pushed metrics in PostgreSQL: a series table (name + labels, once) and a narrow samples table.

Ingest resolves each sample's series through a per-process cache, creates the missing series
with one `INSERT ... ON CONFLICT DO NOTHING`, and writes the samples with PostgreSQL's COPY —
the figures are in docs/performance.md. Reads fetch the matching series of a metric name,
then their samples in a time window, in one query per batch of names.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

import asyncpg
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import Conflict
from models.rule_tables import MetricSample, MetricSeries
from models.selectors import Selector
from workflows.ids import canonical_labels, labels_key


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float
    ts: datetime


@dataclass
class Series:
    id: int
    name: str
    labels: dict[str, str]
    points: list[tuple[datetime, float]] = field(default_factory=list)  # oldest first


def series_key(name: str, labels: dict[str, str]) -> str:
    return labels_key(name, labels)


Identity = tuple[str, str, tuple[tuple[str, str], ...]]  # tenant, name, sorted labels
K = TypeVar("K")
V = TypeVar("V")


class Bounded(Generic[K, V]):
    """A dict that forgets its least recently used entries beyond `capacity`."""

    def __init__(self, capacity: int) -> None:
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._capacity = capacity

    def get(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        if len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


class SeriesCache(Bounded[Identity, int]):
    """(tenant, name, sorted labels) → series id. Keyed by the labels themselves, so a known series
    costs no hashing. Series rows are never deleted, so a committed id stays valid; the caller
    clears the cache when a transaction that may have created series rolls back."""

    def __init__(self, capacity: int = 200_000) -> None:
        super().__init__(capacity)


class SeriesLabels(Bounded[int, dict[str, str]]):
    """Series id → labels: a series' labels never change, so repeated reads (every evaluation
    pass) need not fetch and decode them again."""

    def __init__(self, capacity: int = 500_000) -> None:
        super().__init__(capacity)


async def _series_ids(
    session: AsyncSession, tenant_id: str, samples: Sequence[Sample], cache: SeriesCache
) -> list[int]:
    identities: list[Identity] = [(tenant_id, s.name, tuple(sorted(s.labels.items()))) for s in samples]
    unknown = {
        identity: sample for identity, sample in zip(identities, samples, strict=True) if cache.get(identity) is None
    }
    if unknown:
        # Inserted in key order: two concurrent pushes that share new series then take the unique
        # index's locks in the same order and cannot deadlock.
        by_key = dict(
            sorted(((s.name, series_key(s.name, s.labels)), (identity, s)) for identity, s in unknown.items())
        )
        await session.execute(
            text(
                "INSERT INTO metric_series (tenant_id, name, labels, labels_key) "
                "SELECT :tenant, n, l::jsonb, k FROM unnest(CAST(:names AS text[]), CAST(:labels AS text[]), "
                "CAST(:keys AS text[])) AS t(n, l, k) ON CONFLICT ON CONSTRAINT uq_metric_series_identity DO NOTHING"
            ),
            {
                "tenant": tenant_id,
                "names": [name for name, _ in by_key],
                "labels": [json.dumps(sample.labels) for _, sample in by_key.values()],
                "keys": [key for _, key in by_key],
            },
        )
        rows = await session.execute(
            select(MetricSeries.id, MetricSeries.name, MetricSeries.labels_key).where(
                MetricSeries.tenant_id == tenant_id,
                MetricSeries.name.in_({name for name, _ in by_key}),
                MetricSeries.labels_key.in_({key for _, key in by_key}),
            )
        )
        for series_id, name, key in rows:
            if (name, key) in by_key:
                cache.put(by_key[(name, key)][0], series_id)
    ids = [cache.get(identity) for identity in identities]
    assert all(found is not None for found in ids), "every series exists after the insert"
    return [found for found in ids if found is not None]


class DuplicateSamples(Exception):
    """Samples for instants their series already holds with another value (Prometheus's "duplicate
    sample for timestamp"): `clashes` is (index in the batch, the value stored), oldest index first."""

    def __init__(self, clashes: list[tuple[int, float]]) -> None:
        super().__init__(f"{len(clashes)} samples are for instants already stored with another value")
        self.clashes = clashes


async def _copy(session: AsyncSession, records: list[tuple[int, datetime, float]]) -> None:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.copy_records_to_table("metric_samples", records=records, columns=["series_id", "ts", "value"])


async def _stored_values(
    session: AsyncSession, records: list[tuple[int, datetime, float]]
) -> dict[tuple[int, datetime], float]:
    rows = await session.execute(
        text(
            "SELECT m.series_id, m.ts, m.value FROM metric_samples m JOIN unnest(CAST(:ids AS bigint[]), "
            "CAST(:times AS timestamptz[])) AS t(series_id, ts) ON m.series_id = t.series_id AND m.ts = t.ts"
        ),
        {"ids": [r[0] for r in records], "times": [r[1] for r in records]},
    )
    return {(series_id, ts): value for series_id, ts, value in rows}


async def store_samples(
    session: AsyncSession, tenant_id: str, samples: Sequence[Sample], cache: SeriesCache, *, attempts: int = 3
) -> int:
    """Write samples in the session's transaction (COPY on its connection); returns how many were
    already stored, with the same value, and were left as they were.

    A series holds one value per instant (a unique index). A batch is written whole with COPY;
    only when that meets an instant already stored does it look which: the same value is a
    repeat (a retried push) and is skipped, another value raises `DuplicateSamples` and nothing
    is written. The caller refuses samples that repeat an instant within the batch."""
    if not samples:
        return 0
    samples = [
        s if all(s.labels.values()) else Sample(s.name, canonical_labels(s.labels), s.value, s.ts) for s in samples
    ]
    ids = await _series_ids(session, tenant_id, samples, cache)
    records = [(series_id, s.ts, s.value) for series_id, s in zip(ids, samples, strict=True)]
    fresh = records
    for _ in range(attempts):  # a concurrent push may store one of our instants between look and write
        try:
            async with session.begin_nested():
                await _copy(session, fresh)
            return len(records) - len(fresh)
        except asyncpg.UniqueViolationError:
            stored = await _stored_values(session, records)
        clashes = [
            (index, stored[(series_id, ts)])
            for index, (series_id, ts, value) in enumerate(records)
            if (series_id, ts) in stored and stored[(series_id, ts)] != value
        ]
        if clashes:
            raise DuplicateSamples(clashes)
        fresh = [record for record in records if (record[0], record[1]) not in stored]
        if not fresh:
            return len(records)
    raise Conflict(f"samples: concurrent pushes kept writing the same instants ({attempts} attempts); send it again")


async def _series_of(
    session: AsyncSession, tenant_id: str, names: set[str], known: SeriesLabels | None
) -> dict[str, list[Series]]:
    rows = await session.execute(
        select(MetricSeries.id, MetricSeries.name).where(
            MetricSeries.tenant_id == tenant_id, MetricSeries.name.in_(names)
        )
    )
    ids: list[tuple[int, str]] = [(series_id, name) for series_id, name in rows]
    labels = {series_id: found for series_id, _ in ids if known and (found := known.get(series_id)) is not None}
    unknown = [series_id for series_id, _ in ids if series_id not in labels]
    if unknown:
        fetched = await session.execute(
            select(MetricSeries.id, MetricSeries.labels).where(MetricSeries.id.in_(unknown))
        )
        for series_id, found in fetched:
            labels[series_id] = found
            if known is not None:
                known.put(series_id, found)
    by_name: dict[str, list[Series]] = {}
    for series_id, name in ids:
        by_name.setdefault(name, []).append(Series(series_id, name, labels[series_id]))
    return by_name


def _candidates(
    selector: Selector, by_name: dict[str, list[Series]], index: dict[tuple[str, str, str], list[Series]]
) -> list[Series]:
    """The series of the selector's name, narrowed by its first equality matcher through an index."""
    equal = next((m for m in selector.matchers if m.op == "=" and m.value), None)
    if equal is None:
        return by_name.get(selector.name, [])
    return index.get((selector.name, equal.label, equal.value), [])


async def read_series(
    session: AsyncSession,
    tenant_id: str,
    selectors: Iterable[Selector],
    since: datetime,
    until: datetime,
    *,
    max_series: int | None = None,
    known: SeriesLabels | None = None,
) -> dict[Selector, list[Series]]:
    """The series each selector matches, with their samples in (since, until], oldest first."""
    wanted = list(dict.fromkeys(selectors))
    by_name = await _series_of(session, tenant_id, {selector.name for selector in wanted}, known)
    index: dict[tuple[str, str, str], list[Series]] = {}
    for name, series_list in by_name.items():
        for series in series_list:
            for label, label_value in series.labels.items():
                index.setdefault((name, label, label_value), []).append(series)
    matched = {
        selector: [s for s in _candidates(selector, by_name, index) if selector.matches(s.labels)][:max_series]
        for selector in wanted
    }
    by_id = {series.id: series for found in matched.values() for series in found}
    if by_id:
        points = await session.execute(
            select(MetricSample.series_id, MetricSample.ts, MetricSample.value)
            .where(MetricSample.series_id.in_(by_id), MetricSample.ts > since, MetricSample.ts <= until)
            .order_by(MetricSample.series_id, MetricSample.ts)
        )
        for series_id, ts, value in points:
            by_id[series_id].points.append((ts, value))
    return matched


async def prune_samples(session: AsyncSession, before: datetime) -> int:
    """Delete samples older than the retention period; returns how many."""
    result = await session.execute(delete(MetricSample).where(MetricSample.ts < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
