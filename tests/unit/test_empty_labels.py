"""An empty label value is an absent label wherever labels are an identity or a matcher (pure parts)."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from api.schemas.common import LabelMatchers, Labels
from api.schemas.metrics import MetricLabels
from models.routing_trees import default_tree, flat_route
from models.selectors import parse_selector
from noise.routing import RouteSpec, compile_route
from rules.engine import storable
from rules.sources import QueryFailed, observation
from workflows.ids import canonical_labels, labels_key

NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)


@given(st.dictionaries(NAMES, st.text(min_size=1, max_size=8), max_size=6))
def test_a_set_without_empty_values_keeps_its_documented_key(labels: dict[str, str]) -> None:
    text = json.dumps(["acme", sorted(labels.items())], separators=(",", ":"), ensure_ascii=False)
    assert labels_key("acme", labels) == hashlib.sha256(text.encode()).hexdigest()[:32]
    assert canonical_labels(labels) is labels


@given(st.dictionaries(NAMES, st.text(min_size=1, max_size=8), max_size=6), st.sets(NAMES, min_size=1, max_size=3))
def test_empty_values_do_not_change_the_key(labels: dict[str, str], empty: set[str]) -> None:
    with_empty = {**labels, **{name: "" for name in empty}}
    present = {name: value for name, value in with_empty.items() if value}
    assert labels_key("acme", with_empty) == labels_key("acme", present)
    assert canonical_labels(with_empty) == present


def test_schemas_store_labels_canonical_but_keep_empty_matchers() -> None:
    assert TypeAdapter(Labels).validate_python({"host": "db1", "env": ""}) == {"host": "db1"}
    assert TypeAdapter(MetricLabels).validate_python({"host": "db1", "env": ""}) == {"host": "db1"}
    assert TypeAdapter(LabelMatchers).validate_python({"env": ""}) == {"env": ""}


def test_rule_instances_are_keyed_by_canonical_labels() -> None:
    assert observation({"host": "a", "env": ""}, 1.0) == observation({"host": "a"}, 1.0)
    assert observation({"host": "a", "env": ""}, 1.0).labels == {"host": "a"}


def test_selectors_and_routes_read_an_empty_matcher_as_an_absent_label() -> None:
    assert parse_selector('m{env=""}').matches({"host": "a"})
    assert not parse_selector('m{env=""}').matches({"env": "prod"})
    # A flat route's `env: ""` (now a child of the routing tree) still matches alerts without `env`.
    for equal, matched in (({"env": ""}, True), ({"host": ""}, False)):
        tree = default_tree("default", [flat_route("p", [], [], equal)])
        [route] = compile_route(RouteSpec.model_validate(tree)).match({"host": "a"})
        assert (route.opts.policy_id == "p") is matched


def test_a_source_label_that_cannot_be_stored_is_the_rules_error() -> None:
    for bad in ("a\x00", "\udfff"):
        with pytest.raises(QueryFailed, match="label \\('k'\\)"):
            storable([observation({"k": bad}, 1.0)])
