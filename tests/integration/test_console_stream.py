"""`GET /api/v1/stream`: alert changes as Server-Sent Events, fed by PostgreSQL NOTIFY from the
projection. Served by uvicorn on 127.0.0.1 (a real stream over a real socket), with a real worker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from devstack.ports import free_port
from models.api_keys import Role
from settings import Settings
from tests.integration.conftest import make_keys
from tests.support.alerts import eventually
from tests.support.scrape import scrape, value
from worker import build_worker


@dataclass
class Served:
    url: str
    keys: dict[str, dict[Role, dict[str, str]]]  # tenant → role → headers


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[str, FastAPI]]:
    """The app under uvicorn on 127.0.0.1: (its URL, the app)."""
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False, timeout_graceful_shutdown=1
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event for this)
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def served(
    dev_env: WorkflowEnvironment, sessions: async_sessionmaker[AsyncSession], dev_settings: Settings
) -> AsyncIterator[Served]:
    tenants = [f"t-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    keys = {tenant: await make_keys(sessions, tenant) for tenant in tenants}
    async with (
        serving(dev_settings) as (url, _),
        build_worker(dev_env.client, sessions, dev_settings) as worker,
        worker,
    ):
        yield Served(url, keys)


@dataclass
class Event:
    kind: str
    id: str | None
    data: str


class Reader:
    """The events of one open stream, parsed as a browser's EventSource would."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.aiter_lines()

    async def next(self, within: float = 20.0) -> Event:
        async def read() -> Event:
            kind: str = "message"
            cursor: str | None = None
            data: list[str] = []
            async for line in self.lines:
                if line == "":
                    if data:
                        return Event(kind, cursor, "\n".join(data))
                    continue
                if line.startswith(":"):
                    continue
                name, _, value = line.partition(": ")
                if name == "event":
                    kind = value
                elif name == "id":
                    cursor = value
                elif name == "data":
                    data.append(value)
            raise AssertionError("the stream ended")

        return await asyncio.wait_for(read(), within)

    async def until_alert(self, title: str, within: float = 30.0) -> tuple[Event, list[Event]]:
        """Read until the alert titled `title` arrives: (its event, every event before it)."""
        seen: list[Event] = []
        deadline = asyncio.get_running_loop().time() + within
        while True:
            event = await self.next(deadline - asyncio.get_running_loop().time())
            if event.kind == "alert" and json.loads(event.data)["title"] == title:
                return event, seen
            seen.append(event)


@asynccontextmanager
async def open_stream(url: str, headers: dict[str, str]) -> AsyncIterator[Reader]:
    async with (
        httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(30.0)) as http,
        http.stream("GET", "/api/v1/stream", headers=headers) as response,
    ):
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Reader(response)


async def post_event(url: str, headers: dict[str, str], title: str) -> None:
    async with httpx.AsyncClient(base_url=url) as http:
        answer = await http.post(
            "/api/v1/events", headers=headers, json={"events": [{"title": title, "labels": {"alertname": title}}]}
        )
        assert answer.status_code == 202, answer.text


async def test_an_event_posted_through_the_api_arrives_on_an_open_stream(served: Served) -> None:
    [tenant, _] = served.keys
    keys = served.keys[tenant]
    title = f"Disk full {uuid.uuid4().hex[:6]}"
    async with open_stream(served.url, keys[Role.VIEWER]) as stream:
        ready = await stream.next()
        assert ready.kind == "ready" and ready.id is not None
        await post_event(served.url, keys[Role.RESPONDER], title)
        event, _ = await stream.until_alert(title)
    alert = json.loads(event.data)
    assert alert["status"] == "triggered" and alert["labels"] == {"alertname": title}
    assert event.id is not None and int(event.id) > int(ready.id)
    async with httpx.AsyncClient(base_url=served.url) as http:  # the same shape as the list shows
        listed = (await http.get("/api/v1/alerts/", headers=keys[Role.VIEWER])).json()["items"]
    assert next(item for item in listed if item["id"] == alert["id"]).keys() == alert.keys()


async def test_a_stream_resumed_with_last_event_id_gets_what_it_missed(served: Served) -> None:
    [tenant, _] = served.keys
    keys = served.keys[tenant]
    first, missed = f"First {uuid.uuid4().hex[:6]}", f"Missed {uuid.uuid4().hex[:6]}"
    async with open_stream(served.url, keys[Role.VIEWER]) as stream:
        await stream.next()
        await post_event(served.url, keys[Role.RESPONDER], first)
        seen, _ = await stream.until_alert(first)
    assert seen.id is not None
    await post_event(served.url, keys[Role.RESPONDER], missed)
    async with open_stream(served.url, keys[Role.VIEWER]) as stream:  # a witness that it was written
        await stream.next()
        await stream.until_alert(missed)
    async with open_stream(served.url, keys[Role.VIEWER] | {"Last-Event-ID": seen.id}) as stream:
        caught_up, before = await stream.until_alert(missed, within=10)
        ready = await stream.next()
    assert ready.kind == "ready" and ready.id == caught_up.id  # replayed from the table, then live
    assert all(json.loads(e.data)["title"] != first for e in before if e.kind == "alert")  # nothing before the cursor


