"""The routing tree: Alertmanager's `route` (dispatch/route.go, config/config.go), with Herald's
escalation policy and channels as the receiver.

Shapes:

* `RouteSpec` — one node as stored (`routing_trees.tree`) and as the API reads and writes it:
  `matchers` (Alertmanager matcher strings, noise/matchers.py), `continue`, `group_by` (label
  names, or `["..."]` for every label), `group_wait` / `group_interval` / `repeat_interval`
  (Prometheus durations, noise/durations.py), `escalation_policy_id`, `channels`,
  `mute_time_intervals` / `active_time_intervals` (names of `time_intervals` rows), `routes`.
* `Route` — the compiled node: every option resolved (`RouteOpts`), matchers parsed and sorted.

Semantics are Alertmanager's:

* A child inherits what it leaves unset (`null`, or an empty `group_by`, as Alertmanager's nil list)
  from its parent: group_by, the three timings, the policy and the channels (Alertmanager's
  receiver). Mute and active time intervals are NOT inherited (route.go sets them from the
  node's own config). The root's unset timings are Alertmanager's defaults: 30s, 5m, 4h.
* Matching (`Route.match`) descends depth-first: a node whose matchers fail matches nothing;
  otherwise each child in order is tried, and the first that matches ends the search unless it
  has `continue: true`; a node none of whose children matched is itself the match.
* `Route.key()` is Alertmanager's `Key()` (`{}` the root, `{}/{team="db"}` a child: each node's
  matchers sorted by name, value, operator, in canonical text); `Route.id()` adds the node's
  position among its siblings (`{}/{team="db"}/0`), unique in the tree.

The labels a route sees (`route_labels`) are the alert's labels with `severity` and `category`
set from Herald's own fields, which win over labels of those names.

Errors: `tree_problems` lists every problem of a spec as `(field, message)` pairs, the field
under the prefix given (`tree.routes.0.group_interval`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from models.selectors import label_name_problem
from noise.durations import format_duration, parse_duration
from noise.matchers import Matcher, MatcherError, format_matchers, matches, parse_matchers

GROUP_BY_ALL = "..."
MAX_DEPTH = 10  # levels below the root
MAX_ROUTES = 1_000  # nodes in a tree, the root included
DEFAULT_GROUP_WAIT = timedelta(seconds=30)
DEFAULT_GROUP_INTERVAL = timedelta(minutes=5)
DEFAULT_REPEAT_INTERVAL = timedelta(hours=4)
MIN_GROUP_INTERVAL = timedelta(seconds=1)


def _matcher_line(text: str) -> str:
    try:
        parse_matchers(text)
    except MatcherError as err:
        raise ValueError(f"{err.message} (in {text!r})") from None
    return text


def _duration(text: str) -> str:
    parse_duration(text)  # DurationError is a ValueError: pydantic names the field
    return text


def _group_by(names: list[str]) -> list[str]:
    if GROUP_BY_ALL in names and len(names) > 1:
        raise ValueError("cannot have wildcard group_by (`...`) and other labels at the same time")
    for name in names:
        problem = None if name == GROUP_BY_ALL else label_name_problem(name)
        if problem:
            raise ValueError(problem)
    if len(set(names)) != len(names):
        raise ValueError("a label is named twice")
    return names


Duration = Annotated[str, AfterValidator(_duration)]
MatcherLine = Annotated[str, StringConstraints(max_length=10_000), AfterValidator(_matcher_line)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class RouteSpec(BaseModel):
    """One node of a routing tree, as stored and as the API takes it (unset: inherited)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    matchers: Annotated[list[MatcherLine], Field(max_length=100)] = Field(
        default_factory=list,
        description='Alertmanager matchers, each line one or more (`team="db"`, `{env=~"prod|dr"}`)',
    )
    continue_: bool = Field(
        False, alias="continue", description="After matching, keep trying this node's later siblings"
    )
    group_by: Annotated[list[str], AfterValidator(_group_by), Field(max_length=64)] | None = Field(
        None, description='Labels whose values make an incident; `["..."]`: every label (unset or []: inherited)'
    )
    group_wait: Duration | None = Field(None, description="e.g. `30s` (unset: inherited; root default 30s)")
    group_interval: Duration | None = Field(None, description="e.g. `5m` (unset: inherited; root default 5m)")
    repeat_interval: Duration | None = Field(None, description="e.g. `4h` (unset: inherited; root default 4h)")
    escalation_policy_id: Name | None = Field(None, description="Policy the incident follows (unset: inherited)")
    channels: Annotated[list[Name], Field(max_length=50)] | None = Field(
        None, description="Channel ids told of the incident (unset: inherited; none anywhere: the tenant's defaults)"
    )
    mute_time_intervals: Annotated[list[Name], Field(max_length=50)] = Field(
        default_factory=list, description="Time interval names during which the route is muted (not inherited)"
    )
    active_time_intervals: Annotated[list[Name], Field(max_length=50)] = Field(
        default_factory=list, description="Time interval names outside which the route is muted (not inherited)"
    )
    routes: list[RouteSpec] = Field(default_factory=list, description="Children, tried in order")

    def stored(self) -> dict[str, Any]:
        """The JSON kept in `routing_trees.tree` (and answered by the API): unset options left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


@dataclass(frozen=True)
class RouteOpts:
    """Every option of a node, inheritance applied."""

    group_by: tuple[str, ...] = ()
    group_by_all: bool = False
    group_wait: timedelta = DEFAULT_GROUP_WAIT
    group_interval: timedelta = DEFAULT_GROUP_INTERVAL
    repeat_interval: timedelta = DEFAULT_REPEAT_INTERVAL
    policy_id: str | None = None
    channel_ids: tuple[str, ...] | None = None
    mute_time_intervals: tuple[str, ...] = ()
    active_time_intervals: tuple[str, ...] = ()


@dataclass(eq=False)
class Route:
    """A compiled node. `path` is its child indexes from the root (`()` the root, `(0, 2)`)."""

    opts: RouteOpts
    matchers: list[Matcher]
    continue_: bool = False
    parent: Route | None = None
    path: tuple[int, ...] = ()
    routes: list[Route] = field(default_factory=list)

    def match(self, labels: Mapping[str, str]) -> list[Route]:
        """The nodes that take an alert with these labels (depth-first; empty: this node does not match)."""
        if not matches(self.matchers, labels):
            return []
        found: list[Route] = []
        for child in self.routes:
            taken = child.match(labels)
            found += taken
            if taken and not child.continue_:
                break
        return found or [self]

    def key(self) -> str:
        own = format_matchers(self.matchers)
        return own if self.parent is None else f"{self.parent.key()}/{own}"

    def id(self) -> str:
        return self.key() if not self.path else f"{self.key()}/{self.path[-1]}"

    def path_text(self) -> str:
        """`0.2` (the root's first child's third child); `""` for the root."""
        return ".".join(str(index) for index in self.path)

    def walk(self) -> Iterator[Route]:
        yield self
        for child in self.routes:
            yield from child.walk()

    def group_labels(self, labels: Mapping[str, str]) -> dict[str, str]:
        """The values of this route's group_by present in `labels` (every label for `...`)."""
        if self.opts.group_by_all:
            return dict(labels)
        return {name: labels[name] for name in self.opts.group_by if labels.get(name)}


