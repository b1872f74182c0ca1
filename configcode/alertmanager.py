"""An Alertmanager configuration (alertmanager.yml, as data) turned into Herald's document and channels.

`convert(data) -> Imported`:

* `document` — Herald's document data (`configcode.document`): the route tree with each `receiver` turned into
  the `channels` (by name) made from it, `inhibit_rules`, `time_intervals` (from both `time_intervals` and the
  older `mute_time_intervals`). Old-style `match` / `match_re` (routes) and `source_match(_re)` /
  `target_match(_re)` (inhibit rules) become matchers, as Alertmanager reads them.
* `channels` — one Herald channel per mappable receiver config (webhook, slack, email, pagerduty, discord,
  msteams), named after its receiver (`<receiver>` when the receiver has one, `<receiver>/<type><n>` when more),
  checked with the channel type's own configuration model. A receiver with nothing mappable becomes
  `channels: []` (notify no one), as an Alertmanager receiver without configs does.
* `unmapped` — `(path, reason)` for every field Herald cannot honour (`receivers[2].opsgenie_configs`,
  `global.resolve_timeout`, `templates`, a message template such as `receivers[0].slack_configs[0].title`),
  and for Herald's own quirks (`severity` is Herald's field: critical, high, medium, low, info).

Errors: `ConversionError` for data that is not an Alertmanager configuration at all (no `route`, a route naming
an undefined receiver); everything else is reported in `unmapped` and the rest is still converted, and the
document is checked as `herald config check` checks a file (`settle`): a field it refuses is dropped and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from api.schemas.inhibit_rules import InhibitRuleIn
from api.schemas.time_intervals import TimeIntervalIn
from channels.registry import CONFIGS
from configcode.document import DocumentError, dump, parse
from configcode.receivers import TEMPLATED, channel_config
from models.text import ascii_int
from noise.matchers import Matcher, MatcherError, parse_matchers
from workflows.payloads import Category, Severity

Problem = tuple[str, str]
ROUTE_FIELDS = {"receiver", "group_by", "continue", "matchers", "match", "match_re", "group_wait", "group_interval"}
ROUTE_FIELDS |= {"repeat_interval", "mute_time_intervals", "active_time_intervals", "routes"}
GLOBAL_USED = {"smtp_smarthost", "smtp_from", "smtp_auth_username", "smtp_auth_password", "smtp_require_tls"}
GLOBAL_USED |= {"slack_api_url", "pagerduty_url"}
KNOWN_TYPES = {"webhook": "webhook", "slack": "slack", "email": "email", "pagerduty": "pagerduty"}
KNOWN_TYPES |= {"discord": "discord", "msteams": "teams"}
SEVERITIES = {s.value for s in Severity}
CATEGORIES = {c.value for c in Category}


class ConversionError(Exception):
    """The input is not an Alertmanager configuration Herald can start from (one line: why)."""


@dataclass(frozen=True)
class ChannelPlan:
    name: str
    type: str
    config: dict[str, Any]
    receiver: str


@dataclass
class Imported:
    document: dict[str, Any] = field(default_factory=dict)
    channels: list[ChannelPlan] = field(default_factory=list)
    unmapped: list[Problem] = field(default_factory=list)
    receivers: dict[str, list[str]] = field(default_factory=dict)  # receiver -> its channels' names


def _matcher(name: str, op: str, value: str) -> str:
    return str(Matcher(name, op, value))  # type: ignore[arg-type]


def _old_style(match: Any, regex: Any, where: str, out: Imported) -> list[str]:
    """`match: {k: v}` and `match_re: {k: re}` as matcher text (Alertmanager anchors the regex, as Herald does)."""
    lines = []
    for key, op, given in (("match", "=", match), ("match_re", "=~", regex)):
        if given is None:
            continue
        if not isinstance(given, dict):
            out.unmapped.append((f"{where}{key}", "must be a mapping of label names to values"))
            continue
        lines += [_matcher(str(name), op, str(value)) for name, value in given.items()]
    return lines


def _severity_quirks(lines: list[str], where: str, out: Imported) -> None:
    for index, line in enumerate(lines):
        try:
            matchers = parse_matchers(line)
        except MatcherError as err:
            out.unmapped.append((f"{where}[{index}]", f"{err.message} (in {line!r})"))
            continue
        for matcher in matchers:
            known = {"severity": SEVERITIES, "category": CATEGORIES}.get(matcher.name)
            if known is not None and matcher.op in ("=", "!=") and matcher.value and matcher.value not in known:
                out.unmapped.append(
                    (
                        f"{where}[{index}]",
                        f"{matcher}: Herald's {matcher.name} is its own field, one of {', '.join(sorted(known))}; "
                        f"an alert's {matcher.name} label never reads {matcher.value!r}",
                    )
                )


def _route(node: Any, where: str, out: Imported, is_root: bool) -> dict[str, Any]:
    if not isinstance(node, dict):
        raise ConversionError(f"{where or 'route'}: must be a mapping")
    prefix = f"{where}." if where else "route."
    result: dict[str, Any] = {}
    for key in node:
        if key not in ROUTE_FIELDS:
            out.unmapped.append((f"{prefix}{key}", "not a route field Herald knows"))
    matchers = [str(m) for m in node.get("matchers") or []]
    matchers += _old_style(node.get("match"), node.get("match_re"), prefix, out)
    _severity_quirks(matchers, f"{prefix}matchers", out)
    if matchers and is_root:
        out.unmapped.append((f"{prefix}matchers", "the root route matches every alert: it cannot have matchers"))
    elif matchers:
        result["matchers"] = matchers
    if node.get("continue"):
        result["continue"] = True
    for key in ("group_by", "group_wait", "group_interval", "repeat_interval"):
        if node.get(key) not in (None, []):
            result[key] = [str(v) for v in node[key]] if key == "group_by" else str(node[key])
    receiver = node.get("receiver")
    if receiver is not None:
        if str(receiver) not in out.receivers:
            raise ConversionError(f"{prefix}receiver: no receiver named {receiver!r}")
        result["channels"] = list(out.receivers[str(receiver)])
    elif is_root:
        raise ConversionError("route.receiver: the root route needs a receiver")
    for key in ("mute_time_intervals", "active_time_intervals"):
        if node.get(key):
            result[key] = [str(name) for name in node[key]]
    children = node.get("routes") or []
    result["routes"] = [_route(child, f"{prefix}routes[{i}]", out, False) for i, child in enumerate(children)]
    if not result["routes"]:
        del result["routes"]
    return result


def _inhibit_rules(rules: list[Any], out: Imported) -> list[dict[str, Any]]:
    converted = []
    for index, rule in enumerate(rules):
        where = f"inhibit_rules[{index}]"
        if not isinstance(rule, dict):
            out.unmapped.append((where, "must be a mapping"))
            continue
        body: dict[str, Any] = {"equal": [str(name) for name in rule.get("equal") or []]}
        for side in ("source", "target"):
            lines = [str(m) for m in rule.get(f"{side}_matchers") or []]
            body[f"{side}_matchers"] = lines + _old_style(
                rule.get(f"{side}_match"), rule.get(f"{side}_match_re"), f"{where}.{side}_", out
            )
            _severity_quirks(body[f"{side}_matchers"], f"{where}.{side}_matchers", out)
        known = {f"{side}_{key}" for side in ("source", "target") for key in ("matchers", "match", "match_re")}
        for key in set(rule) - known - {"equal"}:
            out.unmapped.append((f"{where}.{key}", "not an inhibit rule field Herald knows"))
        try:
            converted.append(InhibitRuleIn.model_validate(body).model_dump(mode="json", exclude={"comment"}))
        except ValidationError as err:
            for error in err.errors():
                place = ".".join(str(p) for p in error["loc"])
                out.unmapped.append((f"{where}.{place}", error["msg"].removeprefix("Value error, ")))
    return converted


def _time_intervals(data: dict[str, Any], out: Imported) -> list[dict[str, Any]]:
    converted = []
    for key in ("time_intervals", "mute_time_intervals"):
        for index, item in enumerate(data.get(key) or []):
            try:
                interval = TimeIntervalIn.model_validate(item)
            except ValidationError as err:
                for error in err.errors():
                    place = ".".join(str(p) for p in error["loc"])
                    out.unmapped.append((f"{key}[{index}].{place}", error["msg"].removeprefix("Value error, ")))
                continue
            specs = [spec.model_dump(mode="json", exclude_none=True) for spec in interval.time_intervals]
            converted.append({"name": interval.name, "time_intervals": specs})
    return converted


def _channel_problem(channel_type: str, config: dict[str, Any]) -> str | None:
    """Why the channel type's model refuses `config` (secrets included), or None."""
    model = CONFIGS[channel_type]
    try:
        model.model_validate(config)
    except ValidationError as err:
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
    for group in model.REQUIRED_SECRETS:
        if not any(config.get(name) for name in group):
            return f"it needs {' or '.join(group)}"
    return None


