"""The migrations build exactly the schema the models declare (no drift either way)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from models.db import create_engine
from models.migrate import upgrade
from models.schema import metadata
from noise.routing import RouteSpec, compile_route, route_labels
from tests.support.postgres import create_database, drop_database
from workflows.ids import labels_key


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": False})
    return list(compare_metadata(context, metadata))


async def test_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        diff = await connection.run_sync(_diff)
    assert diff == []


async def test_the_database_refuses_a_tenant_id_outside_the_alphabet(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        with pytest.raises(IntegrityError, match="ck_tenants_id_alphabet"):
            await connection.execute(text("INSERT INTO tenants (id, name) VALUES ('acme/x', 'x')"))


async def test_upgrading_a_database_that_holds_such_a_tenant_names_it(maintenance_url: str) -> None:
    url = await create_database(maintenance_url)
    try:
        await asyncio.to_thread(upgrade, url, "0004")
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO tenants (id, name) VALUES ('acme/x', 'x')"))
        finally:
            await engine.dispose()
        with pytest.raises(RuntimeError, match=r"tenant ids outside the alphabet .*\['acme/x'\]"):
            await asyncio.to_thread(upgrade, url)
    finally:
        await drop_database(url, maintenance_url)


async def test_upgrading_merges_series_with_empty_label_values_and_duplicate_samples(maintenance_url: str) -> None:
    """0007 keeps the first value of an instant; 0008 folds `m{host="a",env=""}` into `m{host="a"}`."""
    url = await create_database(maintenance_url)
    try:
        await asyncio.to_thread(upgrade, url, "0006")
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO tenants (id, name) VALUES ('t', 't')"))
                series = [
                    (1, {"host": "a"}, labels_key("m", {"host": "a"})),
                    (2, {"host": "a", "env": ""}, "old-key-with-empty-env"),
                    (3, {"host": "b", "env": ""}, "old-key-of-b"),
                ]
                for series_id, labels, key in series:
                    await connection.execute(
                        text(
                            "INSERT INTO metric_series (id, tenant_id, name, labels, labels_key) "
                            "VALUES (:id, 't', 'm', CAST(:l AS jsonb), :k)"
                        ),
                        {"id": series_id, "l": json.dumps(labels), "k": key},
                    )
                samples = [(1, 0, 1.0), (1, 0, 9.0), (1, 1, 2.0), (2, 1, 7.0), (2, 2, 3.0), (3, 0, 5.0)]
                for series_id, second, value in samples:  # in insertion order: the first value of 1@0 is 1.0
                    await connection.execute(
                        text(
                            "INSERT INTO metric_samples (series_id, ts, value) "
                            "VALUES (:s, TIMESTAMPTZ '2026-01-01 00:00:00+00' + make_interval(secs => :t), :v)"
                        ),
                        {"s": series_id, "t": second, "v": value},
                    )
        finally:
            await engine.dispose()
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(text("SELECT id, labels, labels_key FROM metric_series ORDER BY id"))
                assert [tuple(row) for row in rows] == [
                    (1, {"host": "a"}, labels_key("m", {"host": "a"})),
                    (3, {"host": "b"}, labels_key("m", {"host": "b"})),
                ]
                points = await connection.execute(
                    text("SELECT series_id, extract(epoch FROM ts)::int % 60, value FROM metric_samples ORDER BY 1, 2")
                )
                # 1@1 was held by both: the canonical series keeps its own value
                assert [tuple(p) for p in points] == [(1, 0, 1.0), (1, 1, 2.0), (1, 2, 3.0), (3, 0, 5.0)]
        finally:
            await engine.dispose()
    finally:
        await drop_database(url, maintenance_url)


async def test_upgrading_turns_the_flat_routing_into_an_equivalent_tree(maintenance_url: str) -> None:
    """0014: each tenant's policy_routes (in position order) become children of a root that groups by every
    label, notifies at once and follows the tenant default; routing then picks the same policy as before."""
    url = await create_database(maintenance_url)
    try:
        await asyncio.to_thread(upgrade, url, "0013")
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                for tenant in ("t", "bare"):
                    await connection.execute(text("INSERT INTO tenants (id, name) VALUES (:t, :t)"), {"t": tenant})
                for policy in ("std", "crit", "sec"):
                    await connection.execute(
                        text("INSERT INTO escalation_policies (id, tenant_id, name, description, levels, repeat) "
                             "VALUES (:p, 't', :p, '', '[]', 0)"),
                        {"p": policy},
                    )  # fmt: skip
                await connection.execute(text("UPDATE tenants SET default_policy_id = 'std' WHERE id = 't'"))
                routes = [  # (position, policy, severities, categories, labels): stored out of order
                    (2, "sec", [], ["security"], {"env": "prod", "odd name": 'say "hi"', "gone": ""}),
                    (1, "crit", ["critical", "high"], [], {}),
                    (3, "crit", ["critical"], ["system", "business"], {}),
                ]
                for position, policy, severities, categories, labels in routes:
                    await connection.execute(
                        text(
                            "INSERT INTO policy_routes (id, tenant_id, position, policy_id, severities, categories, "
                            "labels) VALUES (:id, 't', :pos, :p, CAST(:s AS jsonb), CAST(:c AS jsonb), "
                            "CAST(:l AS jsonb))"
                        ),
                        {
                            "id": f"r{position}",
                            "pos": position,
                            "p": policy,
                            "s": json.dumps(severities),
                            "c": json.dumps(categories),
                            "l": json.dumps(labels),
                        },
                    )
        finally:
            await engine.dispose()
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(text("SELECT tenant_id, tree FROM routing_trees"))
                trees: dict[str, Any] = {tenant: tree for tenant, tree in rows}
                versions = (await connection.execute(text("SELECT DISTINCT version FROM routing_trees"))).all()
                gone = await connection.scalar(text("SELECT to_regclass('policy_routes') IS NULL"))
        finally:
            await engine.dispose()
        assert gone and [tuple(v) for v in versions] == [(1,)]
        root = {
            "matchers": [], "continue": False, "group_by": ["..."], "group_wait": "0s", "group_interval": "5m",
            "repeat_interval": "30m", "mute_time_intervals": [], "active_time_intervals": [],
        }  # fmt: skip
        assert trees["bare"] == root | {"routes": []}
        children = [
            ['severity=~"critical|high"'],
            ['category="security"', '"env"="prod"', '"gone"=""', '"odd name"="say \\"hi\\""'],  # JSONB's key order
            ['severity="critical"', 'category=~"system|business"'],
        ]
        assert trees["t"] == root | {
            "escalation_policy_id": "std",
            "routes": [
                {
                    "matchers": matchers,
                    "continue": False,
                    "escalation_policy_id": policy,
                    "mute_time_intervals": [],
                    "active_time_intervals": [],
                    "routes": [],
                }
                for matchers, policy in zip(children, ["crit", "sec", "crit"], strict=True)
            ],
        }
        tree = compile_route(RouteSpec.model_validate(trees["t"]))
        cases = [  # (severity, category, labels) → the policy the flat routing chose
            ("high", "system", {}, "crit"),
            ("medium", "security", {"env": "prod", "odd name": 'say "hi"'}, "sec"),
            ("medium", "security", {"env": "prod", "odd name": 'say "hi"', "gone": "back"}, "std"),
            ("critical", "business", {}, "crit"),
            ("low", "application", {"env": "prod"}, "std"),
        ]
        for severity, category, labels, chosen in cases:
            [route] = tree.match(route_labels(labels, severity, category))
            assert route.opts.policy_id == chosen, (severity, category, labels)
            assert route.opts.group_by_all and route.opts.group_wait == timedelta(0)
    finally:
        await drop_database(url, maintenance_url)


async def test_two_upgrades_at_once_both_succeed_and_migrate_once(maintenance_url: str) -> None:
    """Two `herald db upgrade` processes on an empty database (two Helm hook Jobs, a retried Job beside the
    first): the advisory lock makes the second wait, then find the database at head."""
    url = await create_database(maintenance_url)
    herald = str(Path(sys.executable).parent / "herald")
    env = {k: v for k, v in os.environ.items() if k != "HERALD_DATA_DIR"} | {"DATABASE_URL": url}
    try:
        runs = [
            await asyncio.create_subprocess_exec(
                herald, "db", "upgrade", env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
            )
            for _ in range(2)
        ]
        outputs = await asyncio.wait_for(asyncio.gather(*(run.communicate() for run in runs)), timeout=120)
        for run, (out, _) in zip(runs, outputs, strict=True):
            assert run.returncode == 0, out.decode()
            assert "database is at the latest revision" in out.decode()
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                versions = (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
                diff = await connection.run_sync(_diff)
        finally:
            await engine.dispose()
        assert len(versions) == 1
        assert diff == []
    finally:
        await drop_database(url, maintenance_url)
