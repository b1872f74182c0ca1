"""Routing events through their tenant's tree: the one function every source calls (`route_events`).

Shapes:

* `Routable` — an event before routing: the `FireEvent` as its source built it, the labels and
  Herald severity / category it routes by, its dedup key (an API event's, or a rule's or heartbeat's
  own key), and whether its body set a repeat interval.
* `Routed` — one (key, event) pair per matched route: the event carries `options.grouping` (route
  key, group labels, timings, the route's policy and channels, its time intervals) and `member_key`
  (`labels_key(tenant, labels)`; None for a resolve by dedup key without labels: the whole incident).
  `options.repeat_interval` becomes the route's unless the body set one.

Group keys (workflows/ids.py): the dedup key when there is one (one incident: the first matched
route's); else `labels_key(tenant, labels)` when the FIRST matched route groups by `...` (today's
key, so alerts opened before routing trees keep their workflows); else `route_group_key(tenant,
route id, group labels)`.

Trees are read once per batch and compiled once per (tenant, version) per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.crud import rows_by_id
from models.routing_trees import default_tree, nodes, tree_row
from models.tables import Channel, EscalationPolicy, RoutingTree, Tenant, TimeInterval
from noise.routing import Route, RouteOpts, RouteSpec, compile_route, route_labels
from workflows.ids import canonical_labels, labels_key, route_group_key
from workflows.payloads import AlertContent, Category, FireEvent, Grouping, Severity

SEVERITIES = tuple(severity.value for severity in Severity)
CATEGORIES = tuple(category.value for category in Category)

_CACHE_SIZE = 256
_compiled: dict[tuple[str, int, str, timedelta | None], Route] = {}
_DEFAULT = compile_route(RouteSpec.model_validate(default_tree(None)))  # a tenant that never wrote one


@dataclass(frozen=True)
class Routable:
    """An event to route. `severity` / `category` None (a resolve that did not name them): any value,
    so the resolve reaches the label set wherever its trigger's severity and category took it."""

    event: FireEvent
    labels: dict[str, str]
    severity: str | None
    category: str | None
    dedup_key: str | None = None
    repeat_from_body: bool = False


@dataclass(frozen=True)
class Routed:
    key: str
    event: FireEvent
    route: Route


async def stored_tree(session: AsyncSession, tenant_id: str) -> tuple[int, dict[str, Any]]:
    """(version, tree JSON): a tenant that never saved a tree has version 0 and the default tree
    (group by every label, notify at once; no policy: the tenant default policy is followed)."""
    row = await tree_row(session, tenant_id)
    if row is not None:
        return row.version, row.tree
    return 0, default_tree(None)


async def load_tree(session: AsyncSession, tenant_id: str) -> Route:
    """The tenant's compiled tree, its root inheriting the tenant's `default_repeat_interval` (where no node
    on an alert's path sets one; unset: Alertmanager's 4h). Cached per process by (tenant, version, write
    time, default): every write bumps the version, so a cached tree is never stale, and a hit reads three
    columns, not the tree."""
    stamp = (
        await session.execute(
            select(Tenant.default_repeat_interval, RoutingTree.version, RoutingTree.updated_at)
            .select_from(Tenant)
            .outerjoin(RoutingTree, RoutingTree.tenant_id == Tenant.id)
            .where(Tenant.id == tenant_id)
        )
    ).first()
    repeat = stamp.default_repeat_interval if stamp is not None else None
    if (stamp is None or stamp.version is None) and repeat is None:
        return _DEFAULT
    version = stamp.version if stamp is not None and stamp.version is not None else 0
    written = stamp.updated_at.isoformat() if stamp is not None and stamp.updated_at is not None else ""
    key = (tenant_id, version, written, repeat)
    cached = _compiled.get(key)
    if cached is None:
        _, tree = await stored_tree(session, tenant_id)
        root = RouteOpts(repeat_interval=repeat) if repeat is not None else None
        cached = compile_route(RouteSpec.model_validate(tree), root=root)
        if len(_compiled) >= _CACHE_SIZE:
            _compiled.clear()
        _compiled[key] = cached
    return cached


def grouping(route: Route, group: dict[str, str]) -> Grouping:
    opts = route.opts
    return Grouping(
        route_key=route.key(),
        group_labels=group,
        group_wait=opts.group_wait,
        group_interval=opts.group_interval,
        policy_id=opts.policy_id,
        channel_ids=list(opts.channel_ids) if opts.channel_ids is not None else None,
        mute_time_intervals=list(opts.mute_time_intervals),
        active_time_intervals=list(opts.active_time_intervals),
    )


