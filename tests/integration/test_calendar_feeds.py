"""Calendar feeds by secret URL: calendar applications send no `Authorization` header, so each
feed (a schedule's, a person's) gets a revocable secret URL that serves what `calendar.ics` serves
with a key. Issuing again replaces it, DELETE revokes it, deleting the schedule or person ends it,
and a URL never crosses tenants."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import icalendar
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.tables import CalendarFeed
from settings import Settings
from tests.integration.conftest import Stack, api_stack

PUBLIC_URL = "https://herald.example.test"


@pytest.fixture
async def api(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Stack]:
    async with api_stack(settings.model_copy(update={"public_url": PUBLIC_URL}), sessions) as stack:
        yield stack


async def _created(api: Stack, path: str, body: dict[str, Any]) -> str:
    response = await api.http.post(path, headers=api.admin, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _subjects(api: Stack) -> dict[str, str]:
    """A schedule with Ann and Ben on call on alternate days: its feed path and Ann's."""
    ann = await _created(api, "/api/v1/users", {"name": "ann", "email": "ann@example.com"})
    ben = await _created(api, "/api/v1/users", {"name": "ben", "email": "ben@example.com"})
    layer = {"name": "daily", "participants": [ann, ben], "shift_length": 1, "shift_unit": "days"}
    schedule = await _created(
        api,
        "/api/v1/schedules",
        {
            "name": f"Primary {uuid.uuid4().hex[:6]}",
            "time_zone": "UTC",
            "layers": [{**layer, "start": "2026-01-01T09:00:00"}],
        },
    )
    return {"schedule": f"/api/v1/schedules/{schedule}", "user": f"/api/v1/users/{ann}"}


async def _issue(api: Stack, subject: str) -> str:
    issued = await api.http.post(f"{subject}/calendar-feed", headers=api.admin)
    assert issued.status_code == 201, issued.text
    url = str(issued.json()["url"])
    assert url.startswith(f"{PUBLIC_URL}/api/v1/calendar/hcal_") and url.endswith(".ics")
    return urlsplit(url).path


def _events(body: bytes) -> list[tuple[str, str]]:
    """The feed's shifts but its first and last: those are cut at the feed's window, which moves
    with the clock between two reads."""
    calendar = icalendar.Calendar.from_ical(body)
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("DTSTART"))[1:-1]
    return [(str(e["UID"]), str(e["SUMMARY"])) for e in events]


@pytest.mark.parametrize("kind", ["schedule", "user"])
async def test_a_secret_url_serves_the_feed_without_a_key_until_replaced_or_revoked(api: Stack, kind: str) -> None:
    subject = (await _subjects(api))[kind]
    secret = await _issue(api, subject)
    feed = await api.http.get(secret)  # no Authorization header, as a calendar application asks
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    keyed = await api.http.get(f"{subject}/calendar.ics", headers=api.viewer)
    assert _events(feed.content) == _events(keyed.content) and len(_events(feed.content)) >= 40

    replacement = await _issue(api, subject)
    assert replacement != secret
    gone = await api.http.get(secret)
    assert gone.status_code == 404 and "no such calendar URL" in gone.json()["detail"]
    assert (await api.http.get(replacement)).status_code == 200

    assert (await api.http.delete(f"{subject}/calendar-feed", headers=api.admin)).status_code == 204
    assert (await api.http.get(replacement)).status_code == 404
    again = await api.http.delete(f"{subject}/calendar-feed", headers=api.admin)
    assert again.status_code == 404 and "no secret calendar URL" in again.json()["detail"]


@pytest.mark.parametrize("kind", ["schedule", "user"])
async def test_deleting_the_schedule_or_person_ends_its_feed(api: Stack, kind: str) -> None:
    subject = (await _subjects(api))[kind]
    if kind == "user":  # a person on a schedule's layer: take them off first
        schedules = (await api.http.get("/api/v1/schedules", headers=api.viewer)).json()
        for schedule in schedules:
            assert (await api.http.delete(f"/api/v1/schedules/{schedule['id']}", headers=api.admin)).status_code == 204
    secret = await _issue(api, subject)
    deleted = await api.http.delete(subject, headers=api.admin)
    assert deleted.status_code == 204, deleted.text
    assert (await api.http.get(secret)).status_code == 404


@pytest.mark.parametrize("kind", ["schedule", "user"])
async def test_only_an_admin_of_the_tenant_issues_or_revokes(
    api: Stack, settings: Settings, sessions: async_sessionmaker[AsyncSession], kind: str
) -> None:
    subject = (await _subjects(api))[kind]
    for method in ("POST", "DELETE"):
        refused = await api.http.request(method, f"{subject}/calendar-feed", headers=api.viewer)
        assert refused.status_code == 403, refused.text
        assert (await api.http.request(method, f"{subject}/calendar-feed")).status_code == 401
    async with api_stack(settings, sessions) as other:
        for method in ("POST", "DELETE"):
            foreign = await other.http.request(method, f"{subject}/calendar-feed", headers=other.admin)
            assert foreign.status_code == 404, foreign.text


@pytest.mark.parametrize(
    "token", ["hcal_" + "A" * 43, "hcal_", "nope", "hk_" + "A" * 43, "hcal_%20", "hcal_..%2F..%2Fx"]
)
async def test_an_unknown_secret_url_is_a_404(api: Stack, token: str) -> None:
    answer = await api.http.get(f"/api/v1/calendar/{token}.ics")
    assert answer.status_code == 404 and answer.json()["detail"], answer.text


async def test_only_a_digest_of_the_secret_is_stored(api: Stack, sessions: async_sessionmaker[AsyncSession]) -> None:
    secret = await _issue(api, (await _subjects(api))["schedule"])
    token = secret.removeprefix("/api/v1/calendar/").removesuffix(".ics")
    async with sessions.begin() as session:
        feeds = (await session.scalars(select(CalendarFeed).where(CalendarFeed.tenant_id == api.tenant))).all()
    assert len(feeds) == 1 and token not in repr(vars(feeds[0])) and len(feeds[0].token_hash) == 64


async def test_the_openapi_document_says_the_secret_url_needs_no_key(api: Stack) -> None:
    document = (await api.http.get("/openapi.json")).json()
    operation = document["paths"]["/api/v1/calendar/{token}.ics"]["get"]
    assert "text/calendar" in operation["responses"]["200"]["content"]
    assert "404" in operation["responses"] and "401" not in operation["responses"]
    for path in ("/api/v1/schedules/{schedule_id}/calendar-feed", "/api/v1/users/{user_id}/calendar-feed"):
        assert set(document["paths"][path]) == {"post", "delete"}


@pytest.mark.parametrize("kind", ["schedule", "user"])
async def test_issuing_a_feed_twice_at_once_leaves_one_working_url(api: Stack, kind: str) -> None:
    """Two issues at once (a double click): both answer 201 and the later one's URL is the feed —
    the second insert met the first's unique row and was a 500."""
    subject = (await _subjects(api))[kind]
    answers = await asyncio.gather(*(api.http.post(f"{subject}/calendar-feed", headers=api.admin) for _ in range(4)))
    assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers if a.status_code != 201]
    served = [(await api.http.get(urlsplit(a.json()["url"]).path)).status_code for a in answers]
    assert served.count(200) == 1 and served.count(404) == 3
