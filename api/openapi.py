"""The OpenAPI document, made to describe the API as it answers: one error body (`ErrorOut`) on
every error status an operation can return, so that generated clients and fuzzers see the truth.

FastAPI documents only what routes declare and a 422 of its own shape; Herald's errors all have
the shape of `api.errors.ErrorOut`. After FastAPI builds the document, every operation gets the
error statuses that its kind of operation can produce (below), each with that schema and the
route's own description where it gave one.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.errors import ErrorOut

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorOut"}
DESCRIPTIONS = {
    "400": "Malformed body (not JSON, or not the content type the operation reads)",
    "401": "Missing, unknown, revoked or expired API key",
    "403": "The key's role is too low for this operation, or its tenant is disabled",
    "404": "No such resource in your tenant (or no such path)",
    "409": "Not possible in the current state (the message says why)",
    "413": "Body larger than HERALD_MAX_BODY_BYTES",
    "422": "Invalid input; `errors` names each field",
    "429": "Too many requests or failed authentications: retry after `Retry-After` seconds",
    "503": "Overloaded, or Temporal or its workers unavailable: retry after `Retry-After` seconds",
}
PUBLIC = {"/healthz", "/readyz"}  # no authentication: the probes
SECRET_URLS = {"/api/v1/calendar/{token}.ics"}  # no API key: the secret in the path is the credential
BODY_KEYS = {"/v2/enqueue", "/v2/change/enqueue"}  # no API key: the routing_key in the body names the tenant


def _statuses(path: str, method: str, operation: dict[str, Any]) -> set[str]:
    found = {"422"}
    if path not in PUBLIC:  # the probes are never shed nor rate-limited, and need no key
        found |= {"429", "503"}
    if path not in PUBLIC | SECRET_URLS | BODY_KEYS:
        found |= {"401", "403"}
    if "{" in path:
        found.add("404")
    if "requestBody" in operation:
        found |= {"400", "413"}
    if method in ("post", "put", "patch", "delete"):
        found |= {"404", "409"}
    return found


def describe_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Every operation's error statuses, each answering an `ErrorOut`."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    error = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error.pop("$defs", {}))
    schemas["ErrorOut"] = error
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for code in sorted(_statuses(path, method, operation)):
                given = responses.get(code, {})
                if "content" in given and code != "422":
                    continue  # the route documents a body of its own (e.g. /healthz's 503)
                description = given.get("description")
                responses[code] = {
                    "description": description
                    if description and description != "Validation Error"
                    else DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": ERROR_SCHEMA}},
                }
    return document


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            app.openapi_schema = describe_errors(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
