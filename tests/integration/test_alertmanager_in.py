"""Alertmanager's webhook (version 4) into Herald (`POST /api/v1/integrations/alertmanager`), through
the real API with a worker on the Temporal dev server: firing, resolved and truncated notifications,
one incident per groupKey or per fingerprint, and the refusals."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Stack
from tests.support.alerts import eventually

PATH = "/api/v1/integrations/alertmanager"
GROUP_KEY = '{}/{team="db"}:{alertname="DiskFull"}'


def am_alert(host: str, status: str = "firing") -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "DiskFull", "team": "db", "host": host, "severity": "critical"},
        "annotations": {"summary": f"Disk full on {host}", "description": "Over 95% used"},
        "startsAt": "2026-07-17T08:00:00Z",
        "endsAt": "0001-01-01T00:00:00Z" if status == "firing" else "2026-07-17T09:00:00Z",
        "generatorURL": f"http://prometheus.example/graph?host={host}",
        "fingerprint": f"f{host}0000000000000"[:16],
    }


def webhook(alerts: list[dict[str, Any]], truncated: int = 0, group_key: str = GROUP_KEY) -> dict[str, Any]:
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": truncated,
        "status": "firing" if firing else "resolved",
        "receiver": "herald",
        "groupLabels": {"alertname": "DiskFull"},
        "commonLabels": {"alertname": "DiskFull", "team": "db"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example",
        "alerts": alerts,
    }


async def send(stack: Stack, body: dict[str, Any], status: int = 202, **params: str) -> dict[str, Any]:
    answer = await stack.http.post(PATH, headers=stack.responder, json=body, params=params)
    assert answer.status_code == status, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def alerts(stack: Stack) -> list[dict[str, Any]]:
    answer = await stack.http.get("/api/v1/alerts/", headers=stack.viewer, params={"sort": "created_at"})
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]  # type: ignore[no-any-return]


async def test_one_group_is_one_incident_whose_members_fire_and_resolve(stack: Stack) -> None:
    answered = await send(stack, webhook([am_alert(h) for h in ("db1", "db2", "db3")]))
    assert (answered["accepted"], answered["firing"], answered["resolved"], answered["truncated_alerts"]) == (
        3,
        3,
        0,
        0,
    )
    [incident] = await eventually(
        lambda: alerts(stack), lambda items: len(items) == 1 and items[0]["firing_members"] == 3
    )
    assert (incident["title"], incident["severity"], incident["source"]) == (
        "Disk full on db1",
        "critical",
        "alertmanager",
    )
    detail = (await stack.http.get(f"/api/v1/alerts/{incident['id']}", headers=stack.viewer)).json()
    assert sorted(m["labels"]["host"] for m in detail["members"]) == ["db1", "db2", "db3"]
    assert detail["annotations"]["alertmanager_group_key"] == GROUP_KEY

    await send(stack, webhook([am_alert("db1", "resolved"), am_alert("db2", "resolved"), am_alert("db3")]))
    [still] = await eventually(lambda: alerts(stack), lambda items: items[0]["resolved_members"] == 2)
    assert (still["status"], still["firing_members"]) == ("triggered", 1)

    answered = await send(stack, webhook([am_alert(h, "resolved") for h in ("db1", "db2", "db3")]))
    assert (answered["firing"], answered["resolved"]) == (0, 3)
    [done] = await eventually(lambda: alerts(stack), lambda items: items[0]["status"] == "resolved")
    assert (done["id"], done["resolved_members"], done["firing_members"]) == (incident["id"], 3, 0)


async def test_truncated_alerts_are_counted_and_shown_on_the_incident(stack: Stack) -> None:
    answered = await send(stack, webhook([am_alert("db1"), am_alert("db2")], truncated=5))
    assert answered["truncated_alerts"] == 5
    [incident] = await eventually(lambda: alerts(stack), lambda items: len(items) == 1)
    assert incident["annotations"]["alertmanager_truncated_alerts"] == "5"


async def test_the_incident_shows_the_latest_notifications_truncation(stack: Stack) -> None:
    """Alertmanager flushes a group at once when its alerts began more than group_wait ago, so its first
    notification may leave nothing out and the next one leave some out: the incident follows each."""
    await send(stack, webhook([am_alert("db1")]))
    [first] = await eventually(lambda: alerts(stack), lambda items: len(items) == 1)
    assert "alertmanager_truncated_alerts" not in first["annotations"]

    await send(stack, webhook([am_alert("db1")], truncated=1))
    [cut] = await eventually(
        lambda: alerts(stack), lambda items: items[0]["annotations"].get("alertmanager_truncated_alerts") == "1"
    )
    assert (cut["id"], cut["event_count"], cut["firing_members"]) == (first["id"], 2, 1)
    assert cut["annotations"]["summary"] == "Disk full on db1"  # the alert's own annotations stay

    await send(stack, webhook([am_alert("db1"), am_alert("db2")]))
    [whole] = await eventually(lambda: alerts(stack), lambda items: items[0]["firing_members"] == 2)
    assert "alertmanager_truncated_alerts" not in whole["annotations"]

    # A notification of resolved alerts only, cut (max_alerts cuts in label order, whatever their status).
    await send(stack, webhook([am_alert("db1", "resolved")], truncated=2))
    [still] = await eventually(
        lambda: alerts(stack), lambda items: items[0]["annotations"].get("alertmanager_truncated_alerts") == "2"
    )
    assert (still["status"], still["firing_members"], still["resolved_members"]) == ("triggered", 1, 1)


async def test_an_integration_grouping_by_fingerprint_makes_one_incident_per_alert(stack: Stack) -> None:
    created = await stack.http.post(
        "/api/v1/integrations",
        headers=stack.admin,
        json={"name": "am-eu", "kind": "alertmanager", "group_by": "fingerprint", "labels": {"via": "am-eu"}},
    )
    assert created.status_code == 201, created.text
    assert created.json()["key"] is None and created.json()["prefix"] is None
    integration = created.json()["id"]
    await send(stack, webhook([am_alert(h) for h in ("db1", "db2", "db3")]), integration=integration)
    opened = await eventually(lambda: alerts(stack), lambda items: len(items) == 3)
    assert sorted(a["labels"]["host"] for a in opened) == ["db1", "db2", "db3"]
    assert all(a["labels"]["via"] == "am-eu" and a["dedup_key"].startswith(f"am/{integration}/fp/") for a in opened)
    await send(stack, webhook([am_alert("db2", "resolved")]), integration=integration)
    after = await eventually(lambda: alerts(stack), lambda items: sum(a["status"] == "resolved" for a in items) == 1)
    assert next(a for a in after if a["status"] == "resolved")["labels"]["host"] == "db2"


async def test_refusals_name_what_was_wrong(stack: Stack) -> None:
    body = webhook([am_alert("db1")])
    assert (await stack.http.post(PATH, json=body)).status_code == 401
    assert (await stack.http.post(PATH, headers=stack.viewer, json=body)).status_code == 403
    wrong_version = await send(stack, body | {"version": "3"}, status=422)
    assert wrong_version["errors"][0]["field"] == "version"
    no_alerts = await send(stack, body | {"alerts": []}, status=422)
    assert no_alerts["errors"][0]["field"] == "alerts"
    bad_label = await send(stack, webhook([am_alert("db1") | {"labels": {"bad-name": "x"}}]), status=422)
    assert bad_label["errors"][0]["field"].startswith("alerts.0.labels")
    unknown = await send(stack, body, status=422, integration="no-such-integration")
    assert unknown["errors"][0]["field"] == "integration"
    pd = await stack.http.post("/api/v1/integrations", headers=stack.admin, json={"name": "pd", "kind": "pagerduty"})
    not_am = await send(stack, body, status=422, integration=pd.json()["id"])
    assert not_am["errors"][0]["field"] == "integration"
    assert await alerts(stack) == []
