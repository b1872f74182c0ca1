"""Evaluating rules: observe each rule's source, step its instances, and say what changed.

`observe_batch` reads pushed metrics for a whole batch with one query (the batch's widest
window) and asks Prometheus per rule. `outcome` is pure given the observations. The same code
serves the scheduled evaluation (which persists the outcome) and the API's dry-run test.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.render import OpenLabels, TemplateProblem, render_text
from models.metric_store import Series, SeriesLabels, read_series
from models.rule_tables import DataSource, Rule, RuleState
from models.secrets import SecretBox
from models.selectors import Selector, SelectorError, parse_selector
from models.text import unstorable
from rules.aggregate import Aggregation
from rules.semantics import (
    ERROR_INSTANCE,
    NO_DATA_INSTANCE,
    Instance,
    NoData,
    Observation,
    Step,
    Timing,
    after_success,
    evaluate,
    on_error,
)
from rules.sources import (
    PrometheusSource,
    QueryFailed,
    SourceUnreachable,
    from_series,
    prometheus_query,
    promql,
)

DEFAULT_SUMMARY = (
    "{{ rule.name }}: {{ value | round(2) if value is not none else 'no data' }} {{ rule.comparator }} "
    "{{ rule.threshold }}{% if labels %} ({% for k, v in labels | dictsort %}{{ k }}={{ v }}"
    "{% if not loop.last %}, {% endif %}{% endfor %}){% endif %}"
)
TEMPLATE_VARIABLES = {"rule", "value", "labels"}
PROMETHEUS_CONCURRENCY = 16


log = logging.getLogger("herald.rules")


@dataclass(frozen=True)
class Outcome:
    rule_id: str
    steps: list[Step]
    health: str  # ok / error
    error: str | None
    at: datetime


def instance_of(row: RuleState) -> Instance:
    """A stored instance row as the state machine's `Instance`."""
    return Instance(
        instance=row.instance,
        labels=row.labels,
        state=cast(Any, row.state),
        value=row.value,
        active_since=row.active_since,
        fired_at=row.fired_at,
        last_true_at=row.last_true_at,
        last_seen_at=row.last_seen_at,
    )


def timing(rule: Rule) -> Timing:
    return Timing(timedelta(seconds=rule.for_seconds), timedelta(seconds=rule.keep_firing_for_seconds))


def prometheus_source(row: DataSource, box: SecretBox) -> PrometheusSource:
    secrets = box.open(row.secret)
    return PrometheusSource(
        url=row.url,
        bearer_token=secrets.get("bearer_token"),
        username=row.config.get("username"),
        password=secrets.get("password"),
        timeout=float(row.config.get("timeout_seconds", 10)),
    )


def storable(observations: list[Observation]) -> list[Observation]:
    """Observations whose labels PostgreSQL can store; a NUL or a lone surrogate (which text and
    JSONB refuse, and which would fail the whole batch's transaction) is the rule's error instead."""
    for observation in observations:
        for name, value in observation.labels.items():
            problem = unstorable(name) or unstorable(value)
            if problem:
                raise QueryFailed(f"the source returned a label ({name!r}) that {problem}")
    return observations


def _in_window(series: Series, since: datetime) -> Series:
    return Series(series.id, series.name, series.labels, [p for p in series.points if p[0] > since])


async def observe_batch(
    session: AsyncSession,
    http: httpx.AsyncClient,
    box: SecretBox,
    rules: Sequence[Rule],
    at: datetime,
    known: SeriesLabels | None = None,
) -> dict[str, list[Observation] | QueryFailed]:
    """Each rule's observations at `at`, or why its source could not answer."""
    results: dict[str, list[Observation] | QueryFailed] = {}
    pushed: list[tuple[Rule, Selector]] = []
    for rule in rules:
        if rule.data_source_id is None:
            try:
                pushed.append((rule, parse_selector(rule.query)))
            except SelectorError as err:
                results[rule.id] = QueryFailed(f"query: {err}")
    if pushed:
        found = await _read_pushed(session, pushed, at, known)
        for rule, selector in pushed:
            since = at - timedelta(seconds=rule.window_seconds)
            series = [_in_window(s, since) for s in found[(rule.tenant_id, selector)]]
            try:
                results[rule.id] = from_series(series, cast(Aggregation | None, rule.aggregation), rule.group_by)
            except Exception as err:  # this rule's error, never the batch's
                log.warning("rule %s: pushed series could not be aggregated", rule.id, exc_info=True)
                results[rule.id] = QueryFailed(f"evaluation failed: {type(err).__name__}: {err}")
    remote = [rule for rule in rules if rule.data_source_id is not None]
    if remote:
        rows = await session.execute(select(DataSource).where(DataSource.id.in_({r.data_source_id for r in remote})))
        sources = {row.id: row for row in rows.scalars()}
        slots = asyncio.Semaphore(PROMETHEUS_CONCURRENCY)

        down: dict[str, SourceUnreachable] = {}  # a source that did not answer once in this batch

        async def ask(rule: Rule) -> None:
            row = sources.get(rule.data_source_id or "")
            if row is None or row.tenant_id != rule.tenant_id:
                results[rule.id] = QueryFailed(f"data source {rule.data_source_id} no longer exists")
                return
            query = promql(rule.query, cast(Aggregation | None, rule.aggregation), rule.window_seconds)
            async with slots:
                if row.id in down:
                    results[rule.id] = down[row.id]
                    return
                try:
                    results[rule.id] = storable(await prometheus_query(http, prometheus_source(row, box), query, at))
                except SourceUnreachable as err:
                    down[row.id] = err
                    results[rule.id] = err
                except QueryFailed as err:
                    results[rule.id] = err
                except Exception as err:  # one tenant's source never fails another's rules: this rule's error
                    log.warning("rule %s: data source %s failed unexpectedly", rule.id, row.id, exc_info=True)
                    results[rule.id] = QueryFailed(f"data source {row.name!r} failed: {type(err).__name__}: {err}")

        await asyncio.gather(*(ask(rule) for rule in remote))
    return results


