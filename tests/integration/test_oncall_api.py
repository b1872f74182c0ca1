"""Users, teams, schedules and escalation policies through the REST API on real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import icalendar
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.api_keys import Role
from models.defaults import seed_defaults
from settings import Settings
from tests.integration.conftest import Stack, api_stack, make_keys


@pytest.fixture
async def api(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Stack]:
    async with api_stack(settings, sessions) as stack:
        yield stack


async def create(api: Stack, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.http.post(path, headers=api.admin, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def user(api: Stack, name: str, **extra: Any) -> str:
    body = {"name": name, "email": f"{name}@example.com", **extra}
    return str((await create(api, "/api/v1/users", body))["id"])


def fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    return {error["field"] for error in response.json()["errors"]}


async def test_users_contact_methods_rules_and_bad_input(api: Stack) -> None:
    boss = await user(api, "boss")
    ann = await create(
        api,
        "/api/v1/users",
        {
            "name": "Ann",
            "email": "ann@example.com",
            "phone": "+447700900123",
            "slack_user_id": "U024BE7LH",
            "time_zone": "Europe/London",
            "manager_id": boss,
            "contact_methods": [
                {"type": "slack", "address": "U024BE7LH"},
                {"type": "sms", "address": "+447700900123"},
            ],
            "notification_rules": [
                {"contact_method_id": "slack-1", "delay_minutes": 0},
                {"contact_method_id": "sms-1", "delay_minutes": 5},
            ],
        },
    )
    assert [m["id"] for m in ann["contact_methods"]] == ["slack-1", "sms-1"]
    assert ann["notification_rules"][1] == {"contact_method_id": "sms-1", "delay_minutes": 5}

    post = api.http.post
    bad = {
        "email": {"name": "x", "email": "not-an-email"},
        "phone": {"name": "x", "email": "x@example.com", "phone": "07700"},
        "time_zone": {"name": "x", "email": "x@example.com", "time_zone": "Mars/Olympus"},
        "manager_id": {"name": "x", "email": "x@example.com", "manager_id": "nobody"},
        "contact_methods.0": {
            "name": "x",
            "email": "x@example.com",
            "contact_methods": [{"type": "sms", "address": "5"}],
        },
    }
    for field, body in bad.items():
        response = await post("/api/v1/users", headers=api.admin, json=body)
        assert fields(response) == {field}, (field, response.json())
    rule = await post(
        "/api/v1/users",
        headers=api.admin,
        json={"name": "x", "email": "x@example.com", "notification_rules": [{"contact_method_id": "sms-9"}]},
    )
    assert fields(rule) == {"notification_rules"} and "unknown contact method 'sms-9'" in rule.json()["detail"]
    for address in ("http://a\u0001b/", "ftp://example.com/x"):
        hook = await post(
            "/api/v1/users",
            headers=api.admin,
            json={"name": "x", "email": "x@example.com", "contact_methods": [{"type": "webhook", "address": address}]},
        )
        assert fields(hook) == {"contact_methods.0"}, hook.json()
    twice = await post(
        "/api/v1/users",
        headers=api.admin,
        json={
            "name": "x",
            "email": "x@example.com",
            "contact_methods": [{"type": "webhook", "address": "https://example.com/x"}],
            "notification_rules": [{"contact_method_id": "webhook-1"}, {"contact_method_id": "webhook-1"}],
        },
    )
    assert fields(twice) == {"notification_rules"}
    duplicate = await post("/api/v1/users", headers=api.admin, json={"name": "Ann 2", "email": "ann@example.com"})
    assert fields(duplicate) == {"email"}
    cycle = await api.http.put(
        f"/api/v1/users/{boss}",
        headers=api.admin,
        json={"name": "boss", "email": "boss@example.com", "manager_id": ann["id"]},
    )
    assert fields(cycle) == {"manager_id"} and "cycle" in cycle.json()["detail"]
    viewer = await post("/api/v1/users", headers=api.viewer, json={"name": "v", "email": "v@example.com"})
    assert viewer.status_code == 403


async def test_policies_validate_targets_and_deletes_in_use_are_refused(api: Stack) -> None:
    ann = await user(api, "ann")
    team = await create(api, "/api/v1/teams", {"name": "SRE", "member_ids": [ann]})
    bad_team = await api.http.post("/api/v1/teams", headers=api.admin, json={"name": "x", "member_ids": ["ghost"]})
    assert fields(bad_team) == {"member_ids.0"}
    schedule = await create(
        api,
        "/api/v1/schedules",
        {
            "name": "Primary",
            "time_zone": "Europe/London",
            "layers": [
                {
                    "name": "weekly",
                    "participants": [ann],
                    "shift_length": 1,
                    "shift_unit": "weeks",
                    "start": "2026-01-05T09:00:00",
                }
            ],
        },
    )
    policy = await create(
        api,
        "/api/v1/escalation-policies",
        {
            "name": "Standard",
            "levels": [
                {"targets": [{"type": "schedule", "id": schedule["id"]}], "delay_minutes": 15},
                {"targets": [{"type": "team", "id": team["id"]}, {"type": "manager"}], "delay_minutes": 30},
            ],
            "repeat": 1,
            "ack_timeout_minutes": 240,
        },
    )
    assert policy["levels"][0]["delay_minutes"] == 15 and policy["ack_timeout_minutes"] == 240
    assert "open alerts keep the policy they started with" in policy["note"]

    post = api.http.post
    cases: dict[str, dict[str, Any]] = {
        "levels": {"name": "p", "levels": []},
        "levels.0.delay_minutes": {
            "name": "p",
            "levels": [{"targets": [{"type": "user", "id": ann}], "delay_minutes": 0}],
        },
        "levels.0.targets.0.id": {
            "name": "p",
            "levels": [{"targets": [{"type": "user", "id": "ghost"}], "delay_minutes": 5}],
        },
        "levels.0.targets": {"name": "p", "levels": [{"targets": [], "delay_minutes": 5}]},
    }
    for field, body in cases.items():
        response = await post("/api/v1/escalation-policies", headers=api.admin, json=body)
        assert fields(response) == {field}, (field, response.json())
    manager_first = await post(
        "/api/v1/escalation-policies",
        headers=api.admin,
        json={"name": "p", "levels": [{"targets": [{"type": "manager"}], "delay_minutes": 5}]},
    )
    assert fields(manager_first) == {"levels"} and "previous level" in manager_first.json()["detail"]

    routing = await api.http.put(
        "/api/v1/escalation-policies/routing",
        headers=api.admin,
        json={"default_policy_id": policy["id"], "routes": [{"policy_id": "ghost", "severities": ["critical"]}]},
    )
    assert fields(routing) == {"routes.0.policy_id"}
    routing = await api.http.put(
        "/api/v1/escalation-policies/routing",
        headers=api.admin,
        json={"default_policy_id": policy["id"], "routes": [{"policy_id": policy["id"], "severities": ["critical"]}]},
    )
    assert routing.status_code == 200, routing.text

    refused = await api.http.delete(f"/api/v1/users/{ann}", headers=api.admin)
    assert refused.status_code == 409
    assert set(refused.json()["used_by"]) == {"schedule 'Primary'", "team 'SRE'"}
    refused = await api.http.delete(f"/api/v1/schedules/{schedule['id']}", headers=api.admin)
    assert refused.status_code == 409 and refused.json()["used_by"] == ["policy 'Standard'"]
    channel = await create(
        api, "/api/v1/channels", {"name": "pager", "type": "webhook", "config": {"url": "https://example.com/p"}}
    )
    paging = await create(
        api,
        "/api/v1/escalation-policies",
        {
            "name": "Via channel",
            "levels": [{"targets": [{"type": "channel", "id": channel["id"]}], "delay_minutes": 5}],
        },
    )
    refused = await api.http.delete(f"/api/v1/channels/{channel['id']}", headers=api.admin)
    assert refused.status_code == 409 and refused.json()["used_by"] == ["policy 'Via channel'"]
    assert (await api.http.delete(f"/api/v1/escalation-policies/{paging['id']}", headers=api.admin)).status_code == 204
    refused = await api.http.delete(f"/api/v1/escalation-policies/{policy['id']}", headers=api.admin)
    assert refused.status_code == 409 and refused.json()["used_by"] == [
        "the root route",
        "route 0",
        "the tenant default",
    ]
    listed = await api.http.get("/api/v1/escalation-policies", headers=api.viewer)
    assert [p["is_default"] for p in listed.json()] == [True]


async def test_schedule_oncall_shifts_overrides_and_calendars_across_dst(api: Stack) -> None:
    ann, ben = await user(api, "ann"), await user(api, "ben")
    bad = await api.http.post(
        "/api/v1/schedules",
        headers=api.admin,
        json={
            "name": "x",
            "time_zone": "Europe/Londn",
            "layers": [
                {
                    "name": "l",
                    "participants": [],
                    "shift_length": 1,
                    "shift_unit": "days",
                    "start": "2026-01-01T09:00:00",
                }
            ],
        },
    )
    assert fields(bad) == {"time_zone", "layers.0.participants"}
    unknown = await api.http.post(
        "/api/v1/schedules",
        headers=api.admin,
        json={
            "name": "x",
            "time_zone": "UTC",
            "layers": [
                {
                    "name": "l",
                    "participants": ["ghost"],
                    "shift_length": 1,
                    "shift_unit": "days",
                    "start": "2026-01-01T09:00:00",
                }
            ],
        },
    )
    assert fields(unknown) == {"layers.0.participants.0"}
    ancient_layer = await api.http.post(
        "/api/v1/schedules",
        headers=api.admin,
        json={
            "name": "x",
            "time_zone": "Asia/Tokyo",
            "layers": [
                {
                    "name": "l",
                    "participants": [ann],
                    "shift_length": 1,
                    "shift_unit": "days",
                    "start": "0001-01-01T00:00:00",
                }
            ],
        },
    )
    assert fields(ancient_layer) == {"layers.0.start"}

    schedule = await create(
        api,
        "/api/v1/schedules",
        {
            "name": "London daily",
            "time_zone": "Europe/London",
            "layers": [
                {
                    "name": "daily",
                    "participants": [ann, ben],
                    "shift_length": 1,
                    "shift_unit": "days",
                    "start": "2026-03-27T09:00:00",
                }
            ],
        },
    )
    sid = schedule["id"]
    # Clocks go forward on 2026-03-29: the 09:00 handoff moves from 09:00Z to 08:00Z.
    shifts = await api.http.get(
        f"/api/v1/schedules/{sid}/shifts",
        headers=api.viewer,
        params={"from": "2026-03-28T09:00:00Z", "to": "2026-03-31T08:00:00Z"},
    )
    assert shifts.status_code == 200, shifts.text
    got = [(s["start"], s["user_name"]) for s in shifts.json()]
    assert got == [
        ("2026-03-28T09:00:00Z", "ben"),
        ("2026-03-29T08:00:00Z", "ann"),
        ("2026-03-30T08:00:00Z", "ben"),
    ]
    who = await api.http.get(
        f"/api/v1/schedules/{sid}/oncall", headers=api.viewer, params={"at": "2026-03-29T08:30:00+00:00"}
    )
    assert who.json()["user_name"] == "ann" and who.json()["source"] == "layer:daily"

    wrong = await api.http.post(
        f"/api/v1/schedules/{sid}/overrides",
        headers=api.admin,
        json={"user_id": ben, "start": "2026-03-29T12:00:00Z", "end": "2026-03-29T10:00:00Z"},
    )
    assert fields(wrong) == {"end"} and "end after it starts" in wrong.json()["detail"]
    ghost = await api.http.post(
        f"/api/v1/schedules/{sid}/overrides",
        headers=api.admin,
        json={"user_id": "ghost", "start": "2026-03-29T10:00:00Z", "end": "2026-03-29T12:00:00Z"},
    )
    assert fields(ghost) == {"user_id"}
    await create(
        api,
        f"/api/v1/schedules/{sid}/overrides",
        {"user_id": ben, "start": "2026-03-29T10:00:00Z", "end": "2026-03-29T12:00:00Z"},
    )
    who = await api.http.get(
        f"/api/v1/schedules/{sid}/oncall", headers=api.viewer, params={"at": "2026-03-29T11:00:00Z"}
    )
    assert who.json()["user_name"] == "ben" and who.json()["source"] == "override"
    naive = await api.http.get(
        f"/api/v1/schedules/{sid}/oncall", headers=api.viewer, params={"at": "2026-03-29T11:00:00"}
    )
    assert fields(naive) == {"at"}
    ancient = await api.http.get(
        f"/api/v1/schedules/{sid}/oncall", headers=api.viewer, params={"at": "0001-01-01T00:00:00Z"}
    )
    assert fields(ancient) == {"at"}
    too_long = await api.http.get(
        f"/api/v1/schedules/{sid}/shifts",
        headers=api.viewer,
        params={"from": "2026-01-01T00:00:00Z", "to": "2027-06-01T00:00:00Z"},
    )
    assert fields(too_long) == {"to"}

    feed = await api.http.get(f"/api/v1/schedules/{sid}/calendar.ics", headers=api.viewer)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(feed.content)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) >= 90 and {str(e["SUMMARY"]) for e in events} == {"On call: ann", "On call: ben"}
    mine = icalendar.Calendar.from_ical(
        (await api.http.get(f"/api/v1/users/{ann}/calendar.ics", headers=api.viewer)).content
    )
    assert {str(e["SUMMARY"]) for e in mine.walk("VEVENT")} == {"On call: ann"}


async def test_default_policies_are_seeded_once_and_never_overwritten(
    api: Stack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        assert await seed_defaults(session, api.tenant)
    policies = (await api.http.get("/api/v1/escalation-policies", headers=api.viewer)).json()
    by_name = {p["name"]: p for p in policies}
    assert set(by_name) == {"Critical Alert Escalation", "Standard Escalation"}
    assert by_name["Standard Escalation"]["is_default"]
    assert len(by_name["Critical Alert Escalation"]["levels"]) == 2
    routing = (await api.http.get("/api/v1/escalation-policies/routing", headers=api.viewer)).json()
    assert routing["routes"][0]["severities"] == ["critical"]
    assert routing["routes"][0]["policy_id"] == by_name["Critical Alert Escalation"]["id"]

    standard = by_name["Standard Escalation"]
    changed = {k: standard[k] for k in ("levels", "repeat", "ack_timeout_minutes")} | {"name": "Ours now"}
    response = await api.http.put(f"/api/v1/escalation-policies/{standard['id']}", headers=api.admin, json=changed)
    assert response.status_code == 200, response.text
    async with sessions.begin() as session:
        assert not await seed_defaults(session, api.tenant)
    names = {p["name"] for p in (await api.http.get("/api/v1/escalation-policies", headers=api.viewer)).json()}
    assert names == {"Critical Alert Escalation", "Ours now"}


async def test_routing_replaced_at_once_by_two_admins_is_one_of_them(api: Stack) -> None:
    """PUT routing is a full replacement: several at once leave one of the bodies — the deletes
    of two requests each missed the other's new rows, so the routes of both were kept, their
    positions doubled."""
    ann = await user(api, "ann")
    level = {"targets": [{"type": "user", "id": ann}], "delay_minutes": 5}
    policy = await create(api, "/api/v1/escalation-policies", {"name": "p", "levels": [level]})
    bodies = [
        {"default_policy_id": None, "routes": [{"policy_id": policy["id"], "labels": {"n": str(i)}}] * i}
        for i in range(1, 7)
    ]
    path = "/api/v1/escalation-policies/routing"
    answers = await asyncio.gather(*(api.http.put(path, headers=api.admin, json=body) for body in bodies))
    assert [a.status_code for a in answers] == [200] * 6
    routes = (await api.http.get(path, headers=api.viewer)).json()["routes"]
    [(only, count)] = {(tuple(r["labels"].items()), len(routes)) for r in routes}  # one body's routes ...
    assert count == int(only[0][1])  # ... all of them, once


async def test_timeline_shows_each_layer_the_overrides_and_the_final_row(
    api: Stack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ann, ben, cat = await user(api, "ann"), await user(api, "ben"), await user(api, "cat")
    layers = [
        {
            "name": "base",
            "participants": [ann, ben],
            "shift_length": 1,
            "shift_unit": "days",
            "start": "2026-05-01T09:00:00",
        },
        {
            "name": "nights",
            "participants": [cat],
            "shift_length": 1,
            "shift_unit": "weeks",
            "start": "2026-05-01T00:00:00",
            "restrictions": [{"start": "18:00", "end": "09:00"}],
        },
    ]
    sid = (await create(api, "/api/v1/schedules", {"name": "Berlin", "time_zone": "Europe/Berlin", "layers": layers}))[
        "id"
    ]
    override = await create(
        api,
        f"/api/v1/schedules/{sid}/overrides",
        {"user_id": cat, "start": "2026-05-02T10:00:00Z", "end": "2026-05-02T12:00:00Z"},
    )
    window = {"from": "2026-05-02T07:00:00Z", "to": "2026-05-03T07:00:00Z"}  # 09:00 to 09:00 Berlin (UTC+2)
    answer = await api.http.get(f"/api/v1/schedules/{sid}/timeline", headers=api.viewer, params=window)
    assert answer.status_code == 200, answer.text
    timeline = answer.json()
    assert timeline["time_zone"] == "Europe/Berlin"
    [base, nights] = timeline["layers"]
    assert [(s["start"], s["user_name"]) for s in base["shifts"]] == [("2026-05-02T07:00:00Z", "ben")]
    assert [(s["start"], s["end"], s["user_name"]) for s in nights["shifts"]] == [
        ("2026-05-02T07:00:00Z", "2026-05-02T16:00:00Z", None),  # outside the 18:00-09:00 window: nobody
        ("2026-05-02T16:00:00Z", "2026-05-03T07:00:00Z", "cat"),
    ]
    assert timeline["overrides"] == [
        {
            "id": override["id"],
            "user_id": cat,
            "user_name": "cat",
            "start": "2026-05-02T10:00:00Z",
            "end": "2026-05-02T12:00:00Z",
        }
    ]
    final = (await api.http.get(f"/api/v1/schedules/{sid}/shifts", headers=api.viewer, params=window)).json()
    assert timeline["final"] == final  # the same engine as /shifts: the row that says who is paged
    assert [(s["user_name"], s["source"]) for s in final] == [
        ("ben", "layer:base"),
        ("cat", "override"),
        ("ben", "layer:base"),
        ("cat", "layer:nights"),
    ]
    backwards = await api.http.get(
        f"/api/v1/schedules/{sid}/timeline", headers=api.viewer, params={"from": window["to"], "to": window["from"]}
    )
    assert fields(backwards) == {"to"}
    stranger = (await make_keys(sessions, f"t-other-{uuid.uuid4().hex[:8]}"))[Role.VIEWER]
    assert (await api.http.get(f"/api/v1/schedules/{sid}/timeline", headers=stranger)).status_code == 404
