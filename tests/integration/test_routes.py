"""The routing tree through the API (`/api/v1/routes`): versions and If-Match, edits by path, 422s naming the
field, `/routes/test`, deletes in use, time intervals; and events, manual alerts, rule and heartbeat alerts
following a child route's escalation policy and channels on the dev server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from activities.heartbeats import HeartbeatActivities
from gateway.client import AlertingClient
from tests.integration.conftest import Stack
from tests.integration.test_alert_flows import add_channel, get_alert
from tests.integration.test_escalation_flows import person
from tests.integration.test_rules_api import create_rule, push
from tests.support.alerts import eventually
from tests.support.receiver import WebhookReceiver
from workflows.ids import heartbeat_alert_key, labels_key, route_group_key
from workflows.rule_payloads import HeartbeatAlert


async def policy(stack: Stack, name: str, target: dict[str, Any] | None = None) -> str:
    if target is None:  # an empty team: a policy that pages nobody
        team = await stack.http.post("/api/v1/teams", headers=stack.admin, json={"name": name, "member_ids": []})
        assert team.status_code == 201, team.text
        target = {"type": "team", "id": team.json()["id"]}
    levels = [{"targets": [target], "delay_minutes": 60}]
    answer = await stack.http.post(
        "/api/v1/escalation-policies", headers=stack.admin, json={"name": name, "levels": levels}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


async def put_tree(stack: Stack, tree: dict[str, Any], version: str) -> dict[str, Any]:
    answer = await stack.http.put(
        "/api/v1/routes", headers=stack.admin | {"If-Match": f'"{version}"'}, json={"tree": tree}
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def renotifies_after(alert: dict[str, Any]) -> float:
    """Seconds from the alert's opening to its next notification (its repeat interval)."""
    opened = datetime.fromisoformat(alert["created_at"])
    return (datetime.fromisoformat(alert["next_notification_at"]) - opened).total_seconds()


def fields(answer: Any) -> list[str]:
    assert answer.status_code == 422, answer.text
    return [error["field"] for error in answer.json()["errors"]]


async def test_read_replace_and_edit_by_path_with_versions(stack: Stack) -> None:
    first = await stack.http.get("/api/v1/routes", headers=stack.viewer)
    assert first.status_code == 200 and first.headers["etag"] == '"0"'
    assert first.json()["version"] == 0
    assert first.json()["tree"] | {} == {
        "matchers": [],
        "continue": False,
        "group_by": ["..."],
        "group_wait": "0s",
        "group_interval": "5m",
        "repeat_interval": "30m",
        "mute_time_intervals": [],
        "active_time_intervals": [],
        "routes": [],
    }
    db = await policy(stack, "DB")
    tree = {"group_by": ["..."], "routes": [{"matchers": ['team="db"'], "escalation_policy_id": db}]}

    missing = await stack.http.put("/api/v1/routes", headers=stack.admin, json={"tree": tree})
    assert missing.status_code == 428
    stale = await stack.http.put("/api/v1/routes", headers=stack.admin | {"If-Match": '"7"'}, json={"tree": tree})
    assert stale.status_code == 412 and "version 0" in stale.json()["detail"] and stale.headers["etag"] == '"0"'
    viewer = await stack.http.put("/api/v1/routes", headers=stack.viewer | {"If-Match": '"0"'}, json={"tree": tree})
    assert viewer.status_code == 403

    written = await put_tree(stack, tree, "0")
    assert written["version"] == 1 and written["tree"]["routes"][0]["escalation_policy_id"] == db
    again = await stack.http.put("/api/v1/routes", headers=stack.admin | {"If-Match": '"0"'}, json={"tree": tree})
    assert again.status_code == 412 and "version 1" in again.json()["detail"]

    child = await stack.http.get("/api/v1/routes/0", headers=stack.viewer)
    assert child.status_code == 200 and child.headers["etag"] == '"1"'
    assert child.json()["route"]["matchers"] == ['team="db"'] and child.json()["path"] == "0"
    for absent in ("1", "0.0", "x", "0..1"):
        assert (await stack.http.get(f"/api/v1/routes/{absent}", headers=stack.viewer)).status_code == 404

    nested = {"matchers": ['team="db"'], "routes": [{"matchers": ['env="prod"'], "group_wait": "10s"}]}
    edited = await stack.http.put("/api/v1/routes/0", headers=stack.admin | {"If-Match": '"1"'}, json={"route": nested})
    assert edited.status_code == 200, edited.text
    assert edited.headers["etag"] == '"2"' and edited.json()["route"]["routes"][0]["group_wait"] == "10s"
    deep = await stack.http.get("/api/v1/routes/0.0", headers=stack.viewer)
    assert deep.json()["route"]["matchers"] == ['env="prod"']
    assert (
        await stack.http.put("/api/v1/routes/3", headers=stack.admin | {"If-Match": '"2"'}, json={"route": nested})
    ).status_code == 404
    no_match = await stack.http.delete("/api/v1/routes/0.0", headers=stack.admin)
    assert no_match.status_code == 428
    stale_delete = await stack.http.delete("/api/v1/routes/0.0", headers=stack.admin | {"If-Match": '"1"'})
    assert stale_delete.status_code == 412
    deleted = await stack.http.delete("/api/v1/routes/0.0", headers=stack.admin | {"If-Match": '"2"'})
    assert deleted.status_code == 204 and deleted.headers["etag"] == '"3"'
    whole = (await stack.http.get("/api/v1/routes", headers=stack.viewer)).json()
    assert whole["version"] == 3 and whole["tree"]["routes"][0]["routes"] == []
    root = await stack.http.delete("/api/v1/routes", headers=stack.admin | {"If-Match": '"3"'})
    assert root.status_code == 405 and "root" in root.json()["detail"]


