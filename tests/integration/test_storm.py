"""A storm through the real API (`POST /api/v1/events` → ingest inbox → InboxDrainWorkflow →
incidents) with a real worker on the dev server and a real webhook receiver: 2,000 alerts over
5 values of the route's `group_by` are 5 incidents and 5 first notifications, each listing the
members that arrived within `group_wait` (as Alertmanager's first notice does)."""

from __future__ import annotations

import asyncio
from typing import Any

from channels.base import members_listed
from tests.integration.conftest import Stack
from tests.integration.test_alert_flows import add_channel
from tests.integration.test_routes import put_tree
from tests.support.alerts import eventually
from tests.support.receiver import WebhookReceiver

ALERTNAMES = [f"Storm{name}" for name in ("CPU", "Disk", "Memory", "Network", "Latency")]
INSTANCES = 400
BATCH = 256
IN_FLIGHT = 4
# Long enough for all 2,000 events to reach their incidents (the API answers a batch in well under a
# second) and short for the test: the first notice lists whatever arrived within it.
GROUP_WAIT = "5s"


async def post_all(stack: Stack, events: list[dict[str, Any]]) -> None:
    """`events` in batches of BATCH, IN_FLIGHT requests at a time; every one answered 202."""
    slots = asyncio.Semaphore(IN_FLIGHT)

    async def post(batch: list[dict[str, Any]]) -> None:
        async with slots:
            answer = await stack.http.post("/api/v1/events", headers=stack.responder, json={"events": batch})
        assert answer.status_code == 202, answer.text
        assert answer.json()["accepted"] == len(batch)

    await asyncio.gather(*(post(events[i : i + BATCH]) for i in range(0, len(events), BATCH)))


async def incidents(stack: Stack) -> list[dict[str, Any]]:
    answer = await stack.http.get("/api/v1/alerts/", headers=stack.viewer, params={"limit": 500})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


async def test_a_storm_of_2000_alerts_over_5_groups_is_5_incidents_and_5_first_notices(
    stack: Stack, receiver: WebhookReceiver
) -> None:
    await add_channel(stack, receiver.url)
    tree = {"group_by": ["alertname"], "group_wait": GROUP_WAIT, "group_interval": "5m"}
    await put_tree(stack, tree, "0")
    events = [
        {"title": f"{name} on i{n:03}", "labels": {"alertname": name, "instance": f"i{n:03}"}}
        for n in range(INSTANCES)
        for name in ALERTNAMES
    ]
    await post_all(stack, events)

    found = await eventually(
        lambda: incidents(stack),
        lambda rows: len(rows) == len(ALERTNAMES) and all(r["firing_members"] == INSTANCES for r in rows),
        within=60,
    )
    assert sorted(r["labels"].get("alertname") for r in found) == sorted(ALERTNAMES)
    assert {r["status"] for r in found} == {"triggered"}

    notices = await receiver.wait_for(len(ALERTNAMES), within=60)
    await asyncio.sleep(1.0)  # real time: a sixth notice (a second one for a group) would arrive by now
    assert len(receiver.received) == len(ALERTNAMES), receiver.events()
    listed = members_listed("webhook")
    names = []
    for notice in notices:
        alert = notice.json["alert"]
        assert notice.json["event"] == "triggered"
        assert alert["firing_members"] == INSTANCES and alert["event_count"] == INSTANCES
        assert len(alert["members"]) == min(INSTANCES, listed)
        assert alert["members_left_out"] == max(0, INSTANCES - listed)
        assert alert["group_labels"] == {"alertname": alert["common_labels"]["alertname"]}
        assert len({m["labels"]["instance"] for m in alert["members"]}) == min(INSTANCES, listed)
        names.append(alert["group_labels"]["alertname"])
    assert sorted(names) == sorted(ALERTNAMES)
