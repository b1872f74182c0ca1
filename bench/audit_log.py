"""Server time of the audit log's reads on a seeded `audit_log` (and the plans EXPLAIN ANALYZE shows).

Makes a scratch database on the PostgreSQL at `--maintenance-url` (migrated to head), fills `audit_log`
with `--rows` rows for the measured tenant and as many again spread over nine others (a year of changes:
resources, actions, 20 keys and 10 people mixed), ANALYZEs, then times each read as the API makes it
(`models.audit.list_entries`, first page of 100; `page_bound` of an export part of 10,000), median of
`--repeat` runs, and prints each plan's first line and the indexes it uses. The scratch database is dropped.

Usage: `python bench/audit_log.py [--rows 500000] [--maintenance-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]`
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from bench.console_queries import create_database, drop_database
from models.audit import AuditFilter, list_entries, page_bound
from models.db import create_engine, create_sessionmaker
from models.migrate import upgrade_async
from models.tables import AuditEntry

TENANT = "measured"
FILL = """
INSERT INTO audit_log (tenant_id, at, key_id, key_name, user_id, via, client_address, request_id,
    resource, resource_id, action, before, after)
SELECT :tenant,
       now() - (i * interval '1 second') * (31536000.0 / :rows),
       'key-' || (i % 20), 'key ' || (i % 20), CASE WHEN i % 20 < 10 THEN 'user-' || (i % 10) END,
       'api-key', '10.0.0.' || (i % 250), md5(i::text),
       (ARRAY['channel','template','user','team','schedule','silence','alert','alert','alert','rule'])[1 + i % 10],
       'res-' || (i % 5000),
       (ARRAY['create','update','delete','acknowledge','resolve'])[1 + i % 5],
       jsonb_build_object('name', 'x' || i), jsonb_build_object('name', 'y' || i)
FROM generate_series(1, :rows) AS i
"""


async def timed(read: Callable[[], Awaitable[Any]], repeat: int) -> float:
    spent = []
    for _ in range(repeat):
        started = time.perf_counter()
        await read()
        spent.append((time.perf_counter() - started) * 1000)
    return statistics.median(spent)


async def plan(session: AsyncSession, flt: AuditFilter) -> str:
    query = (
        select(AuditEntry)
        .where(*flt.conditions())
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(101)
        .compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})  # type: ignore[no-untyped-call]
    )
    lines = (await session.execute(text(f"EXPLAIN ANALYZE {query}"))).scalars().all()
    indexes = sorted(set(re.findall(r"ix_audit_log_\w+", "\n".join(lines))))
    total = next((line for line in lines if line.startswith("Execution Time")), "")
    return f"{lines[0].split('  (')[0].strip()} | {', '.join(indexes) or 'no index'} | {total}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maintenance-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    url = await create_database(args.maintenance_url)
    engine = create_engine(url)
    try:
        await upgrade_async(url)
        sessions = create_sessionmaker(engine)
        started = time.perf_counter()
        async with sessions.begin() as session:
            for tenant in [TENANT, *(f"other-{n}" for n in range(9))]:
                await session.execute(text("INSERT INTO tenants (id, name) VALUES (:t, :t)"), {"t": tenant})
                rows = args.rows if tenant == TENANT else args.rows // 9
                await session.execute(text(FILL), {"tenant": tenant, "rows": rows})
            await session.execute(
                text(
                    "INSERT INTO audit_log (tenant_id, at, key_id, via, resource, action) SELECT :t, "
                    "now() - interval '300 days' - i * interval '1 hour', 'key-rare', 'api-key', 'channel', 'update' "
                    "FROM generate_series(1, 5) AS i"
                ),
                {"t": TENANT},
            )
        async with sessions.begin() as session:
            await session.execute(text("ANALYZE audit_log"))
        print(f"seeded {args.rows} rows (+{args.rows} in 9 other tenants) in {time.perf_counter() - started:.0f} s")
        month = datetime.now(UTC) - timedelta(days=30)
        cases = {
            "newest first, no filter": AuditFilter(TENANT),
            "resource=channel": AuditFilter(TENANT, resource="channel"),
            "resource=user, resource_id=res-42 (one resource's history)": AuditFilter(
                TENANT, resource="user", resource_id="res-42"
            ),
            "actor=key-rare (5 rows, 300 days old)": AuditFilter(TENANT, actor="key-rare"),
            "actor=key-7 (a key)": AuditFilter(TENANT, actor="key-7"),
            "actor=user-3 (a person)": AuditFilter(TENANT, actor="user-3"),
            "from = 30 days ago, action=delete": AuditFilter(TENANT, action="delete", since=month),
        }
        print("| read | median ms | plan | indexes | execution |")
        print("|---|---|---|---|---|")
        for name, flt in cases.items():
            async with sessions() as session:

                async def first_page(flt: AuditFilter = flt, session: AsyncSession = session) -> Any:
                    return await list_entries(session=session, flt=flt, limit=100, cursor=None)

                ms = await timed(first_page, args.repeat)
                shape = await plan(session, flt)
            print(f"| {name} | {ms:.1f} | {shape.replace(' | ', ' | ', 2)} |")
        async with sessions() as session:
            ms = await timed(
                lambda: page_bound(session=session, flt=AuditFilter(TENANT), limit=10_000, cursor=None), args.repeat
            )
        print(f"| export part bound (10,000th row) | {ms:.1f} | | | |")
    finally:
        await engine.dispose()
        await drop_database(url, args.maintenance_url)


if __name__ == "__main__":
    asyncio.run(main())