DEEP: dict[str, Any] = {}
_node = DEEP
for _ in range(11):
    _node["routes"] = [{}]
    _node = _node["routes"][0]


@pytest.mark.parametrize(
    ("tree", "field"),
    [
        ({"routes": [{"matchers": ['a="b"', 'c=~"(x"']}]}, "tree.routes.0.matchers.1"),
        ({"routes": [{"matchers": ['a=~"(?=x)"']}]}, "tree.routes.0.matchers.0"),  # a lookahead: RE2 refuses it
        ({"routes": [{"matchers": ["a=b c"]}]}, "tree.routes.0.matchers.0"),
        ({"routes": [{"group_wait": "1.5m"}]}, "tree.routes.0.group_wait"),
        ({"routes": [{"group_interval": "500ms"}]}, "tree.routes.0.group_interval"),
        (
            {"routes": [{"routes": [{"repeat_interval": "1m", "group_interval": "2m"}]}]},
            "tree.routes.0.routes.0.repeat_interval",
        ),
        ({"routes": [{"escalation_policy_id": "ghost"}]}, "tree.routes.0.escalation_policy_id"),
        ({"routes": [{"channels": ["ghost"]}]}, "tree.routes.0.channels.0"),
        ({"routes": [{"mute_time_intervals": ["nights"]}]}, "tree.routes.0.mute_time_intervals.0"),
        ({"matchers": ['a="b"']}, "tree.matchers"),
        ({"active_time_intervals": ["nights"]}, "tree.active_time_intervals tree.active_time_intervals.0"),
        ({"group_by": ["...", "a"]}, "tree.group_by"),
        ({"routes": [{"receiver": "x"}]}, "tree.routes.0.receiver"),
        (DEEP, "tree" + ".routes.0" * 11),
        ({"routes": [{} for _ in range(1000)]}, "tree"),
    ],
)
async def test_bad_trees_are_422_naming_the_field(stack: Stack, tree: dict[str, Any], field: str) -> None:
    answer = await stack.http.put("/api/v1/routes", headers=stack.admin | {"If-Match": '"0"'}, json={"tree": tree})
    assert fields(answer) == field.split()
    assert (await stack.http.get("/api/v1/routes", headers=stack.viewer)).json()["version"] == 0


async def test_a_path_edit_names_the_fields_of_its_body(stack: Stack) -> None:
    await put_tree(stack, {"routes": [{"matchers": ['team="db"']}]}, "0")
    bad = {"matchers": ['team="db"'], "routes": [{"escalation_policy_id": "ghost"}]}
    answer = await stack.http.put("/api/v1/routes/0", headers=stack.admin | {"If-Match": '"1"'}, json={"route": bad})
    assert fields(answer) == ["route.routes.0.escalation_policy_id"]
    answer = await stack.http.put(
        "/api/v1/routes/0", headers=stack.admin | {"If-Match": '"1"'}, json={"route": {"group_wait": "x"}}
    )
    assert fields(answer) == ["route.group_wait"]


