"""The operator commands (`herald db upgrade`, `init`, `api-key create`, `api-key rotate`, `tenant`) as run in
a directory where `herald dev` runs: they find its database with no environment variable; where
none runs and none is named, or the one named cannot be used, they say so in one line. A tenant
that `api-key create` makes starts with the same defaults as the first one."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from devstack.ports import free_port
from devstack.state import clear_state, write_state
from models.api_keys import Role, hash_key, new_key, store_key
from models.rule_tables import Rule
from models.tables import ApiKey, AuditEntry, EscalationPolicy, RoutingTree, Team, Template
from models.tenants import seed_tenant

HERALD = str(Path(sys.executable).parent / "herald")
NAMING_THE_DATABASE = ("DATABASE_URL", "HERALD_DATABASE_URL", "HERALD_DATA_DIR")


def herald(cwd: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in NAMING_THE_DATABASE} | env
    return subprocess.run([HERALD, *argv], cwd=cwd, env=clean, capture_output=True, text=True, timeout=120)


@pytest.fixture
def dev_dir(tmp_path: Path, database_url: str) -> Iterator[Path]:
    """A directory whose `./.herald` records a running dev stack over the test database (this
    process stands in for the `herald dev` supervisor: the record names a live process)."""
    data_dir = tmp_path / ".herald"
    data_dir.mkdir()
    write_state(
        data_dir,
        database_url=database_url,
        temporal_address=f"127.0.0.1:{free_port()}",
        api_url="http://127.0.0.1:1",
        ui_url="http://127.0.0.1:1",
        inbox_url="http://127.0.0.1:1",
        tenant="default",
    )
    yield tmp_path
    clear_state(data_dir)


async def _defaults(sessions: async_sessionmaker[AsyncSession], tenant: str) -> dict[str, list[str]]:
    async with sessions.begin() as session:
        found = {}
        for table in (Team, EscalationPolicy, Template, Rule):
            names = await session.scalars(select(table.name).where(table.tenant_id == tenant))
            found[table.__name__] = sorted(names)
        tree = await session.scalar(select(RoutingTree.tree).where(RoutingTree.tenant_id == tenant))
        found["routes"] = [str(len(tree["routes"]) if tree else 0)]
        return found


async def test_api_key_create_reaches_the_dev_stack_and_seeds_the_new_tenant(
    dev_dir: Path, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = f"first-{uuid.uuid4().hex[:6]}"
    async with sessions.begin() as session:
        await seed_tenant(session, first)  # the tenant `herald dev` makes
    tenant = f"acme-{uuid.uuid4().hex[:6]}"
    done = herald(dev_dir, "api-key", "create", "--tenant", tenant, "--name", "ops", "--role", "admin")
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip()
    async with sessions.begin() as session:
        row = await session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
    assert row is not None and row.tenant_id == tenant
    seeded = await _defaults(sessions, tenant)
    assert seeded == await _defaults(sessions, first)
    assert len(seeded["EscalationPolicy"]) == 2 and len(seeded["Template"]) == 6 and len(seeded["Rule"]) == 6

    again = herald(dev_dir, "api-key", "create", "--tenant", tenant, "--name", "second")
    assert again.returncode == 0, again.stderr
    assert await _defaults(sessions, tenant) == seeded  # an existing tenant is not seeded twice

    rotated = herald(dev_dir, "api-key", "rotate", "--id", row.id, "--grace-hours", "1")
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.strip().startswith("hk_")
    # Both commands are in the tenant's audit log, as the operator's (no key), and the keys are not.
    async with sessions.begin() as session:
        entries = (
            await session.scalars(select(AuditEntry).where(AuditEntry.tenant_id == tenant).order_by(AuditEntry.id))
        ).all()
    assert [(e.resource, e.action, e.via) for e in entries] == [
        ("api_key", "create", "cli"),
        ("api_key", "create", "cli"),
        ("api_key", "rotate", "cli"),
    ]
    assert entries[0].resource_id == row.id and entries[0].key_id is None
    assert (entries[2].actor_detail or "").startswith("herald api-key rotate (")
    for secret in (key, rotated.stdout.strip(), hash_key(key)):
        assert all(secret not in str(e.after) for e in entries)


async def test_init_and_db_upgrade_reach_the_dev_stack(
    dev_dir: Path, sessions: async_sessionmaker[AsyncSession]
) -> None:
    upgraded = herald(dev_dir, "db", "upgrade")
    assert upgraded.returncode == 0 and "latest revision" in upgraded.stdout, upgraded.stderr
    tenant = f"init-{uuid.uuid4().hex[:6]}"
    init = herald(dev_dir, "init", HERALD_DEFAULT_TENANT=tenant)
    assert init.returncode == 0 and f"tenant {tenant!r} ready" in init.stdout, init.stderr
    assert len((await _defaults(sessions, tenant))["Template"]) == 6

    # HERALD_ADMIN_API_KEY is the operator's: a platform admin's key; one an earlier release registered as
    # admin is raised to platform.
    for earlier in (None, Role.ADMIN):
        key = new_key()
        if earlier is not None:
            async with sessions.begin() as session:
                await store_key(session=session, tenant_id=tenant, name="bootstrap-admin", role=earlier, key=key)
        again = herald(dev_dir, "init", HERALD_DEFAULT_TENANT=tenant, HERALD_ADMIN_API_KEY=key)
        assert again.returncode == 0 and "registered as platform admin" in again.stdout, again.stderr
        async with sessions.begin() as session:
            row = await session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key)))
        assert row is not None and row.role == "platform" and row.tenant_id == tenant


OPERATOR_COMMANDS = [
    pytest.param(["db", "upgrade"], id="db upgrade"),
    pytest.param(["init"], id="init"),
    pytest.param(["api-key", "create", "--tenant", "acme", "--name", "ops"], id="api-key create"),
    pytest.param(["api-key", "rotate", "--id", "some-id"], id="api-key rotate"),
    pytest.param(["tenant", "list"], id="tenant list"),
    pytest.param(["tenant", "create", "acme"], id="tenant create"),
]


def _one_line(done: subprocess.CompletedProcess[str], argv: list[str]) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    command = " ".join(a for a in argv[:2] if not a.startswith("-"))
    assert line.startswith(f"herald {command}: cannot use the database "), line
    return line


@pytest.mark.parametrize("argv", OPERATOR_COMMANDS)
def test_without_a_dev_stack_or_database_url_it_says_so_in_one_line(tmp_path: Path, argv: list[str]) -> None:
    line = _one_line(herald(tmp_path, *argv), argv)
    assert f"no `herald dev` is running in {tmp_path / '.herald'}, and DATABASE_URL is not set" in line


@pytest.mark.parametrize("argv", OPERATOR_COMMANDS)
def test_a_dev_stack_that_was_killed_is_not_mistaken_for_a_running_one(tmp_path: Path, argv: list[str]) -> None:
    data_dir = tmp_path / ".herald"
    data_dir.mkdir()
    (data_dir / "stack.json").write_text(
        '{"pid": 999999999, "started": 1.0, "data_dir": "x", "database_url": "postgresql+asyncpg://postgres@/h?host=/x",'
        ' "temporal_address": "x", "api_url": "x", "ui_url": "x", "inbox_url": "x", "tenant": "default"}'
    )
    line = _one_line(herald(tmp_path, *argv), argv)
    assert "no `herald dev` is running" in line


@pytest.mark.parametrize("argv", OPERATOR_COMMANDS)
def test_an_unreachable_database_url_is_one_line_without_its_password(tmp_path: Path, argv: list[str]) -> None:
    url = f"postgresql+asyncpg://postgres:hunter22@127.0.0.1:{free_port()}/herald"
    line = _one_line(herald(tmp_path, *argv, DATABASE_URL=url), argv)
    assert "hunter22" not in line and "postgres:***@127.0.0.1" in line
    assert "connect call failed" in line.lower() or "refused" in line.lower()


@pytest.mark.parametrize("argv", OPERATOR_COMMANDS)
def test_a_database_url_of_the_wrong_kind_is_one_line(tmp_path: Path, argv: list[str]) -> None:
    done = herald(tmp_path, *argv, DATABASE_URL="postgres://db.internal/herald")
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    [line] = done.stderr.strip().splitlines()
    assert "bad configuration: DATABASE_URL" in line and "postgresql+asyncpg://" in line
