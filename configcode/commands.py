"""The `herald config` commands over the document, the plan and the API client; `cli.py` only wires arguments.

Each returns the process's exit code and writes to the streams it is given:

* 0 — done (for `check`: the file is valid; for `apply`: written, or nothing to write).
* 1 — the file is refused (one line per bad field, by YAML path: `herald.yaml: routes.group_wait: ...`), or the
  API refused a write; nothing is written for a file refused before the first write (every check runs first).
* 3 — `import-alertmanager` only: the configuration was converted, but some fields could not be mapped (listed
  on stderr).

`Unreachable` (no answer from the API) is left to the caller, which says it in one line (exit 2).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from configcode.alertmanager import ConversionError, Imported, convert
from configcode.client import ApiError, HeraldApi, Unreachable
from configcode.document import (
    Document,
    DocumentError,
    Problem,
    dump,
    interval_reference_problems,
    load_yaml,
    parse,
    route_nodes,
    yaml_path,
)
from configcode.plan import ServerState, export_data, plan
from noise.routing import RouteSpec

ApiFactory = Callable[[], HeraldApi]


def _problems(name: str, problems: list[Problem], err: TextIO) -> int:
    for path, message in problems:
        print(f"{name}: {path}: {message}", file=err)
    return 1


def server_problems(document: Document, api: HeraldApi, state: ServerState) -> list[Problem]:
    """What the server's rows refuse: channels and escalation policies the tree names that do not exist, and
    time intervals it names when the file does not define them (checked before anything is written)."""
    problems: list[Problem] = []
    if document.routes is None:
        if document.time_intervals is not None:  # the server's tree stays: it must not lose an interval it names
            kept = {interval.name for interval in document.time_intervals}
            for path, message in interval_reference_problems(RouteSpec.model_validate(state.tree), kept):
                problems.append(("time_intervals", f"the server's routing tree names it ({path}): {message}"))
        return problems
    channel_names = set(state.channels.values())
    policies = {policy["id"] for policy in api.get("escalation-policies")}
    intervals = {i.name for i in document.time_intervals} if document.time_intervals is not None else None
    for path, node in route_nodes(document.routes):
        for index, channel in enumerate(node.channels or []):
            if channel not in channel_names:
                problems.append((f"{path}.channels[{index}]", f"unknown channel {channel!r} (channels are named)"))
        if node.escalation_policy_id and node.escalation_policy_id not in policies:
            problems.append((f"{path}.escalation_policy_id", f"unknown escalation policy {node.escalation_policy_id}"))
        if intervals is None:
            known = {item["name"] for item in state.time_intervals}
            for kind in ("mute_time_intervals", "active_time_intervals"):
                for index, name in enumerate(getattr(node, kind)):
                    if name not in known:
                        problems.append((f"{path}.{kind}[{index}]", f"unknown time interval {name!r}"))
    return problems


def export(api: HeraldApi, out: TextIO) -> int:
    out.write(dump(export_data(api.state())))
    return 0


def check(name: str, text: str, api: HeraldApi | None, out: TextIO, err: TextIO) -> int:
    """Validate without writing: the API's schemas and the tree's checks locally, then (with `api`) the
    references to the server's channels, policies and time intervals."""
    try:
        document = parse(text)
    except DocumentError as error:
        return _problems(name, error.problems, err)
    note = ""
    if api is None:
        note = " (checked locally: channels, policies and time intervals on the server not checked)"
    else:
        try:
            problems = server_problems(document, api, api.state())
        except Unreachable as error:
            problems, note = [], f" (checked locally: {error})"
        if problems:
            return _problems(name, problems, err)
    print(f"{name}: valid{note}", file=out)
    return 0


def _api_field(where: str, field: str) -> str:
    """A field the API named in a 422, as a path in the file (`tree.routes.0.x` -> `routes.routes[0].x`)."""
    if where == "routes":
        return yaml_path("routes" + field.removeprefix("tree"))
    return yaml_path(f"{where}.{field}") if field else where


def apply(
    name: str, text: str, api: HeraldApi, *, dry_run: bool, prune_silences: bool, out: TextIO, err: TextIO
) -> int:
    """Make the server hold what the file says (`configcode.plan`); print what changed (or would: `dry_run`)."""
    try:
        document = parse(text)
        state = api.state()
        problems = server_problems(document, api, state)
        if problems:
            raise DocumentError(problems)
        changes = plan(document, state, prune_silences=prune_silences)
    except DocumentError as error:
        return _problems(name, error.problems, err)
    summary = changes.summary()
    if dry_run or not changes.changes:
        print("\n".join(summary + (["(dry run: nothing written)"] if changes.changes else [])), file=out)
        return 0
    for done, change in enumerate(changes.changes):
        try:
            api.apply(change)
        except ApiError as error:
            fields = [(_api_field(change.where, f), m) for f, m in error.fields] or [(change.where or name, str(error))]
            _problems(name, fields, err)
            print(f"{name}: stopped after {done} of {len(changes.changes)} changes", file=err)
            return 1
    print("\n".join(summary), file=out)
    return 0


def _create_channels(imported: Imported, api: HeraldApi, err: TextIO) -> None:
    existing = {channel["name"] for channel in api.get("channels")}
    for channel in imported.channels:
        if channel.name in existing:
            print(f"channel {channel.name!r} exists: kept as it is", file=err)
            continue
        api.call("POST", "channels", {"name": channel.name, "type": channel.type, "config": channel.config})
        print(f"created channel {channel.name!r} ({channel.type})", file=err)


def import_alertmanager(
    name: str, text: str, api_factory: ApiFactory, *, create_channels: bool, out: TextIO, err: TextIO
) -> int:
    """Convert an alertmanager.yml: Herald's document to `out`, channels created (with `create_channels`) or
    listed, and every unmapped field on `err` (exit 3 if any)."""
    try:
        data: Any = load_yaml(text, name)
        imported = convert(data)  # a valid Herald document: what Herald refuses is dropped and reported
    except DocumentError as error:
        return _problems(name, error.problems, err)
    except ConversionError as error:
        print(f"{name}: {error}", file=err)
        return 1
    if create_channels:
        try:
            with api_factory() as api:
                _create_channels(imported, api, err)
        except ApiError as error:
            print(f"{name}: creating channels: {error}", file=err)
            return 1
    else:
        for channel in imported.channels:
            print(f"would create channel {channel.name!r} ({channel.type}) for receiver {channel.receiver!r}", file=err)
    out.write(dump(imported.document))
    for path, reason in imported.unmapped:
        print(f"unmapped: {path}: {reason}", file=err)
    return 3 if imported.unmapped else 0
