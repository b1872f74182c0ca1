"""What the console's browser tests share: the stack they drive (`Console`), signing in, axe-core, screenshots.
Debian's Chromium runs through Playwright's `executable_path` (never its own browser download); the fixtures that
start the stack (the API with the built console under uvicorn on 127.0.0.1, a Herald worker, the Temporal dev
server and PostgreSQL) are in this folder's conftest.py. `make test` installs Chromium and builds the console.

Screenshots (console-*.png) land in the test's temporary directory; with HERALD_SCREENSHOTS=docs/images they
refresh the README's and the guide's (a plain test run never changes tracked files).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, Page, ViewportSize, expect

from models.api_keys import Role
from tests.support.alerts import eventually

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "console" / "node_modules" / "axe-core" / "axe.min.js"
IMAGES = Path(os.environ.get("HERALD_SCREENSHOTS") or tempfile.mkdtemp(prefix="herald-console-shots-"))
IMAGES.mkdir(parents=True, exist_ok=True)
PHONE = ViewportSize(width=375, height=812)


@dataclass
class Console:
    url: str
    keys: dict[Role, str]  # raw keys
    http: httpx.AsyncClient  # the API as a script would call it (responder's key)

    async def fire(self, title: str, **fields: Any) -> dict[str, Any]:
        """Post an event through the API; return the alert once it is listed."""
        await self.post_events([{"title": title, "labels": {"alertname": title}, **fields}])
        return await self.alert_titled(title)

    async def post_events(self, events: list[dict[str, Any]]) -> None:
        answer = await self.http.post("/api/v1/events", json={"events": events})
        assert answer.status_code == 202, answer.text

    async def alert_titled(self, title: str) -> dict[str, Any]:
        listing = await eventually(
            lambda: self.http.get("/api/v1/alerts/", params={"q": title}),
            lambda r: any(a["title"] == title for a in r.json()["items"]),
        )
        return next(a for a in listing.json()["items"] if a["title"] == title)


async def signed_in(browser: Browser, console: Console, role: Role, **context: Any) -> Page:
    page = await (await browser.new_context(**context)).new_page()
    await page.goto(console.url + "/")
    await page.get_by_label("API key").fill(console.keys[role])
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Alerts")).to_be_visible()
    return page


async def serious_violations(page: Page) -> list[str]:
    """axe-core (npm, injected) over the page: the serious and critical violations, described."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}: {v['nodes'][0]['html'][:120]})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