async def test_routes_test_answers_every_matched_route(stack: Stack) -> None:
    db = await policy(stack, "DB")
    await put_tree(
        stack,
        {
            "group_by": ["..."],
            "repeat_interval": "1h",
            "routes": [
                {
                    "matchers": ['team="db"'],
                    "group_by": ["cluster", "severity"],
                    "escalation_policy_id": db,
                    "continue": True,
                },
                {"matchers": ['severity="critical"'], "group_wait": "10s"},
            ],
        },
        "0",
    )
    labels = {"team": "db", "cluster": "eu", "host": "a"}
    body = {"labels": labels, "severity": "critical"}
    answer = await stack.http.post("/api/v1/routes/test", headers=stack.viewer, json=body)
    assert answer.status_code == 200, answer.text
    first, second = answer.json()["matches"]
    assert first == {
        "path": "0",
        "route_key": '{}/{team="db"}',
        "route_id": '{}/{team="db"}/0',
        "group_by": ["cluster", "severity"],
        "group_labels": {"cluster": "eu", "severity": "critical"},
        "group_key": route_group_key(stack.tenant, '{}/{team="db"}/0', {"cluster": "eu", "severity": "critical"}),
        "group_wait": "30s",
        "group_interval": "5m",
        "repeat_interval": "1h",
        "escalation_policy_id": db,
        "channels": None,
        "mute_time_intervals": [],
        "active_time_intervals": [],
        "continue": True,
    }
    assert second["path"] == "1" and second["group_by"] == ["..."] and second["group_wait"] == "10s"
    assert second["group_key"] == route_group_key(stack.tenant, '{}/{severity="critical"}/1', labels)
    only = await stack.http.post("/api/v1/routes/test", headers=stack.viewer, json={"labels": {"team": "web"}})
    [root] = only.json()["matches"]
    assert root["path"] == "" and root["group_key"] == labels_key(stack.tenant, {"team": "web"})


async def test_deleting_what_a_route_uses_is_409_naming_the_route(stack: Stack, receiver: WebhookReceiver) -> None:
    db = await policy(stack, "DB")
    channel = await add_channel(stack, receiver.url, name="db-chat")
    tree = {"routes": [{"matchers": ['team="web"']}, {"matchers": ['team="db"'], "channels": [channel["id"]]}]}
    tree["routes"][1]["routes"] = [{"matchers": ['env="prod"'], "escalation_policy_id": db}]
    await put_tree(stack, tree, "0")
    refused = await stack.http.delete(f"/api/v1/escalation-policies/{db}", headers=stack.admin)
    assert refused.status_code == 409 and refused.json()["used_by"] == ["route 1.0"]
    refused = await stack.http.delete(f"/api/v1/channels/{channel['id']}", headers=stack.admin)
    assert refused.status_code == 409 and refused.json()["used_by"] == ["route 1"]
    await put_tree(stack, {"routes": []}, "1")
    assert (await stack.http.delete(f"/api/v1/escalation-policies/{db}", headers=stack.admin)).status_code == 204
    assert (await stack.http.delete(f"/api/v1/channels/{channel['id']}", headers=stack.admin)).status_code == 204


async def routed_stack(stack: Stack, receiver: WebhookReceiver) -> tuple[str, str]:
    """A default channel (/hook) and a tree whose `team="db"` route pages ann, tells the db channel
    (/hook/db-room) and renotifies every 2 hours: returns (policy id, channel id)."""
    await add_channel(stack, receiver.url, name="everyone")
    room = await stack.http.post(
        "/api/v1/channels",
        headers=stack.admin,
        json={"name": "db-room", "type": "webhook", "config": {"url": f"{receiver.url}/db-room"}},
    )
    assert room.status_code == 201, room.text
    ann = await person(stack, "ann", receiver.url)
    db = await policy(stack, "DB on call", {"type": "user", "id": ann})
    route = {
        "matchers": ['team="db"'],
        "escalation_policy_id": db,
        "channels": [room.json()["id"]],
        "repeat_interval": "2h",
    }
    await put_tree(stack, {"group_by": ["..."], "group_wait": "0s", "routes": [route]}, "0")
    return db, str(room.json()["id"])


