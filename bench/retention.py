"""A retention pass and the statistics over a year of alerts at 10,000 a day.

Makes a scratch database on the PostgreSQL at `--maintenance-url` (migrated to head) and seeds one
tenant, oldest day first, with `--per-day` alerts a day for `--days` days (generate_series, one
statement per table per day): each alert with three timeline entries, one member and one delivery;
99 % resolved (within an hour), a third acknowledged, 1 % still open. Seeding stops after
`--seed-seconds` (what was seeded is said, and the figures for a full year are extrapolated from
the measured rate). Then it ANALYZEs, times `/api/v1/alerts/statistics`' queries over the seeded
year (day buckets in Europe/Paris, with and without group_by), prints the plan of the bucket query,
and runs one retention pass (`retention.purge`, 90-day retention, batches of 1,000) while another
connection keeps writing alert rows as the projection does, timing the slowest of those writes.
The scratch database is dropped at the end.

Usage: `python -m bench.retention [--maintenance-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]`
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy import text
from temporalio.testing import ActivityEnvironment

from activities.retention import RetentionActivities
from bench.console_queries import _dsn, create_database, drop_database
from models import alert_queries
from models.alert_trends import trends
from models.db import create_engine, create_sessionmaker
from models.migrate import upgrade_async
from models.secrets import new_secret_key
from settings import Settings
from workflows.retention_payloads import PurgeRequest

TENANT = "bench"

ALERTS = """
INSERT INTO alerts (id, tenant_id, workflow_id, dedup_key, title, description, severity, category, source,
    labels, annotations, status, event_count, created_at, last_seen, acknowledged_at, resolved_at, notify_cycle,
    version, channel_ids, escalation_level, firing_members, resolved_members)
SELECT $1 || '-' || g, 'bench', 'alert/bench/key-' || (g % 500), 'key-' || (g % 500), 'Bench alert ' || (g % 500), '',
    (ARRAY['critical', 'high', 'medium', 'low', 'info'])[1 + g % 5], 'system', 'prometheus',
    jsonb_build_object('service', 'svc-' || (g % 20), 'team', 'team-' || (g % 7)), '{}'::jsonb,
    CASE WHEN g % 100 = 0 THEN 'triggered' ELSE 'resolved' END, 1 + g % 4, at, at,
    CASE WHEN g % 3 = 0 THEN at + make_interval(secs => 30 + g % 600) END,
    CASE WHEN g % 100 <> 0 THEN at + make_interval(secs => 60 + g % 3600) END,
    0, 1, '[]'::jsonb, 1 + (g % 10 = 0)::int, 1, 0
FROM (SELECT g, $2::timestamptz + make_interval(secs => g * 86400.0 / $3) AS at FROM generate_series(0, $3 - 1) g) s
"""
EVENTS = """
INSERT INTO alert_events (tenant_id, alert_id, dedup, at, kind, message, details)
SELECT 'bench', a.id, k.kind, a.created_at, k.kind, '', '{}'::jsonb
FROM alerts a, (VALUES ('triggered'), ('notified'), ('resolved')) AS k(kind)
WHERE a.tenant_id = 'bench' AND a.id LIKE $1 || '-%'
"""
MEMBERS = """
INSERT INTO alert_members (alert_id, key, tenant_id, labels, title, status, transitions, event_count, first_seen,
    last_seen, resolved_at)
SELECT id, 'm', 'bench', labels, title, CASE WHEN status = 'resolved' THEN 'resolved' ELSE 'firing' END, 1, 1,
    created_at, created_at, resolved_at
FROM alerts WHERE tenant_id = 'bench' AND id LIKE $1 || '-%'
"""
DELIVERIES = """
INSERT INTO notifications (id, tenant_id, alert_id, channel_id, channel_name, channel_type, event, idempotency_key,
    status, attempts, created_at, updated_at)
SELECT md5(id), 'bench', id, 'c1', 'ops', 'webhook', 'triggered', id || '/triggered', 'delivered', 1, created_at,
    created_at
FROM alerts WHERE tenant_id = 'bench' AND id LIKE $1 || '-%'
"""
BUCKETS_SQL = """
SELECT date_trunc('day', timezone('Europe/Paris', created_at)) AS b, count(*), count(acknowledged_at),
    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - created_at))
