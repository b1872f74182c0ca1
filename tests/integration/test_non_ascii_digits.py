"""Found by the OpenAPI fuzzer: `DELETE /api/v1/routes/3³` was a 500 (`'3³'.isdigit()` is true, `int('3³')`
fails). Every door that reads a number out of text the caller controls — a route path, an `If-Match` version,
a `Last-Event-ID` (a latin-1 header can carry `³`), a cursor — answers it as the bad input it is."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from settings import Settings
from tests.integration.conftest import Stack, api_stack


@pytest.fixture
async def api(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Stack]:
    async with api_stack(settings, sessions) as stack:
        yield stack


@pytest.mark.parametrize("path", ["3³", "٣", "0.²"])
async def test_a_route_path_of_other_digits_is_not_found(api: Stack, path: str) -> None:
    for method in ("GET", "DELETE"):
        answer = await api.http.request(method, f"/api/v1/routes/{path}", headers=api.admin | {"If-Match": '"1"'})
        assert answer.status_code == 404, (method, answer.text)
        assert "no route at path" in answer.json()["detail"]


def raw(headers: dict[str, str], name: bytes, value: bytes) -> list[tuple[bytes, bytes]]:
    """The caller's headers plus one whose bytes are not ASCII (HTTP headers are latin-1 on the wire)."""
    return [(k.encode(), v.encode()) for k, v in headers.items()] + [(name, value)]


async def test_an_if_match_of_other_digits_is_stale(api: Stack) -> None:
    tree = await api.http.get("/api/v1/routes", headers=api.admin)
    assert tree.status_code == 200, tree.text
    answer = await api.http.put(
        "/api/v1/routes", headers=raw(api.admin, b"If-Match", b'"\xb3"'), json={"tree": tree.json()["tree"]}
    )
    assert answer.status_code == 412, answer.text


async def test_a_last_event_id_of_other_digits_is_refused(api: Stack) -> None:
    answer = await api.http.get("/api/v1/stream", headers=raw(api.viewer, b"Last-Event-ID", b"\xb3"))
    assert answer.status_code == 422, answer.text
    assert "Last-Event-ID" in answer.json()["detail"]
