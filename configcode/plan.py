"""What `herald config apply` would change: a pure comparison of a document with the server's state.

Objects are matched between the file and the server by a natural key:

* time interval — its name; inhibit rule — its matchers and `equal` (`document.inhibit_key`), so only its comment
  can change in place; silence — its `id` when the file gives one that is still pending or active on the server,
  else its matchers and comment among the pending and active ones.
* The routing tree is one object: the file's (channels by name) against the server's (channels by id, shown by
  name), compared as stored (`RouteSpec.stored()`), so `group_by: []` and a left-out `group_by` are the same.

A kind present in the file is the whole truth for that kind: the server's objects the file does not name are
deleted — except silences, which are operational: others are expired only with `prune_silences`.
Silences whose `ends_at` has passed are left out (there is nothing to create).

`plan(...)` raises `DocumentError` for a route naming a channel the server does not have.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from configcode.document import Document, DocumentError, Problem, dump, inhibit_key, route_nodes
from noise.routing import RouteSpec
from noise.time_intervals import TimeIntervalSpec

Action = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class ServerState:
    """The tenant's objects as the API lists them (JSON), and the moment they were read."""

    tree_version: int
    tree: dict[str, Any]  # channels by id
    channels: dict[str, str]  # id -> name
    time_intervals: list[dict[str, Any]]
    inhibit_rules: list[dict[str, Any]]
    silences: list[dict[str, Any]]  # pending and active ones
    now: datetime


@dataclass(frozen=True)
class Change:
    """One write: `path` is the API path under `/api/v1/`, `body` the JSON sent (None for a delete)."""

    kind: str
    action: Action
    label: str
    path: str
    body: dict[str, Any] | None = None
    where: str = ""  # the YAML path of the file's entry, to name fields of a 422
    if_match: int | None = None  # the routing tree's version this write replaces


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    route_diff: str = ""  # a unified diff of the tree (channels by name); empty: unchanged

    def summary(self) -> list[str]:
        """One line per change, then the tree's diff; `["no changes"]` when there is nothing to do."""
        lines = [f"{c.action} {c.kind} {c.label}" for c in self.changes]
        return lines + ([self.route_diff.rstrip("\n")] if self.route_diff else []) or ["no changes"]


