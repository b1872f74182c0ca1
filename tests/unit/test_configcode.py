"""configcode: the document's checks by YAML path, the plan (diff) against a server state, and the Alertmanager
mapping (receivers, old-style matchers, time intervals, unmapped fields)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from configcode.alertmanager import ConversionError, convert
from configcode.document import DocumentError, parse, yaml_path
from configcode.plan import ServerState, export_data, plan

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
TREE = {"group_by": ["alertname"], "routes": [{"matchers": ['team="db"'], "channels": ["c1"]}]}
INTERVAL = {"id": "i1", "name": "nights", "time_intervals": [{"times": [{"start_time": "22:00", "end_time": "24:00"}]}]}
RULE = {"id": "r1", "source_matchers": ['a="1"'], "target_matchers": ['b="2"'], "equal": ["x"], "comment": ""}
SILENCE = {
    "id": "s1",
    "matchers": ['job="batch"'],
    "starts_at": (NOW - timedelta(hours=1)).isoformat(),
    "ends_at": (NOW + timedelta(hours=1)).isoformat(),
    "state": "active",
    "comment": "deploy",
}


def state(**changes: Any) -> ServerState:
    values: dict[str, Any] = {
        "tree_version": 3,
        "tree": TREE,
        "channels": {"c1": "db-mail", "c2": "pager"},
        "time_intervals": [INTERVAL],
        "inhibit_rules": [RULE],
        "silences": [SILENCE],
        "now": NOW,
    }
    return ServerState(**(values | changes))


def exported(**changes: Any) -> dict[str, Any]:
    return export_data(state(**changes))


def lines(data: dict[str, Any], **options: Any) -> list[str]:
    return plan(parse(yaml.safe_dump(data)), state(), **options).summary()


def problems(text: str) -> list[tuple[str, str]]:
    with pytest.raises(DocumentError) as refused:
        parse(text)
    return refused.value.problems


def test_yaml_paths() -> None:
    assert yaml_path("tree.routes.0.matchers.12") == "tree.routes[0].matchers[12]"
    assert yaml_path("silences.3") == "silences[3]"


def test_the_export_names_channels_and_applies_as_no_change() -> None:
    data = exported()
    assert data["routes"]["routes"][0]["channels"] == ["db-mail"]
    assert data["silences"] == [{k: SILENCE[k] for k in ("id", "matchers", "starts_at", "ends_at", "comment")}]
    assert lines(data) == ["no changes"]


def test_each_kind_of_change_is_planned_in_order() -> None:
    data = exported()
    data["routes"]["routes"][0]["channels"] = ["pager"]
    data["time_intervals"] = [{"name": "days", "time_intervals": [{"weekdays": ["monday"]}]}]
    data["inhibit_rules"][0]["comment"] = "why"
    data["silences"][0]["ends_at"] = (NOW + timedelta(hours=5)).isoformat()
    result = plan(parse(yaml.safe_dump(data)), state())
    assert [(c.action, c.kind, c.path) for c in result.changes] == [
        ("create", "time interval", "time-intervals"),
        ("update", "routing tree", "routes"),
        ("delete", "time interval", "time-intervals/i1"),
        ("update", "inhibit rule", "inhibit-rules/r1"),
        ("update", "silence", "silences/s1"),
    ]
    tree_change = result.changes[1]
    assert tree_change.if_match == 3 and tree_change.body is not None
    assert tree_change.body["tree"]["routes"][0]["channels"] == ["c2"]  # names back to ids
    assert "-    - db-mail\n+    - pager\n" in result.route_diff


def test_a_kind_left_out_is_not_managed_and_silences_are_pruned_only_when_asked() -> None:
    assert lines({"silences": []}) == ["no changes"]
    assert lines({"silences": []}, prune_silences=True) == ['delete silence s1 {job="batch"}']
    assert lines({}) == ["no changes"]


def test_inhibit_rules_are_known_by_their_content_and_silences_by_id_or_content() -> None:
    rule = {"source_matchers": ['a = "1"'], "target_matchers": "b=2", "equal": ["x"]}  # same rule, other spelling
    assert lines({"inhibit_rules": [rule]}) == ["no changes"]
    moved = {**rule, "target_matchers": 'b="3"'}
    assert lines({"inhibit_rules": [moved]}) == [
        'create inhibit rule a="1" -> b="3"',
        'delete inhibit rule a="1" -> b="2"',
    ]
    silence = {k: SILENCE[k] for k in ("matchers", "ends_at", "comment")}
    assert lines({"silences": [silence]}) == ["no changes"]  # no id: found by matchers and comment
    assert lines({"silences": [{**silence, "comment": "other"}]}) == ['create silence {job="batch"} (other)']
    ended = {**silence, "comment": "over", "ends_at": (NOW - timedelta(minutes=1)).isoformat()}
    assert lines({"silences": [ended]}) == ["no changes"]  # nothing to create


def test_a_route_naming_an_unknown_channel_is_refused_by_path() -> None:
    with pytest.raises(DocumentError) as refused:
        plan(parse("routes:\n  routes:\n    - channels: [pager, ghost]\n"), state())
    assert refused.value.problems == [("routes.routes[0].channels[1]", "unknown channel 'ghost' (channels are named)")]


def test_bad_fields_are_named_by_yaml_path() -> None:
    assert problems("routes: [1")[0][0] == "line 1, column 11"
    assert problems("nope: 1") == [("nope", "Extra inputs are not permitted")]
    [(path, message)] = problems("routes:\n  routes:\n    - group_wait: soon\n")
    assert path == "routes.routes[0].group_wait" and "soon" in message
    [(path, _)] = problems("inhibit_rules:\n  - source_matchers: ['a=']\n    target_matchers: []\n")[1:]
    assert path == "inhibit_rules[0].target_matchers"
    text = "time_intervals: []\nroutes:\n  routes:\n    - active_time_intervals: [x]\n"
    assert problems(text) == [("routes.routes[0].active_time_intervals[0]", "unknown time interval 'x'")]
    twice = "time_intervals:\n  - {name: a, time_intervals: []}\n  - {name: a, time_intervals: []}\n"
    assert [p for p, _ in problems(twice)] == ["time_intervals[0].name", "time_intervals[1].name"]


SIMPLE = """
global: {resolve_timeout: 1m, smtp_smarthost: 'mail:25', smtp_from: am@example.org, slack_api_url: 'https://h.example/x'}
route:
  receiver: mail
  group_by: [alertname]
  routes:
    - match: {service: db}
      match_re: {env: prod|dr}
      receiver: both
      routes: [{matchers: ['severity="warning"'], receiver: none}]
