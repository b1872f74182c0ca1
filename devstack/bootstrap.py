"""First-run setup shared by `herald dev` and `herald init`: the default tenant and the
bootstrap admin key, and the default team, escalation policies and routing."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text

from models.api_keys import Role, new_key, store_key
from models.db import create_engine, create_sessionmaker
from models.migrate import SETUP_LOCK
from models.secrets import new_secret_key
from models.tenants import Seeded, seed_tenant


def admin_key_for(data_dir: Path | None) -> tuple[str, str]:
    """The admin key and where it came from: env, the data dir's file, or newly generated."""
    from_env = os.environ.get("HERALD_ADMIN_API_KEY")
    if from_env:
        return from_env, "HERALD_ADMIN_API_KEY"
    if data_dir is None:
        return new_key(), "generated"
    path = data_dir / "admin_api_key"
    if path.exists():
        return path.read_text().strip(), str(path)
    key = new_key()
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key, f"generated, kept in {path}"


async def bootstrap(database_url: str, tenant_id: str, admin_key: str | None) -> Seeded:
    """Idempotent: each part of the defaults goes only into a tenant that has none of it."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with create_sessionmaker(engine).begin() as session:
            # Two `herald init` at once (or one beside `herald db upgrade`) take turns.
            await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETUP_LOCK})
            seeded = await seed_tenant(session, tenant_id)
            if admin_key:
                # The operator's own key: a platform admin (its tenant's admin, and `/api/v1/tenants`). A key
                # registered as admin by an earlier release is raised to platform.
                row = await store_key(
                    session=session, tenant_id=tenant_id, name="bootstrap-admin", role=Role.PLATFORM, key=admin_key
                )
                if row.tenant_id == tenant_id and row.role == Role.ADMIN.value:
                    row.role = Role.PLATFORM.value
    finally:
        await engine.dispose()
    return seeded


def secret_key_for(data_dir: Path) -> tuple[str, str]:
    """The key that seals channel secrets: env, else the data dir's file, else a new one kept there."""
    from_env = os.environ.get("HERALD_SECRET_KEY")
    if from_env:
        return from_env, "HERALD_SECRET_KEY"
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip(), str(path)
    key = new_secret_key()
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key, f"generated, kept in {path}"