def _receivers(data: dict[str, Any], out: Imported) -> None:
    glob = data.get("global") or {}
    for index, receiver in enumerate(data.get("receivers") or []):
        where = f"receivers[{index}]"
        name = str(receiver.get("name", ""))
        made: list[tuple[str, dict[str, Any], str]] = []
        for key, configs in receiver.items():
            if key == "name":
                continue
            kind = key.removesuffix("_configs")
            if kind not in KNOWN_TYPES or not key.endswith("_configs"):
                out.unmapped.append((f"{where}.{key}", f"Herald has no {kind} channel"))
                continue
            for number, config in enumerate(configs or []):
                place = f"{where}.{key}[{number}]"
                mapped = channel_config(kind, config, glob, place, out.unmapped)
                if mapped is None:
                    continue
                problem = _channel_problem(KNOWN_TYPES[kind], mapped)
                if problem:
                    out.unmapped.append((place, f"no Herald {KNOWN_TYPES[kind]} channel can be made: {problem}"))
                    continue
                made.append((KNOWN_TYPES[kind], mapped, kind))
        counts: dict[str, int] = {}
        names = []
        for channel_type, config, kind in made:
            number = counts.get(kind, 0)
            counts[kind] = number + 1
            channel_name = name if len(made) == 1 else f"{name}/{kind}{number}"
            out.channels.append(ChannelPlan(channel_name, channel_type, config, name))
            names.append(channel_name)
        out.receivers[name] = names


