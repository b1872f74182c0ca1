"""`POST /api/v2/alerts` in-process (real app, worker, Temporal, PostgreSQL): Alertmanager's 400s
naming the field, its authentication (bearer or Basic with the key as password, viewer refused), and
the tenant's severity mapping."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.conftest import Stack
from tests.support.alerts import eventually


def basic(headers: dict[str, str], user: str = "grafana") -> dict[str, str]:
    key = headers["Authorization"].removeprefix("Bearer ")
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode()}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"labels": {"a": "b"}}, "alerts: Input should be a valid array"),
        ([{"annotations": {}}], "alerts.0.labels: Field required"),
        ([{"labels": {"a": "b"}}, {"labels": {"a": ""}}], "alerts.1.labels: at least one label pair required"),
        (
            [{"labels": {"a": "b"}, "startsAt": "2026-12-01T05:00:00Z", "endsAt": "2026-12-01T04:00:00Z"}],
            "alerts.0.labels: start time must be before end time",
        ),
        ([{"labels": {"a b": "c"}}], "alerts.0.labels: label name 'a b'"),
        ([{"labels": {"a": "b"}, "endsAt": "tomorrow"}], "alerts.0.endsAt: "),
        ([{"labels": {"a": "b"}, "annotations": {"x" * 129: "y"}}], "alerts.0.annotations: "),
    ],
)
async def test_a_bad_batch_is_a_400_naming_the_alert_and_field(stack: Stack, body: Any, words: str) -> None:
    answer = await stack.http.post("/api/v2/alerts", json=body, headers=stack.responder)
    assert answer.status_code == 400, answer.text
    assert isinstance(answer.json(), str) and answer.json().startswith(words), answer.text
    listed = await stack.http.get("/api/v1/alerts/", headers=stack.viewer)
    assert listed.json()["total"] == 0  # all or nothing


async def test_long_and_many_annotations_are_fitted_not_refused(stack: Stack) -> None:
    """Prometheus caps neither, and a refused alert would be refused at every re-send: it would never page."""
    annotations = {"description": "d" * 30_000, "long": "y" * 10_001} | {f"a{i:03}": "x" for i in range(100)}
    annotations["runbook_url"] = "https://rb"
    alert = {"labels": {"alertname": "Chatty"}, "annotations": annotations}
    answer = await stack.http.post("/api/v2/alerts", json=[alert], headers=stack.responder)
    assert answer.status_code == 200, answer.text
    opened = await _opened(stack)
    kept = opened["annotations"]
    assert len(kept) == 64 and kept["runbook_url"] == "https://rb"
    assert kept["long"].startswith("y" * 9_000) and kept["long"].endswith("more characters not shown)")
    assert len(kept["long"]) <= 10_000 and len(kept["description"]) <= 10_000
    assert kept["herald_annotations_left_out"].startswith("40 more annotations not shown: a060, a061")
    assert len(opened["description"]) <= 20_000 and opened["description"].endswith("more characters not shown)")


async def _opened(stack: Stack) -> dict[str, Any]:
    async def listed() -> list[dict[str, Any]]:
        return (await stack.http.get("/api/v1/alerts/", headers=stack.viewer)).json()["items"]  # type: ignore[no-any-return]

    [one] = await eventually(listed, lambda items: len(items) == 1)
    return one


async def test_keys_as_bearer_or_basic_password_and_viewers_cannot_post(stack: Stack) -> None:
    alert = [{"labels": {"alertname": "Basic"}}]
    assert (await stack.http.post("/api/v2/alerts", json=alert)).status_code == 401
    assert (await stack.http.post("/api/v2/alerts", json=alert, headers=stack.viewer)).status_code == 403
    assert (await stack.http.post("/api/v2/alerts", json=alert, headers=basic(stack.viewer))).status_code == 403
    wrong = {"Authorization": "Basic " + base64.b64encode(b"grafana:hk_nope").decode()}
    assert (await stack.http.post("/api/v2/alerts", json=alert, headers=wrong)).status_code == 401
    answer = await stack.http.post("/api/v2/alerts", json=alert, headers=basic(stack.responder))
    assert answer.status_code == 200 and answer.content == b"", answer.text
    # Basic works for every endpoint, not only Alertmanager's.
    assert (await stack.http.get("/api/v1/tenant", headers=basic(stack.viewer, user=""))).status_code == 200


async def test_the_tenants_severity_mapping_and_annotations_make_the_alert(stack: Stack) -> None:
    patched = await stack.http.patch("/api/v1/tenant", json={"severity_map": {"page": "critical"}}, headers=stack.admin)
    assert patched.status_code == 200, patched.text
    posted = [
        {
            "labels": {"alertname": "Disk", "severity": "Page", "host": "db1"},
            "annotations": {"summary": "Disk full on db1", "description": "95% used", "runbook_url": "https://rb"},
            "generatorURL": "http://prom:9090/graph?g0.expr=disk",
        },
        {"labels": {"alertname": "Other", "severity": "critical"}},
    ]
    assert (await stack.http.post("/api/v2/alerts", json=posted, headers=stack.responder)).status_code == 200

    async def listed() -> list[dict[str, Any]]:
        return list((await stack.http.get("/api/v1/alerts/", headers=stack.viewer)).json()["items"])

    alerts = await eventually(listed, lambda items: len(items) == 2)
    found = {a["title"]: a for a in alerts}
    disk = found["Disk full on db1"]
    assert (disk["severity"], disk["description"]) == ("critical", "95% used")
    assert disk["annotations"]["runbook_url"] == "https://rb"
    assert found["Other"]["severity"] == "medium"  # not in the tenant's own mapping


async def test_groups_filters_and_receivers_as_alertmanager_shows_them(stack: Stack) -> None:
    tree = {"group_by": ["alertname"], "group_wait": "0s"}
    answer = await stack.http.put("/api/v1/routes", json={"tree": tree}, headers={**stack.admin, "If-Match": '"0"'})
    assert answer.status_code == 200, answer.text
    posted = [{"labels": {"alertname": "Down", "host": h, "env": "prod"}} for h in ("a", "b")]
    posted.append({"labels": {"alertname": "Slow", "host": "a"}})
    assert (await stack.http.post("/api/v2/alerts", json=posted, headers=stack.responder)).status_code == 200

    async def groups() -> list[dict[str, Any]]:
        return list((await stack.http.get("/api/v2/alerts/groups", headers=stack.viewer)).json())

    found = await eventually(groups, lambda gs: sum(len(g["alerts"]) for g in gs) == 3)
    by_labels = {tuple(sorted(g["labels"].items())): g for g in found}
    down = by_labels[(("alertname", "Down"), ("env", "prod"))]
    assert sorted(a["labels"]["host"] for a in down["alerts"]) == ["a", "b"] and down["receiver"] == {"name": "none"}
    assert (("alertname", "Slow"), ("host", "a")) in by_labels

    filtered = await stack.http.get(
        "/api/v2/alerts", params={"filter": ['alertname="Down"', 'host=~"b|c"']}, headers=stack.viewer
    )
    assert [a["labels"]["host"] for a in filtered.json()] == ["b"]
    assert (await stack.http.get("/api/v2/alerts", params={"receiver": "nobody"}, headers=stack.viewer)).json() == []
    assert (await stack.http.get("/api/v2/alerts", params={"active": "false"}, headers=stack.viewer)).json() == []
    for params, words in (({"filter": "alertname=~("}, "filter: bad matcher format"), ({"receiver": "("}, "receiver:")):
        bad = await stack.http.get("/api/v2/alerts", params=params, headers=stack.viewer)
        assert bad.status_code == 400 and bad.json().startswith(words), bad.text


async def test_an_alert_without_ends_at_lasts_the_tenants_resolve_timeout(stack: Stack) -> None:
    patched = await stack.http.patch("/api/v1/tenant", json={"resolve_timeout": "90s"}, headers=stack.admin)
    assert patched.status_code == 200, patched.text
    before = datetime.now(UTC)
    posted = [{"labels": {"alertname": "NoEnd"}}, {"labels": {"alertname": "Ends"}, "endsAt": "2999-01-01T00:00:00Z"}]
    assert (await stack.http.post("/api/v2/alerts", json=posted, headers=stack.responder)).status_code == 200

    async def listed() -> list[dict[str, Any]]:
        return list((await stack.http.get("/api/v2/alerts", headers=stack.viewer)).json())

    alerts = {a["labels"]["alertname"]: a for a in await eventually(listed, lambda found: len(found) == 2)}
    ends = datetime.fromisoformat(alerts["NoEnd"]["endsAt"])
    assert before + timedelta(seconds=89) <= ends <= datetime.now(UTC) + timedelta(seconds=90)
    assert alerts["Ends"]["endsAt"] == "2999-01-01T00:00:00.000Z"
    assert datetime.fromisoformat(alerts["NoEnd"]["startsAt"]) >= before - timedelta(seconds=1)