FROM alerts WHERE tenant_id = 'bench' AND created_at >= $1 AND created_at < $2 GROUP BY b ORDER BY b
"""
WRITE = "UPDATE alerts SET last_seen = now(), event_count = event_count + 1 WHERE id = $1"


async def seed(url: str, days: int, per_day: int, budget: float, now: datetime) -> tuple[int, float]:
    """Seeds oldest day first until `days` are in or `budget` seconds have passed: (days seeded, seconds)."""
    connection = await asyncpg.connect(_dsn(url))
    started = time.monotonic()
    seeded = 0
    try:
        await connection.execute("INSERT INTO tenants (id, name) VALUES ('bench', 'bench')")
        for day in range(days, 0, -1):
            if time.monotonic() - started > budget:
                break
            prefix = f"d{day}"
            async with connection.transaction():
                await connection.execute(ALERTS, prefix, now - timedelta(days=day), per_day)
                for statement in (EVENTS, MEMBERS, DELIVERIES):
                    await connection.execute(statement, prefix)
            seeded += 1
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return seeded, time.monotonic() - started


async def writer(url: str, stop: asyncio.Event, latencies: list[float]) -> None:
    """The projection's kind of write on the newest (open) alerts, every 20 ms, timed."""
    connection = await asyncpg.connect(_dsn(url))
    try:
        ids = [r[0] for r in await connection.fetch("SELECT id FROM alerts ORDER BY created_at DESC LIMIT 50")]
        i = 0
        while not stop.is_set():
            began = time.monotonic()
            await connection.execute(WRITE, ids[i % len(ids)])
            latencies.append(time.monotonic() - began)
            i += 1
            await asyncio.sleep(0.02)
    finally:
        await connection.close()


async def main(maintenance_url: str, days: int, per_day: int, seed_seconds: float) -> None:
    url = await create_database(maintenance_url)
    engine = create_engine(url)
    try:
        await upgrade_async(url)
        now = datetime.now(UTC)
        seeded, took = await seed(url, days, per_day, seed_seconds, now)
        alerts = seeded * per_day
        print(f"seeded {seeded} of {days} days: {alerts:,} alerts, {alerts * 6:,} rows in {took:.0f} s")
        if seeded < days:
            print(f"  (a full year at that rate: {took * days / seeded:.0f} s; figures below are for what was seeded)")

        sessions = create_sessionmaker(engine)
        since, until = now - timedelta(days=days + 1), now
        for label, group in (("day buckets", None), ("day buckets by severity", "severity")):
            runs = []
            for _ in range(3):
                began = time.monotonic()
                async with sessions() as session:
                    await trends(
                        session=session, tenant_id=TENANT, since=since, until=until, bucket="day",
                        time_zone="Europe/Paris", group_by=group,  # type: ignore[arg-type]
                    )  # fmt: skip
                runs.append(time.monotonic() - began)
            print(f"statistics trends ({label}, {seeded} days): median {statistics.median(runs) * 1000:.0f} ms")
        began = time.monotonic()
        async with sessions() as session:
            await alert_queries.statistics(session=session, tenant_id=TENANT, since=since, until=until)
        print(f"statistics totals (existing fields, {seeded} days): {(time.monotonic() - began) * 1000:.0f} ms")
        async with sessions() as session:
            plan = await session.execute(
                text("EXPLAIN " + BUCKETS_SQL.replace("$1", ":since").replace("$2", ":until")),
                {"since": since, "until": until},
            )
            print("plan of the bucket query:\n  " + "\n  ".join(str(r[0]) for r in plan))

        settings = Settings(DATABASE_URL=url, HERALD_SECRET_KEY=new_secret_key())  # retention 90 days
        activities = RetentionActivities(sessions, settings)
        stop, quiet = asyncio.Event(), list[float]()
        writing = asyncio.create_task(writer(url, stop, quiet))
        await asyncio.sleep(10)
        stop.set()
        await writing
        quiet.sort()
        print(
            f"alert writes without a pass (10 s): {len(quiet)}, median {statistics.median(quiet) * 1000:.1f} ms, "
            f"p99 {quiet[int(len(quiet) * 0.99)] * 1000:.1f} ms, max {quiet[-1] * 1000:.1f} ms"
        )
        stop, latencies = asyncio.Event(), list[float]()
        writing = asyncio.create_task(writer(url, stop, latencies))
        began = time.monotonic()
        summary = await ActivityEnvironment().run(
            activities.purge, PurgeRequest(at=now, batch_size=1000, budget_seconds=3600)
        )
        elapsed = time.monotonic() - began
        stop.set()
        await writing
        rate = summary.rows / elapsed if elapsed else 0.0
        print(
            f"retention pass: {summary.alerts:,} alerts, {summary.alert_events:,} timeline entries, "
            f"{summary.alert_members:,} members, {summary.deliveries:,} deliveries = {summary.rows:,} rows "
            f"in {elapsed:.1f} s ({summary.batches} batches): {rate:,.0f} rows/s, {summary.alerts / elapsed:,.0f} alerts/s"
        )
        if seeded < days:
            full = (days - 90) * per_day * 6
            print(f"  a full year ({full:,} rows past 90 days) at that rate: {full / rate:.0f} s")
        latencies.sort()
        print(
            f"concurrent alert writes during the pass: {len(latencies)}, median {statistics.median(latencies) * 1000:.1f} ms, "
            f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
        )
        async with sessions() as session:
            left = await session.scalar(text("SELECT count(*) FROM alerts WHERE tenant_id = 'bench'"))
        print(f"alerts left: {left:,} (the last 90 days, and the open ones of every day)")
    finally:
        await engine.dispose()
        await drop_database(url, maintenance_url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--maintenance-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=10_000)
    parser.add_argument("--seed-seconds", type=float, default=150)
    args = parser.parse_args()
    asyncio.run(main(args.maintenance_url, args.days, args.per_day, args.seed_seconds))
