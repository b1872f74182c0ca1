"""Rules over Prometheus: a real Prometheus server scraping a target served here, and a replaying
peer for the answers a real server will not give on demand (5xx, nonsense, unsupported results)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.rule_tables import DataSource
from tests.integration.conftest import Stack
from tests.support.alerts import eventually
from tests.support.prometheus import PrometheusReplay, PrometheusServer, Replayed, ScrapeTarget

QUEUES = '# TYPE herald_test_queue_depth gauge\nherald_test_queue_depth{queue="mail"} 42\nherald_test_queue_depth{queue="sms"} 3\n'


@pytest.fixture(scope="module")
async def prometheus(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[PrometheusServer]:
    target = ScrapeTarget(QUEUES)
    await target.start()
    server = PrometheusServer(tmp_path_factory.mktemp("prometheus"), target.port)
    await server.start()
    # A few scrapes, so that windowed (subquery) evaluations find points at their aligned steps too.
    await server.wait_for_series("count_over_time(herald_test_queue_depth[1m]) > 2")
    yield server
    await server.stop()
    await target.stop()


async def add_source(stack: Stack, url: str, **extra: Any) -> str:
    answer = await stack.http.post(
        "/api/v1/datasources", json={"name": "prom", "url": url} | extra, headers=stack.admin
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def rule(source: str, **changes: Any) -> dict[str, Any]:
    return {
        "name": "Queue backlog",
        "data_source_id": source,
        "query": "herald_test_queue_depth",
        "comparator": ">",
        "threshold": 10,
        "summary": "{{ labels.queue }} queue at {{ value }}",
    } | changes


async def test_rules_query_a_real_prometheus(stack: Stack, prometheus: PrometheusServer) -> None:
    source = await add_source(stack, prometheus.url)
    tested = await stack.http.post(f"/api/v1/datasources/{source}/test", headers=stack.admin)
    assert tested.json() == {"ok": True, "detail": "Prometheus answered the query"}

    bad = await stack.http.post(
        "/api/v1/alerts/rules/", json=rule(source, query="sum(herald_test_queue_depth"), headers=stack.admin
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query" and "bad_data" in bad.text

    created = await stack.http.post("/api/v1/alerts/rules/", json=rule(source), headers=stack.admin)
    assert created.status_code == 201, created.text
    rule_id = created.json()["id"]
    tried = (await stack.http.post(f"/api/v1/alerts/rules/{rule_id}/test", headers=stack.viewer)).json()
    assert tried["health"] == "ok", tried
    found = {i["labels"]["queue"]: i for i in tried["instances"]}
    assert (found["mail"]["value"], found["mail"]["state"], found["mail"]["title"]) == (
        42.0,
        "firing",
        "mail queue at 42.0",
    )
    assert found["sms"]["state"] == "inactive"
    assert found["mail"]["labels"]["job"] == "herald-test" and "__name__" not in found["mail"]["labels"]

    windowed = await stack.http.post(
        "/api/v1/alerts/rules/test",
        json=rule(source, aggregation="max", window_seconds=60, query="sum(herald_test_queue_depth)"),
        headers=stack.admin,
    )
    assert [(i["labels"], i["value"]) for i in windowed.json()["instances"]] == [({}, 45.0)]

    evaluated = await stack.http.post("/api/v1/alerts/evaluate", json={"rule_ids": [rule_id]}, headers=stack.admin)
    assert evaluated.json()["transitions"] == 1, evaluated.text

    async def alerts() -> list[dict[str, Any]]:
        return list(
            (await stack.http.get("/api/v1/alerts/", params={"source": "rule"}, headers=stack.viewer)).json()["items"]
        )

    [alert] = await eventually(alerts, lambda items: len(items) == 1)
    assert alert["labels"]["queue"] == "mail" and alert["title"] == "mail queue at 42.0"
    await stack.http.delete(f"/api/v1/alerts/rules/{rule_id}", headers=stack.admin)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (Replayed(503, b"upstream connect error"), "Prometheus answered 503 (not a Prometheus error answer)"),
        (
            Replayed(422, {"status": "error", "errorType": "execution", "error": "query timed out"}),
            "execution: query timed out",
        ),
        (Replayed(200, b"<html>login</html>"), "not a query result"),
        (Replayed(200, {"status": "success", "data": {"resultType": "matrix", "result": []}}), "gives a matrix"),
        (
            Replayed(
                200,
                {
                    "status": "success",
                    "data": {
                        "resultType": "vector",
                        "result": [
                            {"metric": {"__name__": "a", "job": "x"}, "value": [1, "1"]},
                            {"metric": {"__name__": "b", "job": "x"}, "value": [1, "2"]},
                        ],
                    },
                },
            ),
            "several series with the labels",
        ),
    ],
)
async def test_source_failures_put_the_rule_in_error(
    stack: Stack, replay: PrometheusReplay, answer: Replayed, words: str
) -> None:
    source = await add_source(stack, replay.base, bearer_token="t0k")
    created = await stack.http.post("/api/v1/alerts/rules/", json=rule(source), headers=stack.admin)
    assert created.status_code == 201, created.text
    replay.script.append(answer)
    tried = (await stack.http.post(f"/api/v1/alerts/rules/{created.json()['id']}/test", headers=stack.viewer)).json()
    assert (tried["health"], tried["state"]) == ("error", "error")
    assert words in tried["error"]
    path, form, headers = replay.requests[-1]
    assert (
        path == "/api/v1/query"
        and form["query"] == "herald_test_queue_depth"
        and headers["authorization"] == "Bearer t0k"
    )


async def test_scalar_results_and_basic_auth(stack: Stack, replay: PrometheusReplay) -> None:
    source = await add_source(stack, replay.base, username="herald", password="pw")
    replay.script.append(Replayed(200, {"status": "success", "data": {"resultType": "scalar", "result": [1, "17"]}}))
    tried = (
        await stack.http.post("/api/v1/alerts/rules/test", json=rule(source, query="scalar(x)"), headers=stack.admin)
    ).json()
    assert [(i["labels"], i["value"], i["state"]) for i in tried["instances"]] == [({}, 17.0, "firing")]
    assert replay.requests[-1][2]["authorization"].startswith("Basic ")


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("bearer_token", "tökén", "printable ASCII"),
        ("bearer_token", "a b", "printable ASCII"),
        ("bearer_token", "t0k\r\nX-Injected: 1", "printable ASCII"),
        ("url", "http://\u0010x/", "url"),
        ("url", "http://¼/", "not a usable URL"),
        ("url", "https:///", "url"),
        ("url", "http://prometheus:9090/?", "no query or fragment"),
        ("url", "http://prometheus:9090/#x", "no query or fragment"),
        ("url", "http://user:pw@prometheus:9090", "credentials go in username/password"),
        ("username", "a:b", "cannot contain ':'"),
        ("password", "p\nw", "control characters"),
    ],
)
async def test_a_source_the_query_could_not_use_is_refused_when_saved(
    stack: Stack, replay: PrometheusReplay, field: str, value: str, words: str
) -> None:
    good = {"name": "prom", "url": replay.base}
    created = await stack.http.post("/api/v1/datasources", json=good | {field: value}, headers=stack.admin)
    assert created.status_code == 422, created.text
    assert field in created.text and words in created.text
    source = await add_source(stack, replay.base, name=f"ok-{field}-{len(value)}")
    replaced = await stack.http.put(
        f"/api/v1/datasources/{source}", json=good | {"name": "p2", field: value}, headers=stack.admin
    )
    assert replaced.status_code == 422 and field in replaced.text


async def test_a_source_an_older_release_stored_still_reads_back(
    stack: Stack, sessions: async_sessionmaker[AsyncSession]
) -> None:
    source_id = str(uuid.uuid4())
    async with sessions.begin() as session:
        session.add(
            DataSource(
                id=source_id,
                tenant_id=stack.tenant,
                name="old",
                type="prometheus",
                url="http://prometheus:9090/?",
                config={"username": "a:b", "timeout_seconds": 5},
            )
        )
    one = await stack.http.get(f"/api/v1/datasources/{source_id}", headers=stack.viewer)
    assert one.status_code == 200 and one.json()["url"] == "http://prometheus:9090/?"
    assert (await stack.http.get("/api/v1/datasources", headers=stack.viewer)).status_code == 200
