"""Routing trees as stored (`routing_trees`): reads, writes, the default tree, and what points where.

The tree is JSON in the shape of noise/routing.py `RouteSpec` (`{"matchers": [...], "continue": false,
"group_by": [...], "escalation_policy_id": ..., "channels": [...], "routes": [...]}`); this module reads
it as plain JSON so that models/references.py can answer a delete's `used_by` without the noise layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import RoutingTree, Tenant

DEFAULT_REPEAT = "30m"  # AlertOptions' and the settings' default repeat interval before routing trees


def default_tree(policy_id: str | None, children: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A tree that behaves as Herald did before routing trees: one incident per label set, notified at
    once (group_wait 0s), renotified every 30 minutes, following `policy_id` unless a child says otherwise."""
    root: dict[str, Any] = {
        "matchers": [],
        "continue": False,
        "group_by": ["..."],
        "group_wait": "0s",
        "group_interval": "5m",
        "repeat_interval": DEFAULT_REPEAT,
        "mute_time_intervals": [],
        "active_time_intervals": [],
        "routes": children or [],
    }
    if policy_id is not None:
        root["escalation_policy_id"] = policy_id
    return root


def _one_of(name: str, values: list[str]) -> str:
    return f'{name}="{values[0]}"' if len(values) == 1 else f'{name}=~"{"|".join(values)}"'


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def flat_route(policy_id: str, severities: list[str], categories: list[str], labels: dict[str, str]) -> dict[str, Any]:
    """A child route equivalent to a route of the flat routing that trees replaced (severities, categories,
    label equality → policy)."""
    matchers = []
    if severities:
        matchers.append(_one_of("severity", severities))
    if categories:
        matchers.append(_one_of("category", categories))
    matchers += [f'"{_quoted(name)}"="{_quoted(value)}"' for name, value in labels.items()]
    return {
        "matchers": matchers,
        "continue": False,
        "escalation_policy_id": policy_id,
        "mute_time_intervals": [],
        "active_time_intervals": [],
        "routes": [],
    }


async def tree_row(session: AsyncSession, tenant_id: str, *, for_update: bool = False) -> RoutingTree | None:
    query = select(RoutingTree).where(RoutingTree.tenant_id == tenant_id)
    if for_update:
        query = query.with_for_update()
    row: RoutingTree | None = await session.scalar(query)
    return row


def nodes(tree: dict[str, Any], path: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], dict[str, Any]]]:
    """Every node of a stored tree with its path (child indexes from the root), depth-first."""
    yield path, tree
    for index, child in enumerate(tree.get("routes") or []):
        yield from nodes(child, (*path, index))


def route_name(path: tuple[int, ...]) -> str:
    """How a 409's `used_by` names a route: `the root route`, `route 0.2`."""
    return "the root route" if not path else "route " + ".".join(str(i) for i in path)


def routes_using(tree: dict[str, Any], *, policy_id: str = "", channel_id: str = "", interval: str = "") -> list[str]:
    """Names of the routes that set this policy, list this channel, or mute / activate by this interval."""
    found = []
    for path, node in nodes(tree):
        if (
            (policy_id and node.get("escalation_policy_id") == policy_id)
            or (channel_id and channel_id in (node.get("channels") or []))
            or (interval and interval in [*node.get("mute_time_intervals", []), *node.get("active_time_intervals", [])])
        ):
            found.append(route_name(path))
    return found


class StaleVersion(Exception):
    """A write that names a version other than the current one (→ 412 naming the current version)."""

    def __init__(self, current: int) -> None:
        super().__init__(
            f'the routing tree is at version {current}; read it again and retry with If-Match: "{current}"'
        )
        self.current = current


async def lock_trees(session: AsyncSession, tenant_id: str) -> None:
    """Serialise the tenant's tree writes (its tenant row, as a tenant without a tree has no tree row):
    an edit by path reads the tree after this, so it edits the version it checks."""
    await session.get(Tenant, tenant_id, with_for_update=True)


async def write_tree(session: AsyncSession, tenant_id: str, tree: dict[str, Any], if_version: int | None) -> int:
    """Replace the tenant's tree; the new version. Writes apply one after the other (the tenant row is
    locked first, as a tenant without a tree has no row to lock); `if_version` other than the current
    one raises `StaleVersion` (None: no check, for the deprecated flat view)."""
    await lock_trees(session, tenant_id)
    row = await tree_row(session, tenant_id, for_update=True)
    current = row.version if row is not None else 0
    if if_version is not None and if_version != current:
        raise StaleVersion(current)
    if row is None:
        session.add(RoutingTree(tenant_id=tenant_id, tree=tree, version=1))
    else:
        row.tree = tree
        row.version = current + 1
    await session.flush()
    return current + 1