def _dropped(data: Any, path: str) -> bool:
    """Remove the field at a document path (`routes.routes[0].group_by`) from `data`; False if there is none."""
    steps = [part if ascii_int(part) is None else ascii_int(part) for part in re.findall(r"[^.\[\]]+", path)]
    node = data
    for step in steps[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(node, dict) and steps[-1] in node:
        del node[steps[-1]]
        return True
    return False


def settle(out: Imported) -> None:
    """Check the document as `herald config check` would, moving each field it refuses (a `group_by` label Herald
    refuses, a `repeat_interval` below the `group_interval`...) from the document to `unmapped`, by the
    Alertmanager path (`route.routes[0].group_by`). Raises ConversionError if a refusal names no removable field."""
    for _ in range(100):
        try:
            parse(dump(out.document))
            return
        except DocumentError as error:
            for path, message in error.problems:
                if not _dropped(out.document, path):
                    raise ConversionError(f"{path}: {message}") from None
                am_path = "route" + path.removeprefix("routes") if path.startswith("routes") else path
                out.unmapped.append((am_path, f"refused by Herald: {message}"))
    raise ConversionError("the converted routing tree is still refused after dropping 100 fields")


def convert(data: Any) -> Imported:
    """Herald's document, channels and the unmapped fields of an Alertmanager configuration (see the module)."""
    if not isinstance(data, dict) or "route" not in data:
        raise ConversionError("not an Alertmanager configuration: it has no `route`")
    out = Imported()
    for key in data:
        if key == "templates":
            out.unmapped.append(("templates", TEMPLATED))
        elif key not in {"global", "route", "receivers", "inhibit_rules", "time_intervals", "mute_time_intervals"}:
            out.unmapped.append((key, "not a part of the configuration Herald knows"))
    for key in data.get("global") or {}:
        if key not in GLOBAL_USED:
            out.unmapped.append((f"global.{key}", "no Herald equivalent"))
    _receivers(data, out)
    out.document["routes"] = _route(data["route"], "", out, True)
    out.document["inhibit_rules"] = _inhibit_rules(data.get("inhibit_rules") or [], out)
    out.document["time_intervals"] = _time_intervals(data, out)
    settle(out)
    return out
