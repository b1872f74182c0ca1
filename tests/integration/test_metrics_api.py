"""Pushed metrics through the REST API on real PostgreSQL: JSON and text format in, query out, bad input refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models.timestamps import utc_text
from settings import Settings
from tests.integration.conftest import Stack, api_stack


@pytest.fixture
async def api(dev_settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Stack]:
    async with api_stack(dev_settings.model_copy(update={"metrics_max_batch": 50}), sessions) as stack:
        yield stack


def iso(ts: datetime) -> str:
    return ts.isoformat()


async def test_json_batch_is_stored_and_read_back_per_series(api: Stack) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    samples = [
        {
            "name": "cpu_usage_percent",
            "labels": {"host": host},
            "value": value,
            "timestamp": iso(now - timedelta(seconds=age)),
        }
        for host, value, age in [("db1", 91.0, 30), ("db1", 95.0, 10), ("web1", 20.0, 10)]
    ]
    answer = await api.http.post("/api/v1/metrics", json={"samples": samples}, headers=api.responder)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"accepted": 3, "repeated": 0, "skipped": 0, "skipped_reasons": []}

    read = await api.http.get(
        "/api/v1/metrics/query",
        params={"query": 'cpu_usage_percent{host="db1"}', "aggregation": "avg"},
        headers=api.viewer,
    )
    assert read.status_code == 200, read.text
    [series] = read.json()["series"]
    assert series["labels"] == {"host": "db1"}
    assert [value for _, value in series["points"]] == [91.0, 95.0]
    assert series["value"] == 93.0

    regex = await api.http.get(
        "/api/v1/metrics/query", params={"query": 'cpu_usage_percent{host=~"db.*|web.*"}'}, headers=api.viewer
    )
    assert sorted(s["labels"]["host"] for s in regex.json()["series"]) == ["db1", "web1"]


async def test_text_exposition_format_is_accepted_and_nan_is_skipped_with_a_reason(api: Stack) -> None:
    ms = int(datetime.now(UTC).timestamp() * 1000) - 1000
    body = (
        "# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n"
        f'http_requests_total{{service="api",code="500"}} 1027 {ms}\n'
        'http_requests_total{service="api",code="200"} 5\n'
        "# TYPE rpc_latency summary\n"
        'rpc_latency{quantile="0.5"} NaN\nrpc_latency_count 0\n'
    )
    answer = await api.http.post(
        "/api/v1/metrics", content=body, headers={**api.responder, "Content-Type": "text/plain; version=0.0.4"}
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["accepted"], result["skipped"]) == (3, 1)
    assert "NaN" in result["skipped_reasons"][0]
    read = await api.http.get(
        "/api/v1/metrics/query", params={"query": 'http_requests_total{code="500"}'}, headers=api.viewer
    )
    [series] = read.json()["series"]
    assert series["points"][0][1] == 1027.0
    assert datetime.fromisoformat(series["points"][0][0]) == datetime.fromtimestamp(ms / 1000, UTC)


async def test_a_repeated_series_reuses_its_row_across_requests(api: Stack) -> None:
    for value in (1.0, 2.0):
        sample = {"name": "queue_depth", "labels": {"queue": "mail"}, "value": value}
        assert (
            await api.http.post("/api/v1/metrics", json={"samples": [sample]}, headers=api.responder)
        ).status_code == 200
    read = await api.http.get("/api/v1/metrics/query", params={"query": "queue_depth"}, headers=api.viewer)
    [series] = read.json()["series"]
    assert [v for _, v in series["points"]] == [1.0, 2.0]


@pytest.mark.parametrize(
    ("sample", "field", "words"),
    [
        ({"name": "9bad", "value": 1}, "samples.0.name", "should match pattern"),
        ({"name": "ok", "labels": {"__name__": "x"}, "value": 1}, "samples.0.labels", "reserved"),
        ({"name": "ok", "labels": {"bad-label": "x"}, "value": 1}, "samples.0.labels", "must match"),
        ({"name": "ok", "value": "high"}, "samples.0.value", "number"),
        ({"name": "ok", "value": 1, "timestamp": "2999-01-01T00:00:00Z"}, "samples.0.timestamp", "future"),
        ({"name": "ok", "value": 1, "timestamp": "2001-01-01T00:00:00Z"}, "samples.0.timestamp", "retention"),
        ({"name": "ok", "value": 1, "extra": True}, "samples.0.extra", "not permitted"),
    ],
)
async def test_a_bad_sample_refuses_the_whole_batch_naming_it(
    api: Stack, sample: dict[str, object], field: str, words: str
) -> None:
    good = {"name": "ok_metric", "value": 1}
    answer = await api.http.post("/api/v1/metrics", json={"samples": [sample, good]}, headers=api.responder)
    assert answer.status_code == 422, answer.text
    assert field in answer.text and words in answer.text
    read = await api.http.get("/api/v1/metrics/query", params={"query": "ok_metric"}, headers=api.viewer)
    assert read.json()["series"] == []  # nothing of the batch was stored


async def test_nan_in_json_batch_size_and_text_errors(api: Stack) -> None:
    nan = await api.http.post(
        "/api/v1/metrics",
        content=b'{"samples": [{"name": "x", "value": NaN}]}',
        headers={**api.responder, "Content-Type": "application/json"},
    )
    assert nan.status_code == 422 and "samples.0.value" in nan.text and "NaN" in nan.text
    too_many = await api.http.post(
        "/api/v1/metrics", json={"samples": [{"name": "x", "value": 1}] * 51}, headers=api.responder
    )
    assert too_many.status_code == 422 and "at most 50 samples" in too_many.text
    garbage = await api.http.post(
        "/api/v1/metrics", content="this is { not metrics", headers={**api.responder, "Content-Type": "text/plain"}
    )
    assert garbage.status_code == 422 and "text exposition" in garbage.text
    bad_label = await api.http.post(
        "/api/v1/metrics", content='m{__x="1"} 2\n', headers={**api.responder, "Content-Type": "text/plain"}
    )
    assert bad_label.status_code == 422 and "__x" in bad_label.text
    malformed = await api.http.post(
        "/api/v1/metrics", content=b"{", headers={**api.responder, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    text = {**api.responder, "Content-Type": "text/plain"}
    huge = await api.http.post("/api/v1/metrics", content="m 1 99999999999999999\n", headers=text)
    assert huge.status_code == 422 and "line 1" in huge.text
    long_name = await api.http.post("/api/v1/metrics", content="m" * 300 + " 1\n", headers=text)
    assert long_name.status_code == 422 and "longer than 200" in long_name.text
    nul = await api.http.post(
        "/api/v1/metrics",
        json={"samples": [{"name": "m", "labels": {"a": "x\u0000"}, "value": 1}]},
        headers=api.responder,
    )
    assert nul.status_code == 422 and "NUL" in nul.text
    naive = await api.http.get(
        "/api/v1/metrics/query", params={"query": "m", "start": "2026-01-01T00:00:00"}, headers=api.viewer
    )
    assert naive.status_code == 200 and naive.json()["start"].endswith("Z")
    viewer = await api.http.post("/api/v1/metrics", json={"samples": []}, headers=api.viewer)
    assert viewer.status_code == 403
    bad_query = await api.http.get("/api/v1/metrics/query", params={"query": 'cpu{host=~"("}'}, headers=api.viewer)
    assert bad_query.status_code == 422 and "regular expression" in bad_query.text


async def test_concurrent_pushes_creating_the_same_series_in_any_order_all_succeed(
    dev_settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with api_stack(dev_settings, sessions) as api:
        await _race(api)


async def _race(api: Stack) -> None:
    hosts = [f"h{i:04d}" for i in range(2000)]

    async def push(order: list[str]) -> int:
        samples = [{"name": "race_metric", "labels": {"host": host}, "value": 1.0} for host in order]
        return (await api.http.post("/api/v1/metrics", json={"samples": samples}, headers=api.responder)).status_code

    orders = [hosts, hosts[::-1], hosts[1000:] + hosts[:1000], hosts[::2] + hosts[1::2]]
    assert await asyncio.gather(*(push(order) for order in orders)) == [200, 200, 200, 200]
    read = await api.http.get(
        "/api/v1/metrics/query", params={"query": "race_metric", "max_series": 5000}, headers=api.viewer
    )
    assert sorted(len(s["points"]) for s in read.json()["series"]) == [4] * 2000


TEXT = {"Content-Type": "text/plain; version=0.0.4"}


async def _rate(api: Stack, name: str) -> float:
    """What a `rate` rule over the last 5 minutes of `name` computes (the rule dry run)."""
    rule = {
        "name": "rate",
        "query": name,
        "aggregation": "rate",
        "window_seconds": 300,
        "comparator": ">",
        "threshold": 1000,
        "summary": "x",
        "group_by": [],
    }
    tried = await api.http.post("/api/v1/alerts/rules/test", json=rule, headers=api.admin)
    assert tried.status_code == 200, tried.text
    [instance] = tried.json()["instances"]
    return float(instance["value"])


async def test_two_samples_of_one_series_and_instant_in_a_text_push_are_a_422_naming_the_second(api: Stack) -> None:
    t = int(datetime.now(UTC).timestamp()) * 1000 - 1000
    body = f'c{{job="x"}} 100 {t - 60_000}\nc{{job="x"}} 160 {t}\nc{{job="x"}} 100 {t}\n'
    answer = await api.http.post("/api/v1/metrics", content=body, headers={**api.responder, **TEXT})
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == [
        {
            "field": "body.line 3",
            "message": f"duplicate sample for timestamp {utc_text(datetime.fromtimestamp(t / 1000, UTC))}: "
            "body.line 2 is the same series at the same time",
        }
    ]
    read = await api.http.get("/api/v1/metrics/query", params={"query": "c"}, headers=api.viewer)
    assert read.json()["series"] == []  # refused whole
    fixed = body.rsplit("c{", 1)[0]
    assert (await api.http.post("/api/v1/metrics", content=fixed, headers={**api.responder, **TEXT})).status_code == 200
    assert await _rate(api, "c") == 1.0  # 100 → 160 in 60 s; the refused 100 would have read as a reset: 2.67/s


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ('d{a="1",b="2"} 1 {t}', 'd{b="2",a="1"} 2 {t}'),  # label order is not identity
        ('d{a="1"} 1 {t}', 'd{a="1"} 1 {t}'),  # even the same value, within one batch
        ('d{a="1"} 1', 'd{a="1"} 2'),  # no timestamps: both at the time of the push
    ],
)
async def test_text_duplicates_within_a_batch_are_refused(api: Stack, first: str, second: str) -> None:
    t = int(datetime.now(UTC).timestamp()) * 1000 - 1000
    body = f"{first}\n{second}\n".replace("{t}", str(t))
    answer = await api.http.post("/api/v1/metrics", content=body, headers={**api.responder, **TEXT})
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "body.line 2"
    assert "duplicate sample" in answer.json()["detail"]


async def test_json_duplicates_within_a_batch_are_refused_naming_the_sample(api: Stack) -> None:
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    same_instant = now.astimezone(timezone(timedelta(hours=2))).isoformat()  # another spelling of the same time
    samples = [
        {"name": "e", "labels": {"job": "x"}, "value": 1, "timestamp": iso(now - timedelta(seconds=60))},
        {"name": "e", "labels": {"job": "x"}, "value": 2, "timestamp": iso(now)},
        {"name": "e", "labels": {"job": "x"}, "value": 3, "timestamp": same_instant},
        {"name": "e", "labels": {"job": "y"}, "value": 4},
        {"name": "e", "labels": {"job": "y"}, "value": 5},
    ]
    answer = await api.http.post("/api/v1/metrics", json={"samples": samples}, headers=api.responder)
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["samples.2", "samples.4"]
    assert "samples.1 is the same series" in answer.json()["errors"][0]["message"]
    assert "samples.3 is the same series" in answer.json()["errors"][1]["message"]


async def test_across_pushes_the_same_value_is_a_repeat_and_another_value_is_refused(api: Stack) -> None:
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    first = [
        {"name": "f", "labels": {"job": "x"}, "value": 100, "timestamp": iso(now - timedelta(seconds=60))},
        {"name": "f", "labels": {"job": "x"}, "value": 160, "timestamp": iso(now)},
    ]
    assert (await api.http.post("/api/v1/metrics", json={"samples": first}, headers=api.responder)).json()[
        "repeated"
    ] == 0
    retried = await api.http.post("/api/v1/metrics", json={"samples": first}, headers=api.responder)
    assert retried.status_code == 200, retried.text
    assert (retried.json()["accepted"], retried.json()["repeated"]) == (2, 2)

    new = {"name": "f", "labels": {"job": "x"}, "value": 200, "timestamp": iso(now - timedelta(seconds=1))}
    clash = {"name": "f", "labels": {"job": "x"}, "value": 100, "timestamp": iso(now)}
    refused = await api.http.post("/api/v1/metrics", json={"samples": [new, clash]}, headers=api.responder)
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["field"] == "samples.1" and "already holds 160.0" in error["message"]
    assert error["message"].startswith(f"duplicate sample for timestamp {utc_text(now)}:")  # the API's format
    read = await api.http.get("/api/v1/metrics/query", params={"query": "f"}, headers=api.viewer)
    assert [v for _, v in read.json()["series"][0]["points"]] == [100.0, 160.0]  # nothing of it stored
    assert await _rate(api, "f") == 1.0

    text = f'f{{job="x"}} 160 {int(now.timestamp() * 1000)}\nf{{job="x"}} 7 {int(now.timestamp() * 1000) - 2000}\n'
    mixed = await api.http.post("/api/v1/metrics", content=text, headers={**api.responder, **TEXT})
    assert mixed.status_code == 200 and (mixed.json()["accepted"], mixed.json()["repeated"]) == (2, 1)
    clash_text = f'f{{job="x"}} 1 {int(now.timestamp() * 1000)}\n'
    refused_text = await api.http.post("/api/v1/metrics", content=clash_text, headers={**api.responder, **TEXT})
    assert refused_text.status_code == 422 and refused_text.json()["errors"][0]["field"] == "body.line 1"


async def test_an_empty_label_value_is_an_absent_label_one_series_one_instance(api: Stack) -> None:
    t = int(datetime.now(UTC).timestamp()) * 1000 - 10_000
    first = await api.http.post(
        "/api/v1/metrics", content=f'm{{host="a",env=""}} 1 {t}\n', headers={**api.responder, **TEXT}
    )
    assert first.status_code == 200, first.text
    second = await api.http.post(
        "/api/v1/metrics", content=f'm{{host="a"}} 2 {t + 1000}\n', headers={**api.responder, **TEXT}
    )
    assert second.status_code == 200, second.text
    sample = {"name": "m", "labels": {"host": "a", "env": "", "zone": ""}, "value": 3}
    third = await api.http.post("/api/v1/metrics", json={"samples": [sample]}, headers=api.responder)
    assert third.status_code == 200, third.text

    read = await api.http.get("/api/v1/metrics/query", params={"query": "m"}, headers=api.viewer)
    [series] = read.json()["series"]
    assert series["labels"] == {"host": "a"}
    assert [v for _, v in series["points"]] == [1.0, 2.0, 3.0]
    absent = await api.http.get("/api/v1/metrics/query", params={"query": 'm{env=""}'}, headers=api.viewer)
    assert len(absent.json()["series"]) == 1

    rule = {"name": "m", "query": "m", "aggregation": "last", "window_seconds": 300, "comparator": ">", "threshold": 0}
    tried = await api.http.post("/api/v1/alerts/rules/test", json=rule | {"summary": "x"}, headers=api.admin)
    assert tried.status_code == 200, tried.text
    assert [(i["labels"], i["value"]) for i in tried.json()["instances"]] == [({"host": "a"}, 3.0)]


async def test_an_empty_value_and_an_absent_label_at_one_instant_are_a_duplicate(api: Stack) -> None:
    t = int(datetime.now(UTC).timestamp()) * 1000 - 1000
    body = f'n{{host="a",env=""}} 1 {t}\nn{{host="a"}} 2 {t}\n'
    answer = await api.http.post("/api/v1/metrics", content=body, headers={**api.responder, **TEXT})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "body.line 2"


@pytest.mark.parametrize("value", ["NaN", "+Inf", "-Inf", "Inf"])
async def test_text_samples_that_are_not_finite_are_skipped_and_counted(api: Stack, value: str) -> None:
    """docs/api.md: in the text format, NaN and ±Inf samples alone are skipped (and said so); the rest is stored."""
    body = f'not_finite{{host="a"}} {value}\nfinite_neighbour{{host="a"}} 7\n'
    answer = await api.http.post(
        "/api/v1/metrics", content=body, headers={**api.responder, "Content-Type": "text/plain"}
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["accepted"], result["skipped"]) == (1, 1)
    assert result["skipped_reasons"][0].startswith("line 1 not_finite")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999"])
async def test_json_samples_that_are_not_finite_refuse_the_batch(api: Stack, value: str) -> None:
    """docs/api.md: in a JSON batch, a value that is not a finite number is a 422 naming it."""
    answer = await api.http.post(
        "/api/v1/metrics",
        content=f'{{"samples": [{{"name": "x", "value": 1}}, {{"name": "x", "value": {value}}}]}}'.encode(),
        headers={**api.responder, "Content-Type": "application/json"},
    )
    assert answer.status_code == 422 and "samples.1.value" in answer.text