receivers:
  - name: mail
    email_configs: [{to: 'a@example.org,b@example.org', send_resolved: false, html: '{{ x }}'}]
  - name: both
    slack_configs: [{channel: '#x'}]
    pagerduty_configs: [{service_key: abc}, {routing_key: 0123456789abcdef0123456789abcdef, url: 'https://pd.example/v2/enqueue'}]
  - name: none
    opsgenie_configs: [{api_key: x}]
time_intervals: [{name: a, time_intervals: [{weekdays: [monday]}]}]
mute_time_intervals: [{name: b, time_intervals: [{months: [december]}]}]
inhibit_rules: [{source_match: {alertname: Down}, target_match_re: {alertname: 'Slow.*'}, equal: [x]}]
"""


def test_alertmanager_receivers_become_channels_and_routes_name_them() -> None:
    imported = convert(yaml.safe_load(SIMPLE))
    assert [(c.name, c.type) for c in imported.channels] == [
        ("mail", "email"),
        ("both/slack0", "slack"),
        ("both/pagerduty0", "pagerduty"),
    ]
    mail, slack, pager = (c.config for c in imported.channels)
    assert mail == {
        "host": "mail",
        "port": 25,
        "security": "starttls",
        "from_address": "am@example.org",
        "to": ["a@example.org", "b@example.org"],
    }
    assert slack == {"webhook_url": "https://h.example/x"}
    assert pager["api_base_url"] == "https://pd.example"
    assert imported.receivers == {"mail": ["mail"], "both": ["both/slack0", "both/pagerduty0"], "none": []}
    routes = imported.document["routes"]
    assert routes["channels"] == ["mail"]
    assert routes["routes"][0]["matchers"] == ['service="db"', 'env=~"prod|dr"']
    assert routes["routes"][0]["routes"][0]["channels"] == []
    assert [i["name"] for i in imported.document["time_intervals"]] == ["a", "b"]
    assert imported.document["inhibit_rules"] == [
        {"source_matchers": ['alertname="Down"'], "target_matchers": ['alertname=~"Slow.*"'], "equal": ["x"]}
    ]
    parse(yaml.safe_dump(imported.document))  # a valid Herald document


def test_every_field_herald_cannot_honour_is_reported_by_path() -> None:
    paths = [path for path, _ in convert(yaml.safe_load(SIMPLE)).unmapped]
    assert paths == [
        "global.resolve_timeout",
        "receivers[0].email_configs[0].send_resolved",
        "receivers[0].email_configs[0].html",
        "receivers[1].slack_configs[0].channel",
        "receivers[1].pagerduty_configs[0].service_key",
        "receivers[1].pagerduty_configs[0]",
        "receivers[2].opsgenie_configs",
        "route.routes[0].routes[0].matchers[0]",
    ]


def test_what_is_not_an_alertmanager_configuration_is_refused_in_one_line() -> None:
    with pytest.raises(ConversionError, match="no `route`"):
        convert({"receivers": []})
    with pytest.raises(ConversionError, match=r"route.routes\[0\].receiver: no receiver named 'x'"):
        convert({"route": {"receiver": "a", "routes": [{"receiver": "x"}]}, "receivers": [{"name": "a"}]})


def test_route_fields_herald_refuses_are_dropped_and_reported() -> None:
    config = {
        "route": {
            "receiver": "a",
            "routes": [
                {"matchers": ['x="1"'], "group_by": ["a", "a"]},
                {"matchers": ['x="2"'], "group_interval": "10m", "repeat_interval": "1m"},
            ],
        },
        "receivers": [{"name": "a"}],
    }
    imported = convert(config)
    assert [path for path, _ in imported.unmapped] == [
        "route.routes[0].group_by",
        "route.routes[1].repeat_interval",
    ]
    assert imported.document["routes"]["routes"] == [
        {"matchers": ['x="1"']},
        {"matchers": ['x="2"'], "group_interval": "10m"},
    ]
