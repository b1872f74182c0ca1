"""The routing tree (noise/routing.py, noise/route_store.py, noise/durations.py): Alertmanager's own cases
(dispatch/route_test.go TestRouteMatchers, TestRouteWalk, TestInheritParentGroupByAll, with the receiver as the
escalation policy), what is not inherited, config checks, group keys and durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from noise.durations import DurationError, format_duration, parse_duration
from noise.route_store import Routable, route_one
from noise.routing import Route, RouteSpec, compile_route, effective_problems, route_labels, tree_problems
from workflows.ids import labels_key, route_group_key
from workflows.payloads import AlertContent, AlertOptions, FireEvent

# Alertmanager's TestRouteMatchers tree (dispatch/route_test.go), receivers as policies.
AM_TREE: dict[str, Any] = {
    "escalation_policy_id": "notify-def",
    "routes": [
        {
            "matchers": ['{owner="team-A"}', '{level!="critical"}'],
            "escalation_policy_id": "notify-A",
            "routes": [
                {
                    "matchers": ['{env="testing"}', '{baz!~".*quux"}'],
                    "escalation_policy_id": "notify-testing",
                    "group_by": ["..."],
                },
                {
                    "matchers": ['{env="production"}'],
                    "escalation_policy_id": "notify-productionA",
                    "group_wait": "1m",
                    "continue": True,
                },
                {
                    "matchers": ['env=~"produ.*"', 'job=~".*"'],
                    "escalation_policy_id": "notify-productionB",
                    "group_wait": "30s",
                    "group_interval": "5m",
                    "repeat_interval": "1h",
                    "group_by": ["job"],
                },
            ],
        },
        {
            "matchers": ['owner=~"team-(B|C)"'],
            "group_by": ["foo", "bar"],
            "group_wait": "2m",
            "escalation_policy_id": "notify-BC",
        },
        {
            "matchers": ['group_by="role"'],
            "group_by": ["role"],
            "routes": [
                {
                    "matchers": ['{env="testing"}'],
                    "escalation_policy_id": "notify-testing",
                    "routes": [{"matchers": ['wait="long"'], "group_wait": "2m"}],
                }
            ],
        },
    ],
}
S30, M1, M2, M5, H1, H4 = (
    timedelta(seconds=30),
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(hours=1),
    timedelta(hours=4),
)


def tree(spec: dict[str, Any]) -> Route:
    return compile_route(RouteSpec.model_validate(spec))


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"owner": "team-A"}, [('{}/{level!="critical",owner="team-A"}', "notify-A", (), False, S30, M5, H4)]),
        (
            {"owner": "team-A", "env": "unset"},
            [('{}/{level!="critical",owner="team-A"}', "notify-A", (), False, S30, M5, H4)],
        ),
        ({"owner": "team-C"}, [('{}/{owner=~"team-(B|C)"}', "notify-BC", ("foo", "bar"), False, M2, M5, H4)]),
        (
            {"owner": "team-A", "env": "testing"},
            [
                (
                    '{}/{level!="critical",owner="team-A"}/{baz!~".*quux",env="testing"}',
                    "notify-testing",
                    (),
                    True,
                    S30,
                    M5,
                    H4,
                )
            ],
        ),
        (
            {"owner": "team-A", "env": "production"},
            [
                (
                    '{}/{level!="critical",owner="team-A"}/{env="production"}',
                    "notify-productionA",
                    (),
                    False,
                    M1,
                    M5,
                    H4,
                ),
                (
                    '{}/{level!="critical",owner="team-A"}/{env=~"produ.*",job=~".*"}',
                    "notify-productionB",
                    ("job",),
                    False,
                    S30,
                    M5,
                    H1,
                ),
            ],
        ),
        ({"group_by": "role"}, [('{}/{group_by="role"}', "notify-def", ("role",), False, S30, M5, H4)]),
        (
            {"env": "testing", "group_by": "role"},
            [('{}/{group_by="role"}/{env="testing"}', "notify-testing", ("role",), False, S30, M5, H4)],
        ),
        (
            {"env": "testing", "group_by": "role", "wait": "long"},
            [
                (
                    '{}/{group_by="role"}/{env="testing"}/{wait="long"}',
                    "notify-testing",
                    ("role",),
                    False,
                    M2,
                    M5,
                    H4,
                )
            ],
        ),
        ({"owner": "team-X"}, [("{}", "notify-def", (), False, S30, M5, H4)]),
    ],
)
def test_alertmanagers_route_matchers_cases(labels: dict[str, str], expected: list[tuple[Any, ...]]) -> None:
    found = [
        (
            r.key(),
            r.opts.policy_id,
            r.opts.group_by,
            r.opts.group_by_all,
            r.opts.group_wait,
            r.opts.group_interval,
            r.opts.repeat_interval,
        )
        for r in tree(AM_TREE).match(labels)
    ]
    assert found == expected


def test_walk_is_depth_first_and_ids_add_the_position() -> None:
    root = tree(AM_TREE)
    assert [r.opts.policy_id for r in root.walk()] == [
        "notify-def", "notify-A", "notify-testing", "notify-productionA", "notify-productionB", "notify-BC",
        "notify-def", "notify-testing", "notify-testing",
    ]  # fmt: skip
    assert [r.path_text() for r in root.walk()][:4] == ["", "0", "0.0", "0.1"]
    assert root.id() == "{}"
    assert root.routes[2].routes[0].id() == '{}/{group_by="role"}/{env="testing"}/0'
    # Two siblings with the same matchers share a key, never an id.
    twins = tree({"routes": [{"matchers": ['a="1"'], "continue": True}, {"matchers": ['a="1"']}]})
    assert [r.key() for r in twins.routes] == ['{}/{a="1"}'] * 2
    assert [r.id() for r in twins.routes] == ['{}/{a="1"}/0', '{}/{a="1"}/1']


def test_group_by_all_is_inherited_until_a_child_names_labels() -> None:
    root = tree(
        {
            "routes": [
                {
                    "matchers": ['env="parent"'],
                    "group_by": ["..."],
                    "routes": [{"matchers": ['env="child1"']}, {"matchers": ['env="child2"'], "group_by": ["foo"]}],
                }
            ]
        }
    )
    parent = root.routes[0]
    assert parent.opts.group_by_all and parent.routes[0].opts.group_by_all
    assert not parent.routes[1].opts.group_by_all and parent.routes[1].opts.group_by == ("foo",)


def test_children_inherit_policy_channels_and_timings_but_not_time_intervals() -> None:
    root = tree(
        {
            "escalation_policy_id": "p",
            "channels": ["c"],
            "group_wait": "0s",
            "repeat_interval": "30m",
            "routes": [
                {
                    "matchers": ['team="db"'],
                    "mute_time_intervals": ["nights"],
                    "active_time_intervals": ["weekdays"],
                    "routes": [{"matchers": ['env="prod"'], "group_by": []}],
                }
            ],
        }
    )
    team = root.routes[0]
    child = team.routes[0]
    assert team.opts.mute_time_intervals == ("nights",) and team.opts.active_time_intervals == ("weekdays",)
    assert child.opts.mute_time_intervals == () and child.opts.active_time_intervals == ()
    assert (child.opts.policy_id, child.opts.channel_ids) == ("p", ("c",))
    assert (child.opts.group_wait, child.opts.repeat_interval) == (timedelta(0), timedelta(minutes=30))
    assert child.opts.group_interval == M5  # Alertmanager's default, from the root


def test_the_labels_a_route_sees_take_herald_severity_and_category() -> None:
    seen = route_labels({"severity": "page", "team": "db"}, "critical", "security")
    assert seen == {"severity": "critical", "category": "security", "team": "db"}
    root = tree({"routes": [{"matchers": ['severity=~"critical|high"'], "escalation_policy_id": "rapid"}]})
    assert [r.opts.policy_id for r in root.match(seen)] == ["rapid"]


@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        ({"matchers": ['a="b"']}, "tree.matchers", "root route must not have any matchers"),
        ({"mute_time_intervals": ["n"]}, "tree.mute_time_intervals", "mute time intervals"),
        ({"active_time_intervals": ["n"]}, "tree.active_time_intervals", "active time intervals"),
        ({"routes": [{"group_interval": "500ms"}]}, "tree.routes.0.group_interval", "at least 1s"),
        ({"routes": [{"routes": [{"repeat_interval": "0s"}]}]}, "tree.routes.0.routes.0.repeat_interval", "zero"),
    ],
)
def test_config_checks_name_the_field(spec: dict[str, Any], field: str, words: str) -> None:
    [(where, message)] = tree_problems(RouteSpec.model_validate(spec))
    assert where == field and words in message


def test_bounds_on_depth_and_size() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(11):
        node["routes"] = [{}]
        node = node["routes"][0]
    assert tree_problems(RouteSpec.model_validate(deep)) == [
        ("tree" + ".routes.0" * 11, "a routing tree is at most 10 levels deep below the root")
    ]
    wide: dict[str, Any] = {"routes": [{} for _ in range(1000)]}
    [(where, message)] = tree_problems(RouteSpec.model_validate(wide))
    assert where == "tree" and "at most 1000 routes (1001 given)" in message


def test_repeat_shorter_than_group_interval_is_found_through_inheritance() -> None:
    spec = RouteSpec.model_validate({"repeat_interval": "30m", "routes": [{"routes": [{"group_interval": "1h"}]}]})
    assert effective_problems(compile_route(spec)) == [
        ("tree.routes.0.routes.0.repeat_interval", "repeat_interval (30m) is shorter than group_interval (1h)")
    ]


def test_group_wait_longer_than_repeat_interval_is_found_through_inheritance() -> None:
    spec = RouteSpec.model_validate({"repeat_interval": "10m", "routes": [{"group_wait": "15m"}, {"group_wait": "5m"}]})
    assert effective_problems(compile_route(spec)) == [
        (
            "tree.routes.0.group_wait",
            "group_wait (15m) is longer than repeat_interval (10m): the first notice would come after the first repeat",
        )
    ]


@pytest.mark.parametrize(
    ("spec", "where"),
    [
        ({"routes": [{"matchers": ['a="b"', 'c=~"("']}]}, ("routes", 0, "matchers", 1)),
        ({"routes": [{"matchers": ["a=~b c"]}]}, ("routes", 0, "matchers", 0)),
        ({"routes": [{"group_wait": "5x"}]}, ("routes", 0, "group_wait")),
        ({"routes": [{"group_by": ["...", "a"]}]}, ("routes", 0, "group_by")),
        ({"routes": [{"group_by": ["a-b"]}]}, ("routes", 0, "group_by")),
        ({"routes": [{"receiver": "x"}]}, ("routes", 0, "receiver")),
    ],
)
def test_malformed_nodes_are_refused_where_they_are(spec: dict[str, Any], where: tuple[Any, ...]) -> None:
    with pytest.raises(ValidationError) as caught:
        RouteSpec.model_validate(spec)
    assert [error["loc"] for error in caught.value.errors()] == [where]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", timedelta(0)),
        ("0s", timedelta(0)),
        ("30s", timedelta(seconds=30)),
        ("5m", timedelta(minutes=5)),
        ("1h30m", timedelta(minutes=90)),
        ("1d", timedelta(days=1)),
        ("2w", timedelta(weeks=2)),
        ("1y", timedelta(days=365)),
        ("1s500ms", timedelta(milliseconds=1500)),
    ],
)
def test_durations_are_prometheus(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value
    assert parse_duration(format_duration(value)) == value


@pytest.mark.parametrize("text", ["", "5", "5x", "1.5h", "-1m", " 1m", "1m1h", "1h1h", "m"])
def test_durations_prometheus_refuses(text: str) -> None:
    with pytest.raises(DurationError):
        parse_duration(text)


def test_format_duration_is_canonical() -> None:
    assert [format_duration(d) for d in (timedelta(0), M5, timedelta(minutes=90), timedelta(days=8))] == [
        "0s", "5m", "1h30m", "1w1d",
    ]  # fmt: skip


GROUPED = {
    "group_by": ["..."],
    "group_wait": "0s",
    "escalation_policy_id": "default",
    "routes": [
        {"matchers": ['team="db"'], "group_by": ["cluster"], "escalation_policy_id": "db", "continue": True},
        {"matchers": ['team="db"'], "escalation_policy_id": "db-all", "channels": ["c1"]},
    ],
}


def event(action: str = "trigger", **options: Any) -> FireEvent:
    content = AlertContent(title="t", labels={"team": "db"}) if action == "trigger" else None
    return FireEvent(
        action=action,
        content=content,
        options=AlertOptions(**options),
        received_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_keys_one_item_per_matched_route() -> None:
    labels = {"team": "db", "cluster": "eu", "host": "a"}
    first, second = route_one(tree(GROUPED), "acme", Routable(event(), labels, "high", "system"))
    assert first.key == route_group_key("acme", '{}/{team="db"}/0', {"cluster": "eu"})
    assert first.key.startswith("group/") and len(first.key) == 6 + 32
    assert first.event.options.grouping is not None
    assert first.event.options.grouping.group_labels == {"cluster": "eu"}
    assert first.event.options.grouping.policy_id == "db"
    # The second route groups by every label (inherited) but is not the first: a route key, not labels_key.
    assert second.key == route_group_key("acme", '{}/{team="db"}/1', labels)
    assert second.event.options.grouping is not None and second.event.options.grouping.channel_ids == ["c1"]
    assert {first.event.member_key, second.event.member_key} == {labels_key("acme", labels)}
    assert first.event.options.repeat_interval == H4  # the route's (Alertmanager's default here)


def test_first_route_grouping_by_all_labels_keeps_todays_key_and_a_body_repeat_wins() -> None:
    labels = {"team": "web", "env": ""}
    item = Routable(event(repeat_interval=timedelta(minutes=7)), labels, "high", "system", repeat_from_body=True)
    [routed] = route_one(tree(GROUPED), "acme", item)
    assert routed.key == labels_key("acme", {"team": "web"})
    assert routed.event.options.grouping is not None and routed.event.options.grouping.route_key == "{}"
    assert routed.event.options.grouping.group_wait == timedelta(0)
    assert routed.event.options.repeat_interval == timedelta(minutes=7)


def test_a_dedup_key_is_the_key_and_one_incident() -> None:
    found = route_one(tree(GROUPED), "acme", Routable(event(), {"team": "db"}, "high", "system", dedup_key="k1"))
    assert [r.key for r in found] == ["k1"]
    [resolve] = route_one(tree(GROUPED), "acme", Routable(event("resolve"), {}, "medium", "system", dedup_key="k1"))
    assert resolve.key == "k1" and resolve.event.member_key is None


def test_group_keys_differ_by_tenant_route_and_group_values() -> None:
    keys = {
        route_group_key("acme", "{}/0", {"a": "1"}),
        route_group_key("other", "{}/0", {"a": "1"}),
        route_group_key("acme", "{}/1", {"a": "1"}),
        route_group_key("acme", "{}/0", {"a": "2"}),
    }
    assert len(keys) == 4


BY_SEVERITY = {
    "group_by": ["..."],
    "routes": [{"matchers": ['severity="critical"'], "group_by": ["alertname"]}],
}


def test_a_resolve_without_severity_reaches_its_label_set_under_every_severity() -> None:
    """A trigger routed by its severity and a resolve that does not repeat it: the resolve must
    still reach the trigger's incident (else that incident fires forever)."""
    labels = {"alertname": "DiskFull", "host": "a"}
    [trigger] = route_one(tree(BY_SEVERITY), "acme", Routable(event(), labels, "critical", "system"))
    assert trigger.key.startswith("group/")
    found = route_one(tree(BY_SEVERITY), "acme", Routable(event("resolve"), labels, None, None))
    assert sorted(r.key for r in found) == sorted([labels_key("acme", labels), trigger.key])  # each key once
    assert {r.event.member_key for r in found} == {labels_key("acme", labels)}
    # A resolve that names its severity takes that severity's route only.
    [named] = route_one(tree(BY_SEVERITY), "acme", Routable(event("resolve"), labels, "low", None))
    assert named.key == labels_key("acme", labels)