def _sort_key(matcher: Matcher) -> tuple[str, str, int]:
    return (matcher.name, matcher.value, ("=", "!=", "=~", "!~").index(matcher.op))


def compile_route(
    spec: RouteSpec, parent: Route | None = None, path: tuple[int, ...] = (), *, root: RouteOpts | None = None
) -> Route:
    """The compiled tree of a validated spec (Alertmanager's NewRoute). `root`: what the root inherits
    (default `RouteOpts()`: Alertmanager's defaults; a tenant's default repeat interval changes it)."""
    base = parent.opts if parent is not None else (root or RouteOpts())
    group_by, group_by_all = base.group_by, base.group_by_all
    if spec.group_by:
        group_by_all = spec.group_by == [GROUP_BY_ALL]
        group_by = () if group_by_all else tuple(spec.group_by)
    opts = RouteOpts(
        group_by=group_by,
        group_by_all=group_by_all,
        group_wait=parse_duration(spec.group_wait) if spec.group_wait is not None else base.group_wait,
        group_interval=parse_duration(spec.group_interval) if spec.group_interval is not None else base.group_interval,
        repeat_interval=parse_duration(spec.repeat_interval)
        if spec.repeat_interval is not None
        else base.repeat_interval,
        policy_id=spec.escalation_policy_id if spec.escalation_policy_id is not None else base.policy_id,
        channel_ids=tuple(spec.channels) if spec.channels is not None else base.channel_ids,
        mute_time_intervals=tuple(spec.mute_time_intervals),
        active_time_intervals=tuple(spec.active_time_intervals),
    )
    found = [m for line in spec.matchers for m in parse_matchers(line)]
    route = Route(opts=opts, matchers=sorted(found, key=_sort_key), continue_=spec.continue_, parent=parent, path=path)
    route.routes = [compile_route(child, route, (*path, index)) for index, child in enumerate(spec.routes)]
    return route