async def test_an_event_follows_its_child_routes_policy_and_channels(stack: Stack, receiver: WebhookReceiver) -> None:
    await routed_stack(stack, receiver)
    labels = {"team": "db", "host": "db1"}
    event = {"title": "replica lag", "labels": labels, "severity": "high"}
    answer = await stack.http.post("/api/v1/events", headers=stack.responder, json={"events": [event]})
    assert answer.status_code == 202, answer.text
    [result] = answer.json()["results"]
    assert result["key"] == labels_key(stack.tenant, labels)  # first route, grouping by every label

    await receiver.wait_for(2)
    assert sorted(r.who for r in receiver.received) == ["ann", "db-room"]  # not the default channel
    alerts = (await stack.http.get("/api/v1/alerts/", headers=stack.viewer)).json()["items"]
    detail = await eventually(lambda: get_alert(stack, alerts[0]["id"]), lambda a: a["escalation"] is not None)
    assert detail["escalation"]["policy_name"] == "DB on call"
    assert detail["escalation"]["reason"] == 'route {}/{team="db"}'
    assert abs(renotifies_after(detail) - 7200) < 60  # the route's repeat_interval

    other = {"title": "web slow", "labels": {"team": "web"}}
    assert (await stack.http.post("/api/v1/alerts/", headers=stack.responder, json=other)).status_code == 201
    received = await receiver.wait_for(3)
    assert received[-1].who == ""  # the root route: the tenant's default channel


