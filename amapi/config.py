"""A tenant's configuration rendered as an Alertmanager configuration (`GET /api/v2/status`,
`config.original`), for tools that show it (amtool `config show`, Grafana).

Herald's routes name channels, Alertmanager's name one receiver: each distinct set of channels
becomes a receiver named after them (`ops`, `ops+mail`); a route that names none inherits its
parent's, down to the root's `default` (the tenant's default channels); `channels: []` (notify
nobody) is the receiver `none`. Receivers are listed by
name only: their secrets and settings are Herald's, not shown here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

DEFAULT_RECEIVER = "default"  # the tenant's default channels (a route that names none, down to the root)
NOBODY_RECEIVER = "none"  # `channels: []`: nobody is told (an Alertmanager receiver without configs)


@dataclass
class TenantConfig:
    """What is rendered: the routing tree as stored (noise.routing.RouteSpec JSON), channel id → name,
    inhibit rules (canonical matcher texts), time interval names and the resolve_timeout text."""

    tree: dict[str, Any]
    channel_names: dict[str, str]
    resolve_timeout: str = "5m"
    inhibit_rules: list[dict[str, Any]] = field(default_factory=list)
    time_intervals: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def receiver_name(channel_ids: list[str] | None, channel_names: dict[str, str]) -> str:
    """The receiver standing for these channels: `DEFAULT_RECEIVER` for None (the tenant's defaults),
    `NOBODY_RECEIVER` for none, else their names joined by `+`."""
    if channel_ids is None:
        return DEFAULT_RECEIVER
    names = [channel_names.get(channel_id, channel_id) for channel_id in channel_ids]
    return "+".join(names) if names else NOBODY_RECEIVER


def _route(node: dict[str, Any], config: TenantConfig, receivers: list[str], is_root: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    channels = node.get("channels")
    if channels is not None or is_root:
        name = receiver_name(None if channels is None else list(channels), config.channel_names)
        out["receiver"] = name
        if name not in receivers:
            receivers.append(name)
    for key in ("group_by", "group_wait", "group_interval", "repeat_interval"):
        if node.get(key) is not None:
            out[key] = node[key]
    if node.get("matchers"):
        out["matchers"] = list(node["matchers"])
    if node.get("continue"):
        out["continue"] = True
    for key in ("mute_time_intervals", "active_time_intervals"):
        if node.get(key):
            out[key] = list(node[key])
    children = [_route(child, config, receivers, False) for child in node.get("routes", [])]
    if children:
        out["routes"] = children
    return out


def render(config: TenantConfig) -> str:
    """The configuration as alertmanager.yml text."""
    receivers: list[str] = []
    route = _route(config.tree, config, receivers, True)
    data: dict[str, Any] = {"global": {"resolve_timeout": config.resolve_timeout}, "route": route}
    if config.inhibit_rules:
        data["inhibit_rules"] = config.inhibit_rules
    data["receivers"] = [{"name": name} for name in receivers]
    if config.time_intervals:
        data["time_intervals"] = [
            {"name": name, "time_intervals": spec} for name, spec in config.time_intervals.items()
        ]
    data["templates"] = []
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
