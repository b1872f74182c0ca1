"""Server time of the console's reads with 10,000 open alerts in one tenant (and 40,000 in others).

Makes a scratch database on the PostgreSQL at `--maintenance-url` (migrated to head), fills it with
`--alerts` open alerts for the measured tenant and four times as many for others (severities,
statuses and label sets mixed; a realistic spread of titles), ANALYZEs, then times each read the
console makes, as the API makes it (`models.alert_queries.list_alerts`, first page of 100, with its
`total`; `models.alert_changes.changed_since`), median of `--repeat` runs, and prints each plan's shape
from EXPLAIN ANALYZE. The scratch database is dropped at the end.

Usage: `python bench/console_queries.py [--maintenance-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]`
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncSession

from models import alert_queries
from models.alert_changes import changed_since
from models.alert_queries import AlertFilter
from models.db import create_engine, create_sessionmaker
from models.migrate import upgrade_async
from noise.matchers import parse_matcher


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def create_database(maintenance_url: str) -> str:
    name = f"herald_bench_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(_dsn(maintenance_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return make_url(maintenance_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(url: str, maintenance_url: str) -> None:
    connection = await asyncpg.connect(_dsn(maintenance_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await connection.close()


FILL = """
INSERT INTO alerts (id, tenant_id, workflow_id, dedup_key, title, description, severity, category, source,
    labels, annotations, status, event_count, created_at, last_seen, notify_cycle, version, channel_ids,
    firing_members, resolved_members)
SELECT md5(:tenant || i), :tenant, 'alert/' || :tenant || '/' || i, 'key-' || i,
    (ARRAY['Disk full', 'CPU high', 'Latency high', 'Pod crash looping', 'Cert expiring'])[1 + i % 5]
        || ' on host-' || (i % 500),
    '', (ARRAY['critical', 'high', 'medium', 'low', 'info'])[1 + i % 5], 'system', 'prometheus',
    jsonb_build_object('alertname', 'A' || (i % 50), 'host', 'host-' || (i % 500), 'env',
        (ARRAY['prod', 'staging'])[1 + i % 2]),
    '{}'::jsonb, (ARRAY['triggered', 'triggered', 'acknowledged'])[1 + i % 3], 1,
    now() - make_interval(secs => i * 7), now() - make_interval(secs => i * 3), 0, 1, '[]'::jsonb, 1, 0
FROM generate_series(1, :count) AS i
"""


async def timed(call: Callable[[AsyncSession], Awaitable[Any]], sessions: Any, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        async with sessions() as session:
            started = time.perf_counter()
            await call(session)
            runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


async def run(maintenance_url: str, alerts: int, repeat: int) -> None:
    url = await create_database(maintenance_url)
    engine = create_engine(url)
    try:
        await upgrade_async(url)
        sessions = create_sessionmaker(engine)
        tenant = "bench"
        async with sessions.begin() as session:
            for name, count in [(tenant, alerts)] + [(f"other-{n}", alerts) for n in range(4)]:
                await session.execute(text("INSERT INTO tenants (id, name) VALUES (:t, :t)"), {"t": name})
                await session.execute(text(FILL), {"tenant": name, "count": count})
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE alerts"))
        open_ = ["triggered", "acknowledged"]
        reads: dict[str, AlertFilter] = {
            "open alerts (the home page)": AlertFilter(status=open_),
            "open + severity critical": AlertFilter(status=open_, severity=["critical"]),
            "open + free text 'host-42'": AlertFilter(status=open_, text="host-42"),
            "open + category and source": AlertFilter(status=open_, category=["system"], source=["prometheus"]),
            "open + label env=prod": AlertFilter(status=open_, labels={"env": "prod"}),
            "open + matcher alertname=~A1.*": AlertFilter(status=open_, matchers=[parse_matcher('alertname=~"A1.*"')]),
            "open + created in the last hour": AlertFilter(status=open_, since=datetime.now(UTC) - timedelta(hours=1)),
            "count for one facet (limit 1)": AlertFilter(status=["resolved"]),
        }
        print(f"{alerts} open alerts in the tenant, {4 * alerts} in four others; median of {repeat} runs")
        for name, flt in reads.items():
            limit = 1 if "limit 1" in name else 100

            async def read(session: AsyncSession, flt: AlertFilter = flt, limit: int = limit) -> Any:
                return await alert_queries.list_alerts(
                    session=session, tenant_id=tenant, flt=flt, sort="-created_at", limit=limit, cursor=None
                )

            print(f"  {name:34} {await timed(read, sessions, repeat):7.1f} ms")
        async with sessions() as session:
            newest = int(await session.scalar(text("SELECT max(change_seq) FROM alerts")) or 0)

        async def replay(session: AsyncSession) -> Any:
            return await changed_since(session=session, tenant_id=tenant, after=newest - 500)

        print(f"  {'stream resume (changes after a cursor)':34} {await timed(replay, sessions, repeat):7.1f} ms")
        async with sessions() as session:
            for label, sql in (
                ("home page", "SELECT * FROM alerts WHERE tenant_id = 'bench' AND status IN ('triggered', "
                 "'acknowledged') ORDER BY created_at DESC, id DESC LIMIT 101"),
                ("home page total", "SELECT count(*) FROM alerts WHERE tenant_id = 'bench' AND status IN "
                 "('triggered', 'acknowledged')"),
                ("free text", "SELECT count(*) FROM alerts WHERE tenant_id = 'bench' AND status IN ('triggered', "
                 "'acknowledged') AND (title ILIKE '%host-42%' OR source ILIKE '%host-42%' OR dedup_key ILIKE "
                 "'%host-42%')"),
                ("stream resume", f"SELECT * FROM alerts WHERE tenant_id = 'bench' AND change_seq > {newest - 500} "
                 "ORDER BY change_seq LIMIT 1000"),
            ):  # fmt: skip
                plan = list((await session.execute(text("EXPLAIN ANALYZE " + sql))).scalars().all())
                nodes = [line.strip().split("  (")[0] for line in plan[:1] + [x for x in plan if "->" in x]]
                timing = next(line for line in plan if line.startswith("Execution Time"))
                print(f"  plan, {label}: {' / '.join(n.lstrip('-> ') for n in nodes[:4])}; {timing}")
    finally:
        await engine.dispose()
        await drop_database(url, maintenance_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maintenance-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    asyncio.run(run(args.maintenance_url, args.alerts, args.repeat))


if __name__ == "__main__":
    main()