async def test_a_manual_alert_on_continue_routes_opens_one_incident_per_route(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    """Two routes with the same matchers (the first with continue): one incident on each, each following its
    own route's policy (the open activity tells the routes apart by the incident's key)."""
    await add_channel(stack, receiver.url, name="everyone")
    first, second = await policy(stack, "First"), await policy(stack, "Second")
    tree = {
        "group_by": ["..."],
        "group_wait": "0s",
        "routes": [
            {"matchers": ['team="db"'], "continue": True, "escalation_policy_id": first},
            {"matchers": ['team="db"'], "group_by": ["team"], "escalation_policy_id": second},
        ],
    }
    await put_tree(stack, tree, "0")
    labels = {"team": "db", "host": "a"}
    body = {"title": "disk", "labels": labels}
    created = await stack.http.post("/api/v1/alerts/", headers=stack.responder, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["dedup_key"] == labels_key(stack.tenant, labels)

    async def opened() -> dict[str, str]:
        items = (await stack.http.get("/api/v1/alerts/", headers=stack.viewer)).json()["items"]
        return {item["dedup_key"]: item["id"] for item in items}

    grouped = route_group_key(stack.tenant, '{}/{team="db"}/1', {"team": "db"})
    found = await eventually(opened, lambda found: len(found) == 2)
    assert set(found) == {labels_key(stack.tenant, labels), grouped}
    for key, name in ((labels_key(stack.tenant, labels), "First"), (grouped, "Second")):
        alert_id = found[key]

        async def read(alert_id: str = alert_id) -> dict[str, Any]:
            return await get_alert(stack, alert_id)

        detail = await eventually(read, lambda a: a["escalation"] is not None)
        assert (detail["escalation"]["policy_name"], detail["escalation"]["reason"]) == (name, 'route {}/{team="db"}')


async def test_a_rule_alert_follows_its_route(stack: Stack, receiver: WebhookReceiver) -> None:
    await routed_stack(stack, receiver)
    rule = await create_rule(stack, group_by=["host"], labels={"team": "db"})
    await push(stack, "db1", 97.0)
    evaluated = await stack.http.post("/api/v1/alerts/evaluate", json={"rule_ids": [rule["id"]]}, headers=stack.admin)
    assert evaluated.status_code == 200 and evaluated.json()["sent"] == 1, evaluated.text
    await receiver.wait_for(2)
    assert sorted(r.who for r in receiver.received) == ["ann", "db-room"]
    alerts = (await stack.http.get("/api/v1/alerts/", params={"source": "rule"}, headers=stack.viewer)).json()
    [alert] = alerts["items"]
    assert alert["dedup_key"].startswith(f"rule/{rule['id']}/")  # a rule instance keeps its own key
    detail = await eventually(lambda: get_alert(stack, alert["id"]), lambda a: a["escalation"] is not None)
    assert detail["escalation"]["reason"] == 'route {}/{team="db"}'
    assert abs(renotifies_after(detail) - 7200) < 60


async def test_time_intervals_named_by_routes_cannot_be_renamed_or_deleted(stack: Stack) -> None:
    nights = {"name": "nights", "time_intervals": [{"times": [{"start_time": "22:00", "end_time": "24:00"}]}]}
    created = await stack.http.post("/api/v1/time-intervals", headers=stack.admin, json=nights)
    assert created.status_code == 201, created.text
    interval = created.json()
    assert interval["name"] == "nights"
    assert interval["time_intervals"][0]["times"] == [{"start_time": "22:00", "end_time": "24:00"}]
    twice = await stack.http.post("/api/v1/time-intervals", headers=stack.admin, json=nights)
    assert twice.status_code == 409
    bad = nights | {"name": "x", "time_intervals": [{"weekdays": ["funday"]}]}
    assert (await stack.http.post("/api/v1/time-intervals", headers=stack.admin, json=bad)).status_code == 422
    responder = await stack.http.post("/api/v1/time-intervals", headers=stack.responder, json=nights)
    assert responder.status_code == 403

    await put_tree(stack, {"routes": [{"matchers": ['team="db"'], "mute_time_intervals": ["nights"]}]}, "0")
    path = f"/api/v1/time-intervals/{interval['id']}"
    refused = await stack.http.delete(path, headers=stack.admin)
    assert refused.status_code == 409 and refused.json()["used_by"] == ["route 0"]
    renamed = await stack.http.put(path, headers=stack.admin, json=nights | {"name": "late"})
    assert renamed.status_code == 409 and renamed.json()["used_by"] == ["route 0"]
    same_name = await stack.http.put(path, headers=stack.admin, json=nights | {"time_intervals": []})
    assert same_name.status_code == 200 and same_name.json()["time_intervals"] == []

    await put_tree(stack, {"routes": []}, "1")
    assert (await stack.http.delete(path, headers=stack.admin)).status_code == 204
    assert (await stack.http.get(path, headers=stack.viewer)).status_code == 404
    assert (await stack.http.get("/api/v1/time-intervals", headers=stack.viewer)).json() == []


async def test_a_heartbeat_alert_follows_its_route(
    stack: Stack, receiver: WebhookReceiver, dev_env: WorkflowEnvironment, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """The heartbeat activity (as the worker runs it when a monitor misses its ping) routes the alert."""
    await routed_stack(stack, receiver)
    body = {"name": "db-backup", "interval_seconds": 3_600, "labels": {"team": "db"}, "severity": "low"}
    monitor = await stack.http.post("/api/v1/heartbeats", json=body, headers=stack.admin)
    assert monitor.status_code == 201, monitor.text
    alerting = AlertingClient(
        dev_env.client, task_queue=stack.settings.temporal_task_queue, update_timeout=30, ingest_concurrency=1
    )
    activities = HeartbeatActivities(sessions, alerting, stack.settings)
    missed = HeartbeatAlert(
        tenant_id=stack.tenant, heartbeat_id=monitor.json()["id"], action="trigger", at=datetime.now(UTC)
    )
    assert await activities.alert(missed) == "accepted"
    await receiver.wait_for(2)
    assert sorted(r.who for r in receiver.received) == ["ann", "db-room"]
    alerts = (await stack.http.get("/api/v1/alerts/", params={"source": "heartbeat"}, headers=stack.viewer)).json()
    [alert] = alerts["items"]
    assert alert["dedup_key"] == heartbeat_alert_key(monitor.json()["id"])
    detail = await eventually(lambda: get_alert(stack, alert["id"]), lambda a: a["escalation"] is not None)
    assert detail["escalation"]["reason"] == 'route {}/{team="db"}'
    assert abs(renotifies_after(detail) - 7200) < 60


async def test_writes_at_once_with_one_version_leave_exactly_one(stack: Stack) -> None:
    """Six admins replace (or edit) the tree read at one version at once: one wins, the others are told
    the version moved (412), and the tree is the winner's (six 200s without the version check)."""
    await put_tree(stack, {"routes": [{"matchers": ['n="0"']}]}, "0")
    headers = stack.admin | {"If-Match": '"1"'}
    trees = [{"tree": {"routes": [{"matchers": [f'n="{i}"']}] * i}} for i in range(1, 4)]
    edits = [{"route": {"matchers": [f'n="{i}"']}} for i in range(4, 7)]
    answers = await asyncio.gather(
        *(stack.http.put("/api/v1/routes", headers=headers, json=body) for body in trees),
        *(stack.http.put("/api/v1/routes/0", headers=headers, json=body) for body in edits),
    )
    assert sorted(a.status_code for a in answers) == [200] + [412] * 5
    [winner] = [a for a in answers if a.status_code == 200]
    now = (await stack.http.get("/api/v1/routes", headers=stack.viewer)).json()
    assert now["version"] == 2
    expected = winner.json()["tree"]["routes"] if "tree" in winner.json() else [winner.json()["route"]]
    assert now["tree"]["routes"] == expected


async def test_the_deprecated_flat_routing_is_a_view_of_the_tree(stack: Stack) -> None:
    calm, rapid = await policy(stack, "Calm"), await policy(stack, "Rapid")
    flat = {
        "default_policy_id": calm,
        "routes": [{"policy_id": rapid, "severities": ["critical", "high"], "labels": {"env": "prod"}}],
    }
    path = "/api/v1/escalation-policies/routing"
    assert (await stack.http.put(path, headers=stack.admin, json=flat)).status_code == 200
    tree = (await stack.http.get("/api/v1/routes", headers=stack.viewer)).json()
    assert tree["version"] == 1 and tree["tree"]["escalation_policy_id"] == calm
    assert tree["tree"]["group_wait"] == "0s"  # the root's grouping and timings stay
    [child] = tree["tree"]["routes"]
    assert child["matchers"] == ['severity=~"critical|high"', '"env"="prod"'] and child["escalation_policy_id"] == rapid
    read = (await stack.http.get(path, headers=stack.viewer)).json()
    assert read == {
        "default_policy_id": calm,
        "routes": [
            {"policy_id": rapid, "severities": ["critical", "high"], "categories": [], "labels": {"env": "prod"}}
        ],
    }
    await put_tree(stack, tree["tree"] | {"routes": [child | {"routes": [{"matchers": ['a="b"']}]}]}, "1")
    refused = await stack.http.get(path, headers=stack.viewer)
    assert refused.status_code == 409 and "/api/v1/routes" in refused.json()["detail"]


async def test_a_resolve_that_omits_the_severity_resolves_the_incident_its_trigger_opened(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    """The trigger went to the `severity="critical"` route (grouped by alertname); the resolve, like
    most senders' resolves, carries only the labels: it still resolves that incident."""
    await add_channel(stack, receiver.url, name="everyone")
    child = {"matchers": ['severity="critical"'], "group_by": ["alertname"]}
    await put_tree(stack, {"group_by": ["..."], "group_wait": "0s", "routes": [child]}, "0")
    labels = {"alertname": "DiskFull", "host": "db1"}
    trigger = {"title": "disk full", "labels": labels, "severity": "critical"}
    answer = await stack.http.post("/api/v1/events", headers=stack.responder, json={"events": [trigger]})
    assert answer.status_code == 202, answer.text
    [opened] = answer.json()["results"]
    await receiver.wait_for(1)
    resolve = {"action": "resolve", "labels": labels}
    answer = await stack.http.post("/api/v1/events", headers=stack.responder, json={"events": [resolve]})
    assert answer.status_code == 202, answer.text
    assert opened["key"] in {r["key"] for r in answer.json()["results"]}

    async def incident() -> dict[str, Any]:
        page = (await stack.http.get("/api/v1/alerts/", headers=stack.viewer)).json()
        [alert] = [a for a in page["items"] if a["dedup_key"] == opened["key"]]
        return alert  # type: ignore[no-any-return]

    resolved = await eventually(incident, lambda a: a["status"] == "resolved")
    assert resolved["firing_members"] == 0
