"""How the Alertmanager API v2 routes answer as Alertmanager does: its 400 (a JSON string), and the
OpenAPI description of a body a route parses itself."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import TypeAdapter


def body_schema(adapter: TypeAdapter[Any]) -> dict[str, Any]:
    """`openapi_extra` documenting a body the route parses itself (so that a bad one is Alertmanager's 400,
    not FastAPI's 422): the adapter's JSON schema with its `$defs` inlined."""
    schema = adapter.json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    content = {"application/json": {"schema": inline(schema)}}
    return {"requestBody": {"required": True, "content": content}}


def bad_request(message: str) -> JSONResponse:
    """Alertmanager's error answer: 400 and the message as a JSON string."""
    return JSONResponse(message, status_code=400)
