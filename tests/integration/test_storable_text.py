"""Text PostgreSQL cannot store (NUL, lone UTF-16 surrogates, bytes that are not UTF-8) is a 422
naming its field in every field of every endpoint: a label value was a 500, a metrics push a 400."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from settings import Settings
from tests.integration.conftest import Stack, api_stack

JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def api(dev_settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Stack]:
    async with api_stack(dev_settings, sessions) as stack:
        yield stack


@pytest.mark.parametrize(
    ("path", "body", "field", "words"),
    [
        ("/api/v1/events", rb'{"events":[{"title":"t","labels":{"k":"\udfff"}}]}', "events.0.labels.k", "surrogate"),
        (
            "/api/v1/events",
            rb'{"events":[{"title":"t","annotations":{"k":"\udfff"}}]}',
            "events.0.annotations.k",
            "surrogate",
        ),
        ("/api/v1/events", rb'{"events":[{"title":"t","labels":{"k":"\ud800x"}}]}', "events.0.labels.k", "surrogate"),
        ("/api/v1/events", rb'{"events":[{"title":"\udfff"}]}', "events.0.title", "surrogate"),
        ("/api/v1/events", b'{"events":[{"title":"t","labels":{"k":"\xff"}}]}', "events.0.labels.k", "not valid UTF-8"),
        ("/api/v1/events", rb'{"events":[{"title":"t","source":"a\u0000"}]}', "events.0.source", "NUL"),
        ("/api/v1/alerts/", rb'{"title":"t","labels":{"k":"\udfff"}}', "labels.k", "surrogate"),
        ("/api/v1/alerts/", rb'{"title":"t","annotations":{"k":"\udfff"}}', "annotations.k", "surrogate"),
        (
            "/api/v1/metrics",
            rb'{"samples":[{"name":"m","labels":{"k":"\udfff"},"value":1}]}',
            "samples.0.labels.k",
            "surrogate",
        ),
        (
            "/api/v1/metrics",
            b'{"samples":[{"name":"m","labels":{"k":"\xed\xbf\xbf"},"value":1}]}',
            "samples.0.labels.k",
            "not valid UTF-8",
        ),
    ],
)
async def test_unstorable_text_is_a_422_naming_the_field(
    api: Stack, path: str, body: bytes, field: str, words: str
) -> None:
    answer = await api.http.post(path, headers={**api.responder, **JSON}, content=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field
    assert words in answer.json()["detail"] and answer.json()["detail"].startswith(field)


async def test_valid_surrogate_pairs_and_escaped_backslashes_are_ordinary_text(api: Stack) -> None:
    body = rb'{"samples":[{"name":"m","labels":{"k":"\ud83d\ude00","spelt":"\\u0000 \\udfff"},"value":1}]}'
    answer = await api.http.post("/api/v1/metrics", headers={**api.responder, **JSON}, content=body)
    assert answer.status_code == 200, answer.text
    read = await api.http.get("/api/v1/metrics/query", params={"query": "m"}, headers=api.viewer)
    assert read.json()["series"][0]["labels"] == {"k": "\N{GRINNING FACE}", "spelt": "\\u0000 \\udfff"}


def _schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _write_operations(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(method, path with its parameters filled, a property of its JSON body) for every write."""
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = _schema(document, content["application/json"]["schema"])
            field = next(iter(schema.get("properties", {})), "anything")
            filled = path
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    filled = filled.replace("{" + parameter["name"] + "}", "00000000-0000-0000-0000-000000000000")
            found.append((method.upper(), filled, field))
    return found


@pytest.mark.parametrize("text", ["\udfff", "a\x00b", "\ud800"])
async def test_every_write_endpoint_refuses_unstorable_text_naming_the_field(api: Stack, text: str) -> None:
    document = (await api.http.get("/openapi.json")).json()
    operations = _write_operations(document)
    assert len(operations) > 30  # every POST, PUT and PATCH with a JSON body
    for method, path, field in operations:
        body = json.dumps({field: {"nested": [text]}})  # json.dumps escapes it as \uXXXX
        answer = await api.http.request(method, path, headers={**api.admin, **JSON}, content=body)
        assert answer.status_code == 422, (method, path, answer.text)
        assert answer.json()["errors"][0]["field"] == f"{field}.nested.0", (method, path, answer.text)


async def test_every_query_parameter_refuses_a_nul_naming_it(api: Stack) -> None:
    document = (await api.http.get("/openapi.json")).json()
    checked = 0
    for path, item in document["paths"].items():
        if "{" in path:
            continue
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query":
                    continue
                answer = await api.http.request(
                    method.upper(), path, params={parameter["name"]: "x\x00y"}, headers=api.admin
                )
                assert answer.status_code == 422, (method, path, parameter["name"], answer.text)
                assert answer.json()["errors"][0]["field"] == parameter["name"]
                assert "NUL" in answer.json()["detail"]
                checked += 1
    assert checked > 10


async def test_text_exposition_that_is_not_utf8_names_its_line(api: Stack) -> None:
    body = b'm 1\nm{k="\xed\xbf\xbf"} 2\n'  # the UTF-8 spelling of a lone surrogate is not UTF-8
    answer = await api.http.post(
        "/api/v1/metrics", headers={**api.responder, "Content-Type": "text/plain"}, content=body
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "body.line 2"


@pytest.mark.parametrize("depth", [900, 990, 100_000])
async def test_a_deeply_nested_body_with_unstorable_text_is_a_4xx(api: Stack, depth: int) -> None:
    """The check parsed and walked the body itself: nested past Python's recursion limit it was a
    500 (RecursionError), while the same body without the escape was the route's 400."""
    for inner in (rb'"\u0000"', b"1"):
        body = b'{"events":' + b"[" * depth + inner + b"]" * depth + b"}"
        answer = await api.http.post("/api/v1/events", content=body, headers={**api.responder, **JSON})
        assert 400 <= answer.status_code < 500, (depth, inner, answer.status_code, answer.text[:200])
