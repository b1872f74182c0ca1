"""The built console served by the API: the page (never cached) on `/` and every `/dashboard/...`
path, hashed assets cached as immutable, and a one-line hint when nothing is built."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from api.app import create_app
from settings import Settings

PAGE = '<!doctype html><div id="root"></div><script type="module" src="/assets/index-Ab12.js"></script>'


@asynccontextmanager
async def serve(settings: Settings, dist: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, console_dist=dist)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://herald.test") as http,
    ):
        yield http


def build(root: Path) -> Path:
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(PAGE)
    (root / "assets" / "index-Ab12.js").write_text("console.log('herald')")
    (root.parent / "secret.txt").write_text("not an asset")
    return root


async def test_the_page_answers_every_dashboard_path_and_is_not_cached(settings: Settings, tmp_path: Path) -> None:
    async with serve(settings, build(tmp_path / "dist")) as http:
        for path in ("/", "/dashboard", "/dashboard/alerts", "/dashboard/alerts/0f1e-2d3c"):
            answer = await http.get(path)
            assert answer.status_code == 200, path
            assert answer.text == PAGE and answer.headers["content-type"].startswith("text/html")
            assert answer.headers["cache-control"] == "no-cache"
        api = await http.get("/api/v1/alerts/")  # the API is still the API
        assert api.status_code == 401


async def test_hashed_assets_are_immutable_and_nothing_else_is_served(settings: Settings, tmp_path: Path) -> None:
    async with serve(settings, build(tmp_path / "dist")) as http:
        asset = await http.get("/assets/index-Ab12.js")
        assert asset.status_code == 200 and asset.text == "console.log('herald')"
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "javascript" in asset.headers["content-type"]
        assert (await http.get("/assets/index-Zz99.js")).status_code == 404
        for escape in ("/assets/../../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt"):
            answer = await http.get(escape)
            assert answer.status_code == 404 and "not an asset" not in answer.text, escape


async def test_without_a_build_the_home_page_is_a_one_line_hint(settings: Settings, tmp_path: Path) -> None:
    async with serve(settings, tmp_path / "missing") as http:
        answer = await http.get("/")
        assert answer.status_code == 503
        assert answer.text.count("\n") == 1 and "make console" in answer.text
        assert (await http.get("/dashboard/alerts/x")).status_code == 503