def group_labels(route: Route, labels: dict[str, str], seen: dict[str, str]) -> dict[str, str]:
    """`Grouping.group_labels`: the alert's own labels for `...`, else the route's group_by values among
    the labels the route saw (so `group_by: [severity]` groups by Herald's severity)."""
    return route.group_labels(labels if route.opts.group_by_all else seen)


def group_key(
    tenant_id: str, route: Route, first: bool, labels: dict[str, str], seen: dict[str, str], dedup_key: str | None
) -> str:
    """The incident key of an alert (canonical `labels`, `seen` by the routes) on a matched route."""
    if dedup_key:
        return dedup_key
    if route.opts.group_by_all and first:
        return labels_key(tenant_id, labels)
    return route_group_key(tenant_id, route.id(), group_labels(route, labels, seen))


def route_one(tree: Route, tenant_id: str, item: Routable) -> list[Routed]:
    """The (key, event) pairs of one event: one per matched route, or one for a dedup-keyed event. A
    resolve without severity or category goes to every key its labels take under any of their values
    (each key once): a resolve for an incident that does not hold the label set changes nothing."""
    labels = canonical_labels(item.labels)
    severities = [item.severity] if item.severity is not None else list(SEVERITIES)
    categories = [item.category] if item.category is not None else list(CATEGORIES)
    # A resolve by key alone is about the whole incident; every other event is about its label set.
    whole = item.event.action == "resolve" and item.dedup_key and not labels
    member = None if whole else labels_key(tenant_id, labels)
    found: dict[str, Routed] = {}
    for severity in severities:
        for category in categories:
            seen = route_labels(labels, severity, category)
            routes = tree.match(seen)
            if item.dedup_key:
                routes = routes[:1]  # one key, one incident: the first matched route's
            for index, route in enumerate(routes):
                key = group_key(tenant_id, route, index == 0, labels, seen, item.dedup_key)
                if key in found:
                    continue
                update: dict[str, Any] = {"grouping": grouping(route, group_labels(route, labels, seen))}
                if not item.repeat_from_body:
                    update["repeat_interval"] = route.opts.repeat_interval
                options = item.event.options.model_copy(update=update)
                event = item.event.model_copy(update={"options": options, "member_key": member})
                found[key] = Routed(key, event, route)
    return list(found.values())


async def route_events(session: AsyncSession, tenant_id: str, items: list[Routable]) -> list[list[Routed]]:
    """Every event of one tenant's batch through its tree (read once): per event, its routed pairs."""
    tree = await load_tree(session, tenant_id)
    return [route_one(tree, tenant_id, item) for item in items]


async def reference_problems(
    session: AsyncSession, tenant_id: str, tree: dict[str, Any], where: str = "tree"
) -> list[tuple[str, str]]:
    """Unknown escalation policies, channels and time interval names in a tree (stored JSON), by field."""
    everything = list(nodes(tree))
    policies = {n["escalation_policy_id"] for _, n in everything if n.get("escalation_policy_id")}
    channels = {c for _, n in everything for c in n.get("channels") or []}
    known_policies = await rows_by_id(session, EscalationPolicy, tenant_id, policies)
    known_channels = await rows_by_id(session, Channel, tenant_id, channels)
    names = set(await session.scalars(select(TimeInterval.name).where(TimeInterval.tenant_id == tenant_id)))
    problems: list[tuple[str, str]] = []
    for path, node in everything:
        place = ".".join([where, *(f"routes.{i}" for i in path)])
        policy = node.get("escalation_policy_id")
        if policy and policy not in known_policies:
            problems.append((f"{place}.escalation_policy_id", f"unknown escalation policy {policy}"))
        for index, channel in enumerate(node.get("channels") or []):
            if channel not in known_channels:
                problems.append((f"{place}.channels.{index}", f"unknown channel {channel}"))
        for kind in ("mute_time_intervals", "active_time_intervals"):
            for index, name in enumerate(node.get(kind, [])):
                if name not in names:
                    problems.append((f"{place}.{kind}.{index}", f"unknown time interval {name!r}"))
    return problems


async def opening_grouping(
    session: AsyncSession, tenant_id: str, key: str, content: AlertContent | None
) -> Grouping | None:
    """The route of an alert that opened without its grouping (queued before routing trees, or a
    workflow that does not pass it): the tenant's tree walked with its labels now, the matched route
    whose group key is the alert's (else the first: a dedup-keyed alert)."""
    if content is None:
        return None
    tree = await load_tree(session, tenant_id)
    labels = canonical_labels(content.labels)
    seen = route_labels(labels, content.severity.value, content.category.value)
    routes = tree.match(seen)
    chosen = next(
        (r for i, r in enumerate(routes) if group_key(tenant_id, r, i == 0, labels, seen, None) == key), routes[0]
    )
    return grouping(chosen, group_labels(chosen, labels, seen))