def _spec_nodes(spec: RouteSpec, where: str, depth: int = 0) -> Iterator[tuple[RouteSpec, str, int]]:
    yield spec, where, depth
    for index, child in enumerate(spec.routes):
        yield from _spec_nodes(child, f"{where}.routes.{index}", depth + 1)


def tree_problems(spec: RouteSpec, where: str = "tree", *, is_root: bool = True) -> list[tuple[str, str]]:
    """What Alertmanager's config check (and Herald's bounds) refuse in a tree or subtree, by field.

    Checks that need the tenant's rows (unknown policy, channel or time interval) are the caller's
    (noise/route_store.py `reference_problems`)."""
    problems: list[tuple[str, str]] = []
    nodes = list(_spec_nodes(spec, where))
    if len(nodes) > MAX_ROUTES:
        return [(where, f"a routing tree holds at most {MAX_ROUTES} routes ({len(nodes)} given)")]
    if is_root:
        if spec.matchers:
            problems.append((f"{where}.matchers", "the root route must not have any matchers (it matches every alert)"))
        if spec.mute_time_intervals:
            problems.append((f"{where}.mute_time_intervals", "the root route must not have any mute time intervals"))
        if spec.active_time_intervals:
            problems.append(
                (f"{where}.active_time_intervals", "the root route must not have any active time intervals")
            )
        if spec.continue_:
            problems.append((f"{where}.continue", "cannot have continue in the root route"))
    for node, place, depth in nodes:
        if depth > MAX_DEPTH:
            problems.append((place, f"a routing tree is at most {MAX_DEPTH} levels deep below the root"))
            break
        if node.group_interval is not None and parse_duration(node.group_interval) < MIN_GROUP_INTERVAL:
            problems.append((f"{place}.group_interval", "group_interval must be at least 1s"))
        if node.repeat_interval is not None and parse_duration(node.repeat_interval) == timedelta(0):
            problems.append((f"{place}.repeat_interval", "repeat_interval cannot be zero"))
    return problems


def effective_problems(route: Route, where: str = "tree") -> list[tuple[str, str]]:
    """Problems that only inheritance shows: a repeat_interval shorter than the group_interval, and a
    group_wait longer than the repeat_interval (the incident would be repeated before its first notice)."""
    problems = []
    for node in route.walk():
        place = ".".join([where, *(f"routes.{i}" for i in node.path[len(route.path) :])])
        if node.opts.group_wait > node.opts.repeat_interval:
            problems.append(
                (
                    f"{place}.group_wait",
                    f"group_wait ({format_duration(node.opts.group_wait)}) is longer than "
                    f"repeat_interval ({format_duration(node.opts.repeat_interval)}): the first notice "
                    "would come after the first repeat",
                )
            )
        if node.opts.repeat_interval < node.opts.group_interval:
            problems.append(
                (
                    f"{place}.repeat_interval",
                    f"repeat_interval ({format_duration(node.opts.repeat_interval)}) is shorter than "
                    f"group_interval ({format_duration(node.opts.group_interval)})",
                )
            )
    return problems


def route_labels(labels: Mapping[str, str], severity: str, category: str) -> dict[str, str]:
    """The labels a route matches: the alert's, with Herald's severity and category winning."""
    return {**labels, "severity": severity, "category": category}