async def test_a_tenants_stream_never_carries_another_tenants_alerts(served: Served) -> None:
    mine, theirs = served.keys
    other_title, my_title = f"Theirs {uuid.uuid4().hex[:6]}", f"Mine {uuid.uuid4().hex[:6]}"
    async with open_stream(served.url, served.keys[mine][Role.VIEWER]) as stream:
        await stream.next()
        await post_event(served.url, served.keys[theirs][Role.RESPONDER], other_title)
        async with open_stream(served.url, served.keys[theirs][Role.VIEWER]) as witness:  # theirs is written
            await witness.next()
            await witness.until_alert(other_title)
        await post_event(served.url, served.keys[mine][Role.RESPONDER], my_title)
        _, before = await stream.until_alert(my_title)
    assert [e for e in before if e.kind == "alert"] == []
    async with open_stream(served.url, served.keys[mine][Role.VIEWER] | {"Last-Event-ID": "0"}) as replay:
        _, before = await replay.until_alert(my_title, within=10)
    assert [e for e in before if e.kind == "alert"] == []  # the replay from the table is scoped too


async def test_a_cursor_that_is_not_one_is_422(served: Served) -> None:
    [tenant, _] = served.keys
    async with httpx.AsyncClient(base_url=served.url) as http:
        answer = await http.get("/api/v1/stream", headers=served.keys[tenant][Role.VIEWER] | {"Last-Event-ID": "x"})
        assert answer.status_code == 422 and "Last-Event-ID" in answer.json()["detail"]
        assert (await http.get("/api/v1/stream")).status_code == 401


async def test_the_list_filters_by_free_text(served: Served) -> None:
    """The console's search box: `q` matches the title, source or dedup key in any case; `%` is literal."""
    [tenant, _] = served.keys
    keys = served.keys[tenant]
    tag = uuid.uuid4().hex[:6]
    async with open_stream(served.url, keys[Role.VIEWER]) as stream:
        await stream.next()
        for title in (f"Disk full {tag}", f"CPU 100% {tag}"):
            await post_event(served.url, keys[Role.RESPONDER], title)
            await stream.until_alert(title)
    async with httpx.AsyncClient(base_url=served.url, headers=keys[Role.VIEWER]) as http:

        async def titles(q: str) -> list[str]:
            answer = await http.get("/api/v1/alerts/", params={"q": q})
            assert answer.status_code == 200, answer.text
            return sorted(item["title"] for item in answer.json()["items"])

        assert await titles(f"DISK FULL {tag}") == [f"Disk full {tag}"]
        assert await titles(tag) == [f"CPU 100% {tag}", f"Disk full {tag}"]
        assert await titles(f"0% {tag}") == [f"CPU 100% {tag}"]
        assert await titles("%") == [f"CPU 100% {tag}"]
        refused = await http.get("/api/v1/alerts/", params={"q": "x" * 201})
        assert refused.status_code == 422 and "q" in refused.text


async def test_open_streams_take_no_request_slot_and_are_bounded_per_process(
    settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A console tab holds its stream for hours: ten of them must not use up the key's (or the process's)
    limit of requests in progress; the process bounds streams on their own (503 past its maximum)."""
    tight = settings.model_copy(update={"max_in_flight": 4, "max_in_flight_per_key": 2})
    viewer = (await make_keys(sessions, f"t-{uuid.uuid4().hex[:8]}"))[Role.VIEWER]
    async with serving(tight) as (url, app), contextlib.AsyncExitStack() as streams:
        readers = [await streams.enter_async_context(open_stream(url, viewer)) for _ in range(10)]
        for reader in readers:  # all held (a dropped reader would close its response)
            assert (await reader.next()).kind == "ready"
        async with httpx.AsyncClient(base_url=url, headers=viewer) as http:
            assert (await http.get("/api/v1/alerts/")).status_code == 200
            app.state.resources.hub.max_streams = 10
            refused = await http.get("/api/v1/stream")
            assert refused.status_code == 503 and "10 live streams" in refused.json()["detail"]


async def test_open_streams_are_counted_in_the_metrics(served: Served) -> None:
    [tenant] = list(served.keys)[:1]

    async def streams() -> float:
        async with httpx.AsyncClient(base_url=served.url) as http:
            return value(await scrape(http), "herald_sse_clients")

    before = await streams()
    async with open_stream(served.url, served.keys[tenant][Role.VIEWER]) as stream:
        await stream.next()  # ready: subscribed
        assert await streams() == before + 1
    await eventually(streams, lambda now: now == before)  # unsubscribed when the client left
