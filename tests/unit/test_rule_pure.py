"""Pure parts of rule evaluation: selectors, aggregations, the state machine, PromQL wrapping, grouping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.metric_store import Series
from models.selectors import SelectorError, label_name_problem, labels_problem, parse_selector
from rules.aggregate import aggregate, quantile
from rules.semantics import Instance, Observation, Timing, evaluate, reported_health, step
from rules.sources import from_series, promql

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_selectors_match_like_prometheus() -> None:
    selector = parse_selector('http_errors{service=~"api|web", env!="dev", path="/a\\"b"}')
    assert selector.name == "http_errors"
    assert selector.matches({"service": "api", "env": "prod", "path": '/a"b'})
    assert not selector.matches({"service": "apix", "env": "prod", "path": '/a"b'})  # regexes are anchored
    assert not selector.matches({"service": "web", "env": "dev", "path": '/a"b'})
    assert parse_selector('m{missing=""}').matches({})  # an absent label equals ""
    assert parse_selector("m").matches({"any": "thing"})


def test_selector_regexes_are_wrapped_as_prometheus_wraps_them() -> None:
    # Prometheus compiles "^(?:" + pattern + ")$" and searches it (models/regex.py), so this pattern is valid
    # and means "starts with x, or ends with y"; a fullmatch of the bare pattern refused it.
    selector = parse_selector('m{a=~"x)|(y"}')
    assert selector.matches({"a": "xzz"}) and selector.matches({"a": "zzy"}) and not selector.matches({"a": "zxz"})


@pytest.mark.parametrize("text", ["", "9metric", "m{host=db1}", 'm{host="a"', 'm{host=~"("}', "rate(m[5m])"])
def test_bad_selectors_are_refused(text: str) -> None:
    with pytest.raises(SelectorError):
        parse_selector(text)


def test_aggregations() -> None:
    points = [(at(0), 1.0), (at(10), 3.0), (at(20), 2.0), (at(30), 10.0)]
    assert aggregate(points, "avg") == 4.0
    assert (aggregate(points, "min"), aggregate(points, "max"), aggregate(points, "sum")) == (1.0, 10.0, 16.0)
    assert (aggregate(points, "count"), aggregate(points, "last")) == (4.0, 10.0)
    assert aggregate(points, "p95") == pytest.approx(quantile([1, 2, 3, 10], 0.95)) == pytest.approx(8.95)
    assert aggregate([], "avg") is None and aggregate(points[:1], "rate") is None
    counter = [(at(0), 100.0), (at(30), 160.0), (at(60), 10.0), (at(90), 40.0)]  # a reset at 60 s
    assert aggregate(counter, "rate") == pytest.approx((60 + 10 + 30) / 90)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50), st.floats(0, 1))
def test_quantile_lies_between_min_and_max(values: list[float], q: float) -> None:
    assert min(values) - 1e-6 <= quantile(values, q) <= max(values) + 1e-6


def test_pending_for_and_keep_firing_for() -> None:
    timing = Timing(timedelta(seconds=120), timedelta(seconds=60))
    one = step(Instance("i", {}), True, 95.0, at(0), timing)
    assert (one.after.state, one.transition) == ("pending", None)
    two = step(one.after, True, 96.0, at(119), timing)
    assert (two.after.state, two.transition) == ("pending", None)
    three = step(two.after, True, 97.0, at(120), timing)
    assert (three.after.state, three.transition, three.after.active_since) == ("firing", "fire", at(0))
    held = step(three.after, False, 10.0, at(179), timing)
    assert (held.after.state, held.transition) == ("firing", None)
    gone = step(held.after, False, 10.0, at(180), timing)
    assert (gone.after.state, gone.transition, gone.after.active_since) == ("inactive", "resolve", None)
    flap = step(step(Instance("i", {}), True, 95.0, at(0), timing).after, False, 1.0, at(60), timing)
    assert (flap.after.state, flap.transition) == ("inactive", None)  # pending that clears sends nothing


def test_no_data_modes() -> None:
    timing = Timing(timedelta(0), timedelta(0))
    firing = Instance("a", {"host": "a"}, state="firing", active_since=at(0), last_true_at=at(0))
    options = {"comparator": ">", "threshold": 1.0, "at": at(60), "timing": timing}
    assert [s.transition for s in evaluate([firing], [], no_data="ok", **options)] == ["resolve"]  # type: ignore[arg-type]
    assert [s.transition for s in evaluate([firing], [], no_data="keep_last", **options)] == [None]  # type: ignore[arg-type]
    alerting = evaluate([firing], [], no_data="alerting", **options)  # type: ignore[arg-type]
    assert [(s.after.instance, s.transition) for s in alerting] == [("a", "resolve"), ("nodata", "fire")]
    back = evaluate([alerting[1].after], [Observation("a", {"host": "a"}, 0.5)], no_data="alerting", **options)  # type: ignore[arg-type]
    assert {(s.after.instance, s.transition) for s in back} == {("a", None), ("nodata", "resolve")}


def test_promql_wrapping() -> None:
    assert promql("up == 0", None, 300) == "up == 0"
    assert promql("sum(x)", "avg", 300) == "avg_over_time((sum(x))[300s:])"
    assert promql("x", "p95", 60) == "quantile_over_time(0.95, (x)[60s:])"


def test_grouping_pushed_series() -> None:
    a = Series(1, "req", {"service": "api", "pod": "1"}, [(at(0), 0.0), (at(10), 10.0)])
    b = Series(2, "req", {"service": "api", "pod": "2"}, [(at(0), 0.0), (at(10), 30.0)])
    c = Series(3, "req", {"service": "web", "pod": "1"}, [])
    per_series = from_series([a, b, c], "last", None)
    assert sorted(o.value for o in per_series if o.value is not None) == [10.0, 30.0]  # c has no data: no instance
    [api] = from_series([a, b, c], "rate", ["service"])
    assert (api.labels, api.value) == ({"service": "api"}, 4.0)  # 1/s + 3/s: rates add up
    [everything] = from_series([a, b], "max", [])
    assert (everything.labels, everything.value) == ({}, 30.0)


def test_a_pending_for_restarts_after_an_hour_without_evaluation() -> None:
    timing = Timing(timedelta(minutes=10), timedelta(0))
    pending = step(Instance("i", {}), True, 95.0, at(0), timing).after
    resumed = step(pending, True, 95.0, at(30 * 60), timing)  # a 30-minute gap: the window ran on
    assert (resumed.after.state, resumed.transition, resumed.after.active_since) == ("firing", "fire", at(0))
    late = step(pending, True, 95.0, at(2 * 3600), timing)  # two hours without evaluation: it starts again
    assert (late.after.state, late.after.active_since) == ("pending", at(2 * 3600))


def test_a_rule_overdue_by_two_intervals_reports_stale_not_its_last_health() -> None:
    due = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def health(after_seconds: float, interval: int = 60, enabled: bool = True) -> tuple[str, str | None]:
        now = due + timedelta(seconds=after_seconds)
        return reported_health("ok", enabled=enabled, next_evaluation_at=due, interval_seconds=interval, now=now)

    assert health(120) == ("ok", None)
    stale, why = health(121)
    assert stale == "stale" and why is not None and "due since 2026-01-01T12:00:00Z" in why
    assert health(59, interval=10)[0] == "ok"  # at least a minute
    assert health(61, interval=10)[0] == "stale"
    assert health(86400, enabled=False) == ("ok", None)
    never = reported_health("unknown", enabled=True, next_evaluation_at=None, interval_seconds=60, now=due)
    assert never == ("unknown", None)


def test_label_names_have_a_length_limit_everywhere_labels_are_checked() -> None:
    long_name = "a" * 10_000
    for reserved_allowed in (False, True):
        problem = labels_problem({long_name: "v"}, reserved_allowed=reserved_allowed)
        assert problem is not None and "longer than 128 characters" in problem
        assert labels_problem({"a" * 128: "v"}, reserved_allowed=reserved_allowed) is None
    assert labels_problem({"__" + "a" * 200: "v"}, reserved_allowed=True) is not None
    assert label_name_problem(long_name) is not None  # rule group_by names
