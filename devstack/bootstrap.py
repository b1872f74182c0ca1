"""First-run setup shared by `herald dev` and `herald init`: the default tenant and the
bootstrap admin key, and the default team, escalation policies and routing."""

from __future__ import annotations

import os
from pathlib import Path

from models.api_keys import Role, ensure_tenant, new_key, store_key
from models.db import create_engine, create_sessionmaker
from models.defaults import seed_defaults


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


async def bootstrap(database_url: str, tenant_id: str, admin_key: str | None) -> bool:
    """Idempotent; True when this call seeded the default team and escalation policies."""
    engine = create_engine(database_url, pool_size=1)
    try:
        async with create_sessionmaker(engine).begin() as session:
            await ensure_tenant(session=session, tenant_id=tenant_id)
            seeded = await seed_defaults(session, tenant_id)
            if admin_key:
                await store_key(
                    session=session, tenant_id=tenant_id, name="bootstrap-admin", role=Role.ADMIN, key=admin_key
                )
    finally:
        await engine.dispose()
    return seeded