def tree_with(tree: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """A stored tree with each channel replaced through `names` (left as it is when unknown)."""
    out = dict(tree)
    if out.get("channels") is not None:
        out["channels"] = [names.get(channel, channel) for channel in out["channels"]]
    if out.get("routes"):
        out["routes"] = [tree_with(child, names) for child in out["routes"]]
    return out


def compact(tree: dict[str, Any]) -> dict[str, Any]:
    """A stored tree without the fields left at their defaults (no matchers, `continue: false`, no time intervals,
    no children): what a person writes. The same tree to the API."""
    out = {k: v for k, v in tree.items() if v not in ([], False) or k in ("channels", "group_by")}
    if out.get("routes"):
        out["routes"] = [compact(child) for child in out["routes"]]
    return out


def export_data(state: ServerState) -> dict[str, Any]:
    """The document of what the server holds (channels by name; silences pending and active, with their ids)."""
    silence_fields = ("id", "matchers", "starts_at", "ends_at", "comment")
    return {
        "routes": compact(tree_with(RouteSpec.model_validate(state.tree).stored(), state.channels)),
        "inhibit_rules": [
            {k: rule[k] for k in ("source_matchers", "target_matchers", "equal", "comment")}
            for rule in state.inhibit_rules
        ],
        "time_intervals": [
            {"name": item["name"], "time_intervals": _specs(item["time_intervals"])} for item in state.time_intervals
        ],
        "silences": [{k: silence[k] for k in silence_fields} for silence in state.silences],
    }


def _specs(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [TimeIntervalSpec.model_validate(spec).model_dump(mode="json", exclude_none=True) for spec in specs]


def _channel_ids(routes: RouteSpec, channels: dict[str, str]) -> list[Problem]:
    by_name = {name: channel_id for channel_id, name in channels.items()}
    problems = []
    for path, node in route_nodes(routes):
        for index, name in enumerate(node.channels or []):
            if name not in by_name:
                problems.append((f"{path}.channels[{index}]", f"unknown channel {name!r} (channels are named)"))
    return problems


def _routes(document: Document, state: ServerState, plan: Plan) -> None:
    if document.routes is None:
        return
    problems = _channel_ids(document.routes, state.channels)
    if problems:
        raise DocumentError(problems)
    wanted = document.routes.stored()
    current = tree_with(RouteSpec.model_validate(state.tree).stored(), state.channels)
    if wanted == current:
        return
    before, after = (dump({"routes": compact(tree)}).splitlines(True) for tree in (current, wanted))
    plan.route_diff = "".join(difflib.unified_diff(before, after, "server", "file"))
    by_name = {name: channel_id for channel_id, name in state.channels.items()}
    body = {"tree": tree_with(wanted, by_name)}
    label = f"(version {state.tree_version})"
    plan.changes.append(Change("routing tree", "update", label, "routes", body, "routes", state.tree_version))


def _time_intervals(document: Document, state: ServerState) -> tuple[list[Change], list[Change]]:
    """(creates and updates, deletes): deletes go after the tree's change, which may stop naming them."""
    if document.time_intervals is None:
        return [], []
    server = {item["name"]: item for item in state.time_intervals}
    writes, deletes = [], []
    for index, interval in enumerate(document.time_intervals):
        specs = [spec.model_dump(mode="json", exclude_none=True) for spec in interval.time_intervals]
        body = {"name": interval.name, "time_intervals": specs}
        where = f"time_intervals[{index}]"
        existing = server.get(interval.name)
        if existing is None:
            writes.append(Change("time interval", "create", interval.name, "time-intervals", body, where))
        elif _specs(existing["time_intervals"]) != body["time_intervals"]:
            path = f"time-intervals/{existing['id']}"
            writes.append(Change("time interval", "update", interval.name, path, body, where))
    named = {interval.name for interval in document.time_intervals}
    for name, item in server.items():
        if name not in named:
            deletes.append(Change("time interval", "delete", name, f"time-intervals/{item['id']}"))
    return writes, deletes


def _inhibit_rules(document: Document, state: ServerState) -> list[Change]:
    if document.inhibit_rules is None:
        return []
    server = {inhibit_key(rule): rule for rule in state.inhibit_rules}
    changes = []
    for index, rule in enumerate(document.inhibit_rules):
        body = rule.model_dump(mode="json")
        key = inhibit_key(body)
        label = f"{' '.join(key[0])} -> {' '.join(key[1])}"
        existing = server.pop(key, None)
        where = f"inhibit_rules[{index}]"
        if existing is None:
            changes.append(Change("inhibit rule", "create", label, "inhibit-rules", body, where))
        elif existing["comment"] != body["comment"]:
            changes.append(Change("inhibit rule", "update", label, f"inhibit-rules/{existing['id']}", body, where))
    for key, stale in server.items():
        label = f"{' '.join(key[0])} -> {' '.join(key[1])}"
        changes.append(Change("inhibit rule", "delete", label, f"inhibit-rules/{stale['id']}"))
    return changes


def _same_time(a: str | datetime, b: datetime) -> bool:
    return (datetime.fromisoformat(a) if isinstance(a, str) else a) == b


def _silences(document: Document, state: ServerState, prune: bool) -> list[Change]:
    if document.silences is None:
        return []
    by_id = {silence["id"]: silence for silence in state.silences}
    by_content = {(tuple(s["matchers"]), s["comment"]): s for s in state.silences}
    matched: set[str] = set()
    changes = []
    for index, entry in enumerate(document.silences):
        if entry.ends_at <= state.now:
            continue
        body = entry.model_dump(mode="json", exclude={"id"}, exclude_none=True)
        existing = by_id.get(entry.id or "") or by_content.get((tuple(body["matchers"]), entry.comment))
        label = f"{{{', '.join(body['matchers'])}}}" + (f" ({entry.comment})" if entry.comment else "")
        where = f"silences[{index}]"
        if existing is None:
            changes.append(Change("silence", "create", label, "silences", body, where))
            continue
        matched.add(existing["id"])
        pending = existing["state"] == "pending"
        same = (
            existing["matchers"] == body["matchers"]
            and existing["comment"] == entry.comment
            and _same_time(existing["ends_at"], entry.ends_at)
            and (not pending or entry.starts_at is None or _same_time(existing["starts_at"], entry.starts_at))
        )
        if not same:
            path = f"silences/{existing['id']}"
            changes.append(Change("silence", "update", f"{existing['id']} {label}", path, body, where))
    if prune:
        for silence in state.silences:
            if silence["id"] not in matched:
                label = f"{silence['id']} {{{', '.join(silence['matchers'])}}}"
                changes.append(Change("silence", "delete", label, f"silences/{silence['id']}"))
    return changes


def plan(document: Document, state: ServerState, *, prune_silences: bool = False) -> Plan:
    """The changes that make the server hold what the document says, in the order they must be made: time
    intervals created or changed, the routing tree, time intervals deleted, inhibit rules, silences."""
    result = Plan()
    writes, deletes = _time_intervals(document, state)
    result.changes += writes
    _routes(document, state, result)
    result.changes += deletes + _inhibit_rules(document, state) + _silences(document, state, prune_silences)
    return result
