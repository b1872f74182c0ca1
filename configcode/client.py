"""The `herald config` commands' REST client: Herald's own API at `--url`, with an admin `--api-key`.

Not an egress of alert data (egress/ polices what channels and data sources reach): it is the operator's
command talking to the API they named, as amtool talks to Alertmanager.

Errors: `ApiError` for an answer outside 2xx (`status`, `detail`, and `fields`: the API's `(field, message)`
pairs of a 422, e.g. `("tree.routes.0.channels.1", "unknown channel ...")`); `Unreachable` when no answer came.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from configcode.plan import Change, ServerState

TIMEOUT = 30.0  # seconds, per request


class Unreachable(Exception):
    """No answer from the API (refused, timed out, a name that does not resolve)."""


class ApiError(Exception):
    def __init__(self, method: str, path: str, status: int, detail: str, fields: list[tuple[str, str]]) -> None:
        super().__init__(f"{method} /api/v1/{path}: {status} {detail}")
        self.status = status
        self.detail = detail
        self.fields = fields


class HeraldApi:
    """A synchronous client over `/api/v1/`; use as a context manager (it holds a connection pool)."""

    def __init__(self, url: str, api_key: str | None) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=url.rstrip("/") + "/api/v1/", headers=headers, timeout=TIMEOUT)
        self.url = url

    def __enter__(self) -> HeraldApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
        """The answer to one request (2xx), else ApiError or Unreachable."""
        try:
            response = self._http.request(method, path, json=body, headers=headers)
        except httpx.TransportError as err:
            raise Unreachable(f"cannot reach Herald's API at {self.url}: {err}") from err
        if response.is_success:
            return response
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        answer = answer if isinstance(answer, dict) else {}
        fields = [(str(e.get("field", "")), str(e.get("message", ""))) for e in answer.get("errors") or []]
        detail = str(answer.get("detail") or response.reason_phrase)
        raise ApiError(method, path, response.status_code, detail, fields)

    def get(self, path: str) -> Any:
        return self.call("GET", path).json()

    def state(self) -> ServerState:
        """The tenant's routing tree, channels, time intervals, inhibit rules and pending or active silences."""
        tree = self.call("GET", "routes")
        silences = self.get("silences?state=pending&state=active&limit=1000")
        return ServerState(
            tree_version=int(tree.json()["version"]),
            tree=tree.json()["tree"],
            channels={channel["id"]: channel["name"] for channel in self.get("channels")},
            time_intervals=self.get("time-intervals"),
            inhibit_rules=self.get("inhibit-rules"),
            silences=silences,
            now=datetime.now(UTC),
        )

    def apply(self, change: Change) -> None:
        """Make one change: POST a create, PUT an update (the tree with If-Match), DELETE a delete."""
        headers = {"If-Match": f'"{change.if_match}"'} if change.if_match is not None else None
        method = {"create": "POST", "update": "PUT", "delete": "DELETE"}[change.action]
        self.call(method, change.path, change.body, headers)
