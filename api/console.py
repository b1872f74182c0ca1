"""The web console, served by the API: `/` and every `/dashboard/...` path answer its index.html (not
cached: a new release is picked up at the next load), `/assets/<file>` its content-hashed files
(cached for a year, immutable: a changed file has a new name).

The build (`make console`: `npm ci`, `npm run build` in console/) lands in `api/console_dist/`, which
the wheel carries as package data, so `pip install` users get the console without Node.js. Without a
build, `/` answers a one-line hint (503), never a 500.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, PlainTextResponse, Response

from models.errors import NotFound

DIST = Path(__file__).resolve().parent / "console_dist"
NO_CACHE = {"Cache-Control": "no-cache"}
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
NOT_BUILT = "Herald's web console is not built: run `make console` (needs Node.js), or use the API (docs at /docs).\n"


def console_router(dist: Path = DIST) -> APIRouter:
    """The console's routes over the build in `dist` (absent build: the hint)."""
    router = APIRouter(include_in_schema=False)
    assets = (dist / "assets").resolve()

    def index() -> Response:
        page = dist / "index.html"
        if not page.is_file():
            return PlainTextResponse(NOT_BUILT, status_code=503, headers=NO_CACHE)
        return FileResponse(page, media_type="text/html", headers=NO_CACHE)

    @router.get("/")
    async def home() -> Response:
        return index()

    @router.get("/dashboard")
    async def dashboard() -> Response:
        return index()

    @router.get("/dashboard/{path:path}")
    async def page(path: str) -> Response:  # the client's router decides what the path shows
        return index()

    @router.get("/assets/{name:path}")
    async def asset(name: str) -> Response:
        file = (assets / name).resolve()
        if not file.is_relative_to(assets) or not file.is_file():
            raise NotFound(f"no console asset {name!r}")
        return FileResponse(file, headers=IMMUTABLE)

    return router
