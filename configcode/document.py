"""Herald's configuration document (`herald.yaml`), parsed with the API's own schemas.

Shape (every key optional; a key left out is not managed, the server's objects of that kind stay as they are):

    routes: {...}            # the root route as `GET /api/v1/routes` answers `tree`, channels by NAME
    inhibit_rules: [...]     # `POST /api/v1/inhibit-rules` bodies
    time_intervals: [...]    # `POST /api/v1/time-intervals` bodies (name + Alertmanager specs)
    silences: [...]          # `POST /api/v1/silences` bodies, with an optional `id`

Errors: `parse(text)` raises `DocumentError`, whose `problems` are `(path, message)` pairs, the path in YAML
notation (`routes.routes[0].group_wait`, `silences[1].ends_at`), for a file that is not YAML, not of this shape, or
that the API's schemas or the routing tree's checks (noise/routing.py) refuse.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.schemas.inhibit_rules import InhibitRuleIn
from api.schemas.silences import SilenceIn
from api.schemas.time_intervals import TimeIntervalIn
from noise.routing import RouteSpec, compile_route, effective_problems, tree_problems

KINDS = ("routes", "inhibit_rules", "time_intervals", "silences")
Problem = tuple[str, str]


class SilenceEntry(SilenceIn):
    """A silence of the file: the API's body, and the id of the server's silence it is (if known)."""

    id: str | None = Field(None, description="The server's silence this entry is; else matched by matchers+comment")


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid")
    routes: RouteSpec | None = None
    inhibit_rules: list[InhibitRuleIn] | None = None
    time_intervals: list[TimeIntervalIn] | None = None
    silences: list[SilenceEntry] | None = None


class DocumentError(Exception):
    """The document cannot be used; `problems` name each bad field by its YAML path."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{path}: {message}" for path, message in problems))
        self.problems = problems


def yaml_path(dotted: str) -> str:
    """An API field (`tree.routes.0.matchers.1`, pydantic's dotted loc) in YAML notation (`routes[0].matchers[1]`)."""
    return re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", dotted)


def _loc(loc: tuple[int | str, ...]) -> str:
    return yaml_path(".".join(str(part) for part in loc))


def load_yaml(text: str, what: str = "document") -> Any:
    """The YAML data of `text` (safe loader), or a DocumentError with the line of the syntax error."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else what
        problem = getattr(err, "problem", None) or str(err)
        raise DocumentError([(where, f"not valid YAML: {problem}")]) from None


def parse(text: str) -> Document:
    """The document in `text`, checked as the API would check each object (without the server's rows)."""
    data = load_yaml(text)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise DocumentError([("(top level)", f"must be a mapping with some of the keys {', '.join(KINDS)}")])
    try:
        document = Document.model_validate(data)
    except ValidationError as err:
        raise DocumentError([(_loc(e["loc"]), e["msg"].removeprefix("Value error, ")) for e in err.errors()]) from None
    problems = local_problems(document)
    if problems:
        raise DocumentError(problems)
    return document


def route_nodes(spec: RouteSpec, where: str = "routes") -> Iterator[tuple[str, RouteSpec]]:
    """Every node of a tree with its YAML path (`routes`, `routes.routes[0]`, ...), depth first."""
    yield where, spec
    for index, child in enumerate(spec.routes):
        yield from route_nodes(child, f"{where}.routes[{index}]")


def local_problems(document: Document) -> list[Problem]:
    """What the API would refuse that needs no server rows: the tree's checks, names given twice, route references
    to time intervals the file does not define (when it defines them: then the file is their whole truth)."""
    problems: list[Problem] = []
    if document.routes is not None:
        tree = [(yaml_path(f), m) for f, m in tree_problems(document.routes, "routes")]
        problems += tree or [(yaml_path(f), m) for f, m in effective_problems(compile_route(document.routes), "routes")]
    if document.time_intervals is not None:
        counts = Counter(interval.name for interval in document.time_intervals)
        for index, interval in enumerate(document.time_intervals):
            if counts[interval.name] > 1:
                problems.append((f"time_intervals[{index}].name", f"{interval.name!r} is defined more than once"))
        if document.routes is not None:
            problems += interval_reference_problems(document.routes, set(counts))
    if document.inhibit_rules is not None:
        keys = [inhibit_key(rule.model_dump(mode="json")) for rule in document.inhibit_rules]
        seen = Counter(keys)
        problems += [
            (f"inhibit_rules[{index}]", "the same rule (matchers and equal) is given more than once")
            for index, key in enumerate(keys)
            if seen[key] > 1
        ]
    for index, silence in enumerate(document.silences or []):
        if silence.starts_at is not None and silence.ends_at <= silence.starts_at:
            problems.append((f"silences[{index}].ends_at", "must be after starts_at"))
    return problems


def interval_reference_problems(routes: RouteSpec, names: set[str]) -> list[Problem]:
    """Routes naming a time interval not in `names`, by YAML path."""
    problems = []
    for path, node in route_nodes(routes):
        for kind in ("mute_time_intervals", "active_time_intervals"):
            for index, name in enumerate(getattr(node, kind)):
                if name not in names:
                    problems.append((f"{path}.{kind}[{index}]", f"unknown time interval {name!r}"))
    return problems


def inhibit_key(rule: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """An inhibit rule's natural key: its matchers (canonical text, as the API stores them) and `equal`, each
    sorted (their order does not change what the rule does)."""
    return (
        tuple(sorted(rule["source_matchers"])),
        tuple(sorted(rule["target_matchers"])),
        tuple(sorted(rule.get("equal") or [])),
    )


def dump(data: dict[str, Any]) -> str:
    """YAML text of a document's data: block style, keys in the order given, long strings kept whole."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1_000_000)
