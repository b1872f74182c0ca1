"""API keys expire, record their last use, and rotate with a grace period (API and CLI)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.tables import ApiKey
from tests.integration.conftest import Stack


async def make(stack: Stack, **body: object) -> dict[str, object]:
    created = await stack.http.post(
        "/api/v1/api-keys", headers=stack.admin, json={"name": "ci", "role": "viewer"} | body
    )
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


def bearer(key: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_a_key_expires_and_says_so(stack: Stack, sessions: async_sessionmaker[AsyncSession]) -> None:
    key = await make(stack, expires_in_days=30)
    expires_at = datetime.fromisoformat(str(key["expires_at"]))
    assert timedelta(days=29) < expires_at - datetime.now(UTC) <= timedelta(days=30)
    assert (await stack.http.get("/api/v1/channels", headers=bearer(key["key"]))).status_code == 200
    async with sessions.begin() as session:
        await session.execute(
            update(ApiKey).where(ApiKey.id == key["id"]).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    refused = await stack.http.get("/api/v1/channels", headers=bearer(key["key"]))
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]
    too_long = await stack.http.post(
        "/api/v1/api-keys", headers=stack.admin, json={"name": "x", "role": "viewer", "expires_in_days": 99999}
    )
    assert too_long.status_code == 422 and "expires_in_days" in too_long.text


async def test_a_key_records_its_last_use(stack: Stack) -> None:
    key = await make(stack)
    assert key["last_used_at"] is None
    await stack.http.get("/api/v1/channels", headers=bearer(key["key"]))
    listed = {k["id"]: k for k in (await stack.http.get("/api/v1/api-keys", headers=stack.admin)).json()}
    assert listed[key["id"]]["last_used_at"] is not None


async def test_rotation_keeps_the_old_key_for_its_grace_period(stack: Stack) -> None:
    old = await make(stack)
    rotated = await stack.http.post(
        f"/api/v1/api-keys/{old['id']}/rotate", headers=stack.admin, json={"grace_seconds": 3600}
    )
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()
    assert (new["name"], new["role"]) == ("ci", "viewer") and new["key"] != old["key"]
    assert (await stack.http.get("/api/v1/channels", headers=bearer(new["key"]))).status_code == 200
    assert (await stack.http.get("/api/v1/channels", headers=bearer(old["key"]))).status_code == 200  # grace
    listed = {k["id"]: k for k in (await stack.http.get("/api/v1/api-keys", headers=stack.admin)).json()}
    left = datetime.fromisoformat(listed[old["id"]]["expires_at"]) - datetime.now(UTC)
    assert timedelta(minutes=59) < left <= timedelta(hours=1)

    at_once = await stack.http.post(
        f"/api/v1/api-keys/{new['id']}/rotate", headers=stack.admin, json={"grace_seconds": 0}
    )
    assert at_once.status_code == 201
    assert (await stack.http.get("/api/v1/channels", headers=bearer(new["key"]))).status_code == 401
    assert (await stack.http.post(f"/api/v1/api-keys/{new['id']}/rotate", headers=stack.admin)).status_code == 404
    assert (await stack.http.post("/api/v1/api-keys/nope/rotate", headers=stack.admin)).status_code == 404


async def test_the_cli_rotates_a_key(stack: Stack, database_url: str) -> None:
    old = await make(stack)
    herald = Path(sys.executable).parent / "herald"
    done = subprocess.run(  # noqa: ASYNC221 (a short CLI run)
        [str(herald), "api-key", "rotate", "--id", str(old["id"]), "--grace-hours", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"DATABASE_URL": database_url},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    new_key = done.stdout.strip().splitlines()[-1]
    assert new_key.startswith("hk_")
    assert (await stack.http.get("/api/v1/channels", headers=bearer(new_key))).status_code == 200
    assert (await stack.http.get("/api/v1/channels", headers=bearer(old["key"]))).status_code == 200
    missing = subprocess.run(  # noqa: ASYNC221
        [str(herald), "api-key", "rotate", "--id", "nope"],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"DATABASE_URL": database_url},
        check=False,
    )
    assert missing.returncode == 2 and "no active API key with id nope" in missing.stderr
