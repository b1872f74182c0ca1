"""An API key may belong to a person (`user_id`): set at creation, by PATCH or by the CLI's `--user`, kept by
rotation, shown by the console's session; only a user of the key's own tenant can be named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from settings import Settings
from tests.integration.conftest import Stack, api_stack


async def _user(stack: Stack, name: str) -> str:
    made = await stack.http.post(
        "/api/v1/users", headers=stack.admin, json={"name": name, "email": f"{name}@example.com"}
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def test_a_key_names_its_person_through_create_rotate_patch_and_sign_in(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with api_stack(settings, sessions) as api:
        ann = await _user(api, "ann")
        made = await api.http.post(
            "/api/v1/api-keys", headers=api.admin, json={"name": "ann's", "role": "responder", "user_id": ann}
        )
        assert made.status_code == 201, made.text
        key = made.json()
        assert key["user_id"] == ann
        signed = await api.http.post("/api/v1/session", json={"api_key": key["key"]})
        assert signed.status_code == 200 and signed.json()["user_id"] == ann
        assert (await api.http.get("/api/v1/session")).json()["user_id"] == ann
        rotated = (await api.http.post(f"/api/v1/api-keys/{key['id']}/rotate", headers=api.admin)).json()
        assert rotated["user_id"] == ann

        cleared = await api.http.patch(f"/api/v1/api-keys/{rotated['id']}", headers=api.admin, json={"user_id": None})
        assert cleared.status_code == 200 and cleared.json()["user_id"] is None
        renamed = await api.http.patch(f"/api/v1/api-keys/{rotated['id']}", headers=api.admin, json={"name": "ci"})
        assert renamed.json()["name"] == "ci" and renamed.json()["user_id"] is None  # omitted: unchanged
        linked = await api.http.patch(f"/api/v1/api-keys/{rotated['id']}", headers=api.admin, json={"user_id": ann})
        assert linked.json()["user_id"] == ann
        missing = await api.http.patch("/api/v1/api-keys/nope", headers=api.admin, json={"name": "x"})
        assert missing.status_code == 404
        role_change = await api.http.patch(f"/api/v1/api-keys/{key['id']}", headers=api.admin, json={"role": "admin"})
        assert role_change.status_code == 422 and "role" in role_change.text
        by_responder = await api.http.patch(f"/api/v1/api-keys/{key['id']}", headers=api.responder, json={"name": "x"})
        assert by_responder.status_code == 403


async def test_a_key_cannot_name_an_unknown_or_another_tenants_person(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with api_stack(settings, sessions) as ours, api_stack(settings, sessions) as theirs:
        their_user = await _user(theirs, "eve")
        own = (
            await ours.http.post("/api/v1/api-keys", headers=ours.admin, json={"name": "k", "role": "viewer"})
        ).json()
        for user_id in (their_user, "no-such-user"):
            refused = await ours.http.post(
                "/api/v1/api-keys", headers=ours.admin, json={"name": "k", "role": "viewer", "user_id": user_id}
            )
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"][0]["field"] == "user_id" and their_user not in str(refused.json()).replace(
                user_id, ""
            )
            patched = await ours.http.patch(
                f"/api/v1/api-keys/{own['id']}", headers=ours.admin, json={"user_id": user_id}
            )
            assert patched.status_code == 422 and "user_id" in patched.text
        keys = (await ours.http.get("/api/v1/api-keys", headers=ours.admin)).json()
        assert all(k["user_id"] is None for k in keys)  # nothing half-written


async def test_the_cli_creates_a_key_for_a_person_by_email(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    async with api_stack(settings, sessions) as api:
        ann = await _user(api, "ann")
        herald = Path(sys.executable).parent / "herald"

        def create(user: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [str(herald), "api-key", "create", "--tenant", api.tenant, "--name", "ann", "--user", user],
                capture_output=True,
                text=True,
                timeout=120,
                env=os.environ | {"DATABASE_URL": database_url},
                check=False,
            )

        done = create("ann@example.com")
        assert done.returncode == 0, done.stderr
        keys = (await api.http.get("/api/v1/api-keys", headers=api.admin)).json()
        assert [k["user_id"] for k in keys if k["name"] == "ann"] == [ann]
        unknown = create("bob@example.com")
        assert unknown.returncode == 2 and "--user: no user 'bob@example.com'" in unknown.stderr