async def _read_pushed(
    session: AsyncSession, pushed: list[tuple[Rule, Selector]], at: datetime, known: SeriesLabels | None
) -> dict[tuple[str, Selector], list[Series]]:
    """One read per tenant over the batch's widest window; each rule then keeps its own window.
    Keyed by tenant too: the same query text in two tenants reads two tenants' series."""
    found: dict[tuple[str, Selector], list[Series]] = {}
    for tenant in {rule.tenant_id for rule, _ in pushed}:
        mine = [(rule, selector) for rule, selector in pushed if rule.tenant_id == tenant]
        widest = max(rule.window_seconds for rule, _ in mine)
        selectors = [selector for _, selector in mine]
        read = await read_series(session, tenant, selectors, at - timedelta(seconds=widest), at, known=known)
        found.update({(tenant, selector): series for selector, series in read.items()})
    return found


def outcome(rule: Rule, previous: list[Instance], observed: list[Observation] | QueryFailed, at: datetime) -> Outcome:
    if isinstance(observed, QueryFailed):
        return Outcome(
            rule.id, on_error(previous, alert_on_error=rule.alert_on_error, at=at), "error", str(observed), at
        )
    steps = evaluate(
        previous,
        observed,
        comparator=rule.comparator,
        threshold=rule.threshold,
        no_data=cast(NoData, rule.no_data),
        at=at,
        timing=timing(rule),
    )
    cleared = after_success(previous, at)
    if cleared is not None and (cleared.transition or cleared.after.state != "inactive"):
        steps.append(cleared)
    return Outcome(rule.id, steps, "ok", None, at)


def template_values(rule: Rule, labels: dict[str, str], value: float | None) -> dict[str, Any]:
    return {
        "rule": {
            "name": rule.name,
            "severity": rule.severity,
            "category": rule.category,
            "query": rule.query,
            "comparator": rule.comparator,
            "threshold": rule.threshold,
            "aggregation": rule.aggregation,
            "window_seconds": rule.window_seconds,
        },
        "value": value,
        "labels": labels if isinstance(labels, OpenLabels) else OpenLabels(labels),
    }


def humanize_seconds(seconds: int) -> str:
    """`300` → `5m`, `5400` → `1h30m`, `45` → `45s` (Prometheus's duration notation)."""
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def describe(rule: Rule, instance: Instance, error: str | None) -> tuple[str, str]:
    """The alert's title and description for an instance (a broken template falls back, never loses the alert)."""
    if instance.instance == ERROR_INSTANCE:
        return f"Rule {rule.name!r} cannot be evaluated", error or "the rule's query failed"
    if instance.instance == NO_DATA_INSTANCE:
        # No value to put in the rule's summary: say what happened rather than render `None`.
        window = humanize_seconds(rule.window_seconds)
        details = f"{rule.query} returned no data in the last {window}."
        return f"{rule.name}: no data for {window}", f"{details}\n{rule.description}".strip()
    values = template_values(rule, instance.labels, instance.value)
    try:
        title = render_text("summary", rule.summary or DEFAULT_SUMMARY, values)
    except TemplateProblem:
        title = render_text("summary", DEFAULT_SUMMARY, values)
    try:
        details = render_text("details", rule.details, values) if rule.details else rule.description
    except TemplateProblem as err:
        details = f"{rule.description}\n(details template failed: {err})"
    return title[:500] or rule.name, details
