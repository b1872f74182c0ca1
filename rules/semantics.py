"""What one evaluation does to a rule's alert instances: Prometheus's semantics, as pure functions.

Per instance (one series or group of the query's result):
* condition true: inactive → pending (`active_since` = now); pending → firing once it has held
  for `for`; `for` = 0 fires at once. Firing stays firing.
* condition false, or the instance vanished from the result: pending → inactive (nothing was
  sent); firing → inactive and resolved, unless `keep_firing_for` has not yet passed since the
  condition was last true.
* no data at all (the query returned nothing): `ok` treats every instance as false; `alerting`
  keeps one "no data" instance whose condition is true; `keep_last` changes nothing.
* the query failed: instances keep their state; with `alert_on_error` an "error" instance fires.

`for` is measured from `active_since`, which is persisted: a restart inside the window neither
loses nor restarts it (unless evaluation stopped for over an hour, `OUTAGE_TOLERANCE`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from models.timestamps import utc_text

State = Literal["inactive", "pending", "firing"]
Transition = Literal["fire", "resolve"]
NoData = Literal["ok", "alerting", "keep_last"]
NO_DATA_INSTANCE = "nodata"
# As Prometheus's --rules.alert.for-outage-tolerance: a pending `for` survives a gap in
# evaluation up to this long (a worker restart, an outage); after a longer one it restarts.
OUTAGE_TOLERANCE = timedelta(hours=1)
ERROR_INSTANCE = "error"

COMPARATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True)
class Timing:
    for_: timedelta
    keep_firing_for: timedelta


@dataclass(frozen=True)
class Instance:
    """An instance's persisted state (rule_states row)."""

    instance: str
    labels: dict[str, str]
    state: State = "inactive"
    value: float | None = None
    active_since: datetime | None = None
    fired_at: datetime | None = None
    last_true_at: datetime | None = None
    last_seen_at: datetime | None = None


@dataclass(frozen=True)
class Observation:
    """One instance in this evaluation's result: its labels and value (None: present, no value)."""

    instance: str
    labels: dict[str, str]
    value: float | None


@dataclass(frozen=True)
class Step:
    after: Instance
    transition: Transition | None


def holds(value: float | None, comparator: str, threshold: float) -> bool:
    return value is not None and COMPARATORS[comparator](value, threshold)


def step(before: Instance, condition: bool, value: float | None, at: datetime, timing: Timing) -> Step:
    """One instance, one evaluation."""
    if condition:
        since = before.active_since if before.state != "inactive" and before.active_since else at
        if before.state == "pending" and before.last_true_at and at - before.last_true_at > OUTAGE_TOLERANCE:
            since = at  # evaluation stopped too long (paused rule, long outage): `for` starts again

        common = replace(before, value=value, active_since=since, last_true_at=at)
        if before.state == "firing":
            return Step(common, None)
        if at - since >= timing.for_:
            return Step(replace(common, state="firing", fired_at=at), "fire")
        return Step(replace(common, state="pending"), None)
    if before.state == "firing":
        last_true = before.last_true_at or at
        if at - last_true < timing.keep_firing_for:
            return Step(replace(before, value=value), None)
        return Step(replace(before, state="inactive", value=value, active_since=None, fired_at=None), "resolve")
    return Step(replace(before, state="inactive", value=value, active_since=None), None)


def evaluate(
    previous: Iterable[Instance],
    observed: list[Observation] | None,
    *,
    comparator: str,
    threshold: float,
    no_data: NoData,
    at: datetime,
    timing: Timing,
) -> list[Step]:
    """Every instance after a successful evaluation (`observed` None or empty: the query found nothing)."""
    known = {instance.instance: instance for instance in previous if instance.instance != ERROR_INSTANCE}
    steps: list[Step] = []
    if not observed:
        if no_data == "keep_last":
            return [Step(instance, None) for instance in known.values()]
        for instance in known.values():
            is_no_data = instance.instance == NO_DATA_INSTANCE
            steps.append(step(instance, no_data == "alerting" and is_no_data, None, at, timing))
        if no_data == "alerting" and NO_DATA_INSTANCE not in known:
            steps.append(step(Instance(NO_DATA_INSTANCE, {"herald_no_data": "true"}), True, None, at, timing))
        return steps
    seen: set[str] = set()
    for observation in observed:
        seen.add(observation.instance)
        before = known.get(observation.instance) or Instance(observation.instance, observation.labels)
        before = replace(before, labels=observation.labels, last_seen_at=at)
        condition = holds(observation.value, comparator, threshold)
        steps.append(step(before, condition, observation.value, at, timing))
    for name, instance in known.items():
        if name not in seen:  # stopped matching (or the no-data instance, now that there is data)
            steps.append(step(instance, False, None, at, timing))
    return steps


def on_error(previous: list[Instance], *, alert_on_error: bool, at: datetime) -> list[Step]:
    """A failed evaluation: every instance keeps its state; the error instance fires if asked to."""
    steps = [Step(instance, None) for instance in previous if instance.instance != ERROR_INSTANCE]
    error = next(
        (i for i in previous if i.instance == ERROR_INSTANCE), Instance(ERROR_INSTANCE, {"herald_error": "true"})
    )
    if alert_on_error:
        steps.append(step(error, True, None, at, Timing(timedelta(0), timedelta(0))))
    return steps


def after_success(previous: list[Instance], at: datetime) -> Step | None:
    """The error instance once the rule evaluates again: resolved if it was firing."""
    error = next((i for i in previous if i.instance == ERROR_INSTANCE), None)
    if error is None:
        return None
    return step(error, False, None, at, Timing(timedelta(0), timedelta(0)))


def rule_state(health: str, instances: Iterable[Instance]) -> str:
    """The rule as a whole: error, firing, pending or inactive (what the API shows)."""
    if health == "error":
        return "error"
    states = {instance.state for instance in instances if instance.instance != ERROR_INSTANCE}
    for state in ("firing", "pending"):
        if state in states:
            return state
    return "inactive"


STALE_AFTER_MIN = timedelta(seconds=60)


def reported_health(
    health: str, *, enabled: bool, next_evaluation_at: datetime | None, interval_seconds: int, now: datetime
) -> tuple[str, str | None]:
    """The health the API shows: `stale` (with why) when an enabled rule has been due for more than
    two intervals (at least a minute) without an evaluation, so a rule whose evaluation is not
    running never shows the `ok` of its last pass. Otherwise the stored health, no extra reason."""
    overdue = max(timedelta(seconds=2 * interval_seconds), STALE_AFTER_MIN)
    if enabled and next_evaluation_at is not None and now - next_evaluation_at > overdue:
        return "stale", f"due since {utc_text(next_evaluation_at)} and not evaluated; is rule evaluation running?"
    return health, None
