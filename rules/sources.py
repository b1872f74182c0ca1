"""Where a rule's numbers come from: pushed metrics in PostgreSQL, or a Prometheus HTTP API.

Both answer `Observation`s — one per alert instance, keyed by the `labels_key` of its labels —
or raise `QueryFailed` with a message fit for the rule's `last_error`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from egress.policy import EgressDenied
from models.metric_store import Series
from rules.aggregate import Aggregation, aggregate
from rules.semantics import Observation
from workflows.ids import canonical_labels, labels_key

PROMETHEUS_FUNCTIONS: dict[str, str] = {
    "avg": "avg_over_time({q})",
    "min": "min_over_time({q})",
    "max": "max_over_time({q})",
    "sum": "sum_over_time({q})",
    "count": "count_over_time({q})",
    "rate": "rate({q})",
    "p95": "quantile_over_time(0.95, {q})",
    "last": "last_over_time({q})",
}


class QueryFailed(Exception):
    """The source could not answer: unreachable, refused the query, or answered nonsense."""


class SourceUnreachable(QueryFailed):
    """No answer at all (connection refused, timeout): the source's other rules need not wait for theirs."""


def observation(labels: dict[str, str], value: float | None) -> Observation:
    """An instance: its labels canonical (an empty value is an absent label), keyed by them."""
    canonical = canonical_labels(labels)
    return Observation(labels_key("", canonical), canonical, value)


# ------------------------------------------------------------------ pushed metrics


def from_series(series: list[Series], aggregation: Aggregation | None, group_by: list[str] | None) -> list[Observation]:
    """Series with samples in the window → instances. `group_by` None: one instance per series;
    a list: series with equal values of those labels are aggregated together (`[]`: all into one)."""
    how: Aggregation = aggregation or "last"
    with_data = [s for s in series if s.points]
    if group_by is None:
        return [observation(s.labels, aggregate(s.points, how)) for s in with_data]
    groups: dict[tuple[str, ...], list[Series]] = {}
    for s in with_data:
        groups.setdefault(tuple(s.labels.get(name, "") for name in group_by), []).append(s)
    found = []
    for values, members in groups.items():
        labels = {name: value for name, value in zip(group_by, values, strict=True) if value}
        if how == "rate":  # the rate of a group is the sum of its counters' rates (not a rate of mixed samples)
            rates = [r for r in (aggregate(m.points, "rate") for m in members) if r is not None]
            value = sum(rates) if rates else None
        else:
            value = aggregate(sorted(p for m in members for p in m.points), how)
        found.append(observation(labels, value))
    return found


# ------------------------------------------------------------------ Prometheus


@dataclass(frozen=True)
class PrometheusSource:
    url: str
    bearer_token: str | None = None
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.bearer_token}"} if self.bearer_token else {}

    def basic_auth(self) -> httpx.Auth | None:
        return httpx.BasicAuth(self.username, self.password or "") if self.username else None


def endpoint(base: str, path: str) -> httpx.URL:
    """`path` under the source's URL; the URL's own query and fragment are dropped, so a stored
    `http://host/anything?` cannot turn the API path into a query string."""
    url = httpx.URL(base)
    return url.copy_with(path=url.path.rstrip("/") + path, query=None, fragment=None)


def promql(query: str, aggregation: Aggregation | None, window_seconds: int) -> str:
    """The rule's query, wrapped in `<agg>_over_time((query)[window:])` when it names an aggregation."""
    if aggregation is None:
        return query
    return PROMETHEUS_FUNCTIONS[aggregation].format(q=f"({query})[{window_seconds}s:]")


# The `errorType`s of the Prometheus HTTP API.
PROMETHEUS_ERROR_TYPES = {"bad_data", "timeout", "canceled", "execution", "internal", "unavailable", "not_found"}


def prometheus_error(body: object) -> str | None:
    """`bad_data: 1:5: parse error...` from a Prometheus error answer, else None.

    Rule authors need Prometheus's words about their query; anything that is not a Prometheus
    error answer (`status: error` with one of its error types) is never repeated, so a source
    pointed at some other service cannot read its answers back.
    """
    if not isinstance(body, dict) or body.get("status") != "error":
        return None
    kind, error = body.get("errorType"), body.get("error")
    if kind not in PROMETHEUS_ERROR_TYPES or not isinstance(error, str):
        return None
    return f"{kind}: {error[:300]}"


def _failure(response: httpx.Response) -> str:
    try:
        said = prometheus_error(response.json())
    except ValueError:
        said = None
    answered = f"Prometheus answered {response.status_code}"
    return f"{answered}: {said}" if said else f"{answered} (not a Prometheus error answer)"


async def prometheus_query(
    http: httpx.AsyncClient, source: PrometheusSource, query: str, at: datetime
) -> list[Observation]:
    """An instant query at `at`; a vector maps to instances (`__name__` dropped), a scalar to one."""
    try:
        response = await http.post(
            endpoint(source.url, "/api/v1/query"),
            data={"query": query, "time": f"{at.timestamp():.3f}"},
            headers=source.auth_headers(),
            auth=source.basic_auth() or httpx.USE_CLIENT_DEFAULT,
            timeout=source.timeout,
        )
    except EgressDenied as err:
        raise SourceUnreachable(str(err)) from err
    except httpx.HTTPError as err:
        raise SourceUnreachable(f"Prometheus at {source.url} is unreachable: {type(err).__name__}: {err}") from err
    if response.status_code != 200:
        raise QueryFailed(_failure(response))
    try:
        body: dict[str, Any] = response.json()
        if body.get("status") != "success":
            raise QueryFailed(f"Prometheus refused the query: {prometheus_error(body) or 'not a Prometheus answer'}")
        data = body["data"]
        return _observations(data["resultType"], data["result"])
    except (ValueError, KeyError, TypeError, IndexError) as err:
        raise QueryFailed(f"Prometheus answered something that is not a query result: {err!r}") from err


def _number(text: str) -> float | None:
    value = float(text)
    return None if math.isnan(value) else value


def _observations(result_type: str, result: Any) -> list[Observation]:
    if result_type == "scalar":
        return [observation({}, _number(result[1]))]
    if result_type != "vector":
        raise QueryFailed(f"the query gives a {result_type}; a rule needs an instant vector or a scalar")
    found: dict[str, Observation] = {}
    for item in result:
        labels = {name: value for name, value in item["metric"].items() if name != "__name__"}
        seen = observation(labels, _number(item["value"][1]))
        if seen.instance in found:  # as Prometheus's own rules refuse it: one alert per label set
            raise QueryFailed(f"the query returns several series with the labels {labels} (only their names differ)")
        found[seen.instance] = seen
    return list(found.values())


async def check_promql(http: httpx.AsyncClient, source: PrometheusSource, query: str) -> str | None:
    """Ask Prometheus to parse the query: its complaint, or None (also None when it cannot be asked)."""

    async def ask(path: str) -> httpx.Response:
        return await http.get(
            endpoint(source.url, path),
            params={"query": query},
            headers=source.auth_headers(),
            auth=source.basic_auth() or httpx.USE_CLIENT_DEFAULT,
            timeout=source.timeout,
        )

    try:
        response = await ask("/api/v1/parse_query")
        if response.status_code == 404:  # a Prometheus older than 2.38 cannot parse alone: run it once
            response = await ask("/api/v1/query")
    except (httpx.HTTPError, EgressDenied):
        return None
    if response.status_code == 400:
        return _failure(response)
    return None
