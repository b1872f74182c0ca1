"""Engine and session factory; built by the process that needs them, never at import."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# Connections older than this are replaced at their next checkout: a proxy or firewall that drops idle connections
# silently (PgBouncer, cloud NAT: often after 30-60 minutes) never hands a process a dead one.
POOL_RECYCLE_SECONDS = 1800


def create_engine(
    database_url: str, *, pool_size: int = 10, pre_ping: bool = True, application_name: str | None = None
) -> AsyncEngine:
    """An asyncpg engine with `pool_size` connections (and as many again on demand).

    `pre_ping`: test each connection with a round trip when it is checked out, so a connection PostgreSQL closed
    (a restart, a failover) is replaced before a request sees an error. The worker turns it off: every database
    write of the worker runs in a Temporal activity, which is retried, and the first error on a dead connection
    makes SQLAlchemy replace every connection of the pool opened before it; the ping was one round trip in ten of
    a new alert (docs/performance.md). `application_name` names the process's connections in `pg_stat_activity`.
    """
    connect_args = {"server_settings": {"application_name": application_name}} if application_name else {}
    return create_async_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=pre_ping,
        pool_recycle=POOL_RECYCLE_SECONDS,
        connect_args=connect_args,
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
