"""`/api/v1/alerts/statistics` trends against values computed by hand, and the tenant's retention and
time zone settings (`/api/v1/tenant`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from settings import Settings
from tests.integration.conftest import Stack, api_stack
from tests.support.stored_alerts import alert_row

WINDOW = {"from": "2026-03-01T00:00:00Z", "to": "2026-03-03T00:00:00Z"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
async def api(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Stack]:
    async with api_stack(settings, sessions) as stack:
        yield stack


async def seed(sessions: async_sessionmaker[AsyncSession], tenant: str) -> list[str]:
    """Four alerts in the window (and one at its end, outside). In Paris (UTC+1 in March) a2 is on
    2 March; in UTC on 1 March. 1 March 2026 is a Sunday."""
    a1 = alert_row(
        tenant, at("2026-03-01T10:00:00"), severity="critical", dedup_key="k1", event_count=5, escalation_level=2,
        acknowledged_at=at("2026-03-01T10:01:00"), resolved_at=at("2026-03-01T10:10:00"), labels={"service": "api"},
    )  # fmt: skip
    a2 = alert_row(
        tenant, at("2026-03-01T23:30:00"), dedup_key="k1", acknowledged_at=at("2026-03-01T23:32:00"),
        resolved_at=at("2026-03-01T23:50:00"), labels={"service": "api"},
    )  # fmt: skip
    a3 = alert_row(
        tenant, at("2026-03-02T12:00:00"), dedup_key="k2", event_count=3, escalation_level=1,
        resolved_at=at("2026-03-02T12:05:00"), labels={"service": "db"},
    )  # fmt: skip
    a4 = alert_row(tenant, at("2026-03-02T13:00:00"), dedup_key="k3", status="firing")
    outside = alert_row(tenant, at("2026-03-03T00:00:00"), dedup_key="k9", event_count=50)
    async with sessions.begin() as session:
        session.add_all([a1, a2, a3, a4, outside])
    return [a1.id, a2.id, a3.id, a4.id]


def times(count: int, mean: float | None, p50: float | None, p90: float | None) -> dict[str, Any]:
    return {"count": count, "mean_seconds": mean, "p50_seconds": p50, "p90_seconds": p90}


NONE = times(0, None, None, None)


async def stats(api: Stack, **params: str) -> dict[str, Any]:
    answer = await api.http.get("/api/v1/alerts/statistics", headers=api.viewer, params={**WINDOW, **params})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_day_buckets_in_the_tenants_zone_match_hand_computed_values(
    api: Stack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    a1, _, a3, _ = await seed(sessions, api.tenant)
    patched = await api.http.patch("/api/v1/tenant", headers=api.admin, json={"time_zone": "Europe/Paris"})
    assert patched.status_code == 200 and patched.json()["time_zone"] == "Europe/Paris"

    body = await stats(api)
    assert body["total"] == 4 and body["time_zone"] == "Europe/Paris" and body["bucket"] == "day"
    assert body["buckets"] == [
        {
            "start": "2026-03-01T00:00:00+01:00", "group": None, "count": 1, "acknowledged": 1, "escalated": 1,
            "time_to_acknowledge": times(1, 60.0, 60.0, 60.0), "time_to_resolve": times(1, 600.0, 600.0, 600.0),
        },
        {
            # a2 (ack 120 s, resolved 1200 s), a3 (resolved 300 s), a4 (open): p50 300 + 0.5 * 900, p90 300 + 0.9 * 900
            "start": "2026-03-02T00:00:00+01:00", "group": None, "count": 3, "acknowledged": 1, "escalated": 0,
            "time_to_acknowledge": times(1, 120.0, 120.0, 120.0), "time_to_resolve": times(2, 750.0, 750.0, 1110.0),
        },
    ]  # fmt: skip
    assert body["acknowledgement_rate"] == 0.5 and body["escalation_rate"] == 0.25
    assert [(n["alert_id"], n["event_count"]) for n in body["noisiest_by_refires"][:2]] == [(a1, 5), (a3, 3)]
    assert body["noisiest_by_incidents"][0] == {"dedup_key": "k1", "incidents": 2, "events": 6}
    assert {n["dedup_key"] for n in body["noisiest_by_incidents"]} == {"k1", "k2", "k3"}
    assert body["time_to_resolve"]["p50_seconds"] == 600.0  # of 300, 600, 1200
    assert [d["count"] for d in body["per_day"]] == [2, 2]  # the older field stays in UTC days

    utc = await stats(api, tz="UTC")
    assert [(b["start"], b["count"]) for b in utc["buckets"]] == [
        ("2026-03-01T00:00:00Z", 2),
        ("2026-03-02T00:00:00Z", 2),
    ]
    assert utc["buckets"][0]["time_to_acknowledge"] == times(2, 90.0, 90.0, 114.0)
    assert utc["buckets"][0]["time_to_resolve"] == times(2, 900.0, 900.0, 1140.0)


async def test_week_hour_and_group_buckets(api: Stack, sessions: async_sessionmaker[AsyncSession]) -> None:
    await seed(sessions, api.tenant)
    week = await stats(api, bucket="week", tz="Europe/Paris")  # weeks start on Monday
    assert [(b["start"], b["count"]) for b in week["buckets"]] == [
        ("2026-02-23T00:00:00+01:00", 1),
        ("2026-03-02T00:00:00+01:00", 3),
    ]
    hour = await stats(api, bucket="hour", tz="UTC")
    assert [(b["start"], b["count"]) for b in hour["buckets"]] == [
        ("2026-03-01T10:00:00Z", 1),
        ("2026-03-01T23:00:00Z", 1),
        ("2026-03-02T12:00:00Z", 1),
        ("2026-03-02T13:00:00Z", 1),
    ]
    service = await stats(api, group_by="service", tz="Europe/Paris")
    assert [(b["start"][:10], b["group"], b["count"]) for b in service["buckets"]] == [
        ("2026-03-01", "api", 1),
        ("2026-03-02", "api", 1),
        ("2026-03-02", "db", 1),
        ("2026-03-02", None, 1),
    ]
    severity = await stats(api, group_by="severity", bucket="week", tz="UTC")
    assert [(b["group"], b["count"]) for b in severity["buckets"]] == [("critical", 1), ("high", 1), ("high", 2)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bucket": "hour", "from": "2026-01-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, "bucket"),
        ({"bucket": "month"}, "bucket"),
        ({"group_by": "colour"}, "group_by"),
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"from": "2026-03-03T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, "from"),
        ({"from": "2026-03-01T00:00:00"}, "from"),
        ({"since": "2026-03-01T00:00:00", "from": None}, "since"),
    ],
)
async def test_bad_statistics_parameters_are_422_naming_them(
    api: Stack, params: dict[str, str | None], field: str
) -> None:
    sent = {name: value for name, value in {**WINDOW, **params}.items() if value is not None}
    answer = await api.http.get("/api/v1/alerts/statistics", headers=api.viewer, params=sent)
    assert answer.status_code == 422, answer.text
    assert any(field in error["field"] for error in answer.json()["errors"]), answer.text


async def test_a_tenant_sets_its_retention_and_time_zone(api: Stack) -> None:
    default = (await api.http.get("/api/v1/tenant", headers=api.viewer)).json()
    assert default["retention_days"] is None and default["retention_days_default"] == 90
    assert default["time_zone"] == "UTC"
    patched = await api.http.patch(
        "/api/v1/tenant", headers=api.admin, json={"retention_days": 30, "time_zone": "America/New_York"}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["retention_days"], patched.json()["time_zone"]) == (30, "America/New_York")
    for body, field in (
        ({"retention_days": 0}, "retention_days"),
        ({"retention_days": 3651}, "retention_days"),
        ({"time_zone": "Nowhere/Special"}, "time_zone"),
        ({"time_zone": None}, "time_zone"),
    ):
        answer = await api.http.patch("/api/v1/tenant", headers=api.admin, json=body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"].endswith(field), answer.text
    reset = await api.http.patch("/api/v1/tenant", headers=api.admin, json={"retention_days": None})
    assert reset.json()["retention_days"] is None and reset.json()["time_zone"] == "America/New_York"
    assert (await api.http.patch("/api/v1/tenant", headers=api.viewer, json={"retention_days": 5})).status_code == 403
