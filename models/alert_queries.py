"""Reads of the alert projection: filtered pages, one alert with its timeline, statistics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Text, any_, bindparam, case, false, func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from models.cursors import decode_cursor, encode_cursor
from models.errors import InvalidQuery
from models.tables import Alert, AlertEvent, AlertMember

SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
SORTABLE = ("created_at", "last_seen", "severity", "event_count")


class LabelTest(Protocol):
    """A test of one label's value, `""` when the label is absent (`noise.matchers.Matcher` is one)."""

    @property
    def name(self) -> str: ...

    def matches(self, value: str) -> bool: ...


@dataclass
class AlertFilter:
    status: list[str] = field(default_factory=list)
    severity: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    matchers: list[LabelTest] = field(default_factory=list)  # Alertmanager matchers, all must match
    since: datetime | None = None
    until: datetime | None = None
    text: str = ""  # free text: the title, source or dedup key contains it (case-insensitive)


@dataclass
class Page:
    items: Sequence[Alert]
    total: int
    next_cursor: str | None


def _conditions(tenant_id: str, flt: AlertFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Alert.tenant_id == tenant_id]
    if flt.status:
        conditions.append(Alert.status.in_(flt.status))
    if flt.severity:
        conditions.append(Alert.severity.in_(flt.severity))
    if flt.category:
        conditions.append(Alert.category.in_(flt.category))
    if flt.source:
        conditions.append(Alert.source.in_(flt.source))
    present = {name: value for name, value in flt.labels.items() if value}
    if present:
        conditions.append(Alert.labels.contains(present))
    for name in (name for name, value in flt.labels.items() if not value):
        # `env=` matches alerts without `env`: an empty value is an absent label (as in Prometheus);
        # rows stored before labels were canonical may hold the empty value itself.
        conditions.append(or_(~Alert.labels.has_key(name), Alert.labels[name].astext == ""))
    if flt.text:
        pattern = "%" + flt.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(Alert.title.ilike(pattern), Alert.source.ilike(pattern), Alert.dedup_key.ilike(pattern)))
    if flt.since:
        conditions.append(Alert.created_at >= flt.since)
    if flt.until:
        conditions.append(Alert.created_at < flt.until)
    return conditions


async def _matcher_conditions(
    session: AsyncSession, tests: list[LabelTest], narrowed: list[ColumnElement[bool]]
) -> list[ColumnElement[bool]]:
    """Each test becomes `labels->>name = ANY(values it accepts)`: the test itself (an RE2 regex, not
    PostgreSQL's) runs here over the distinct values the otherwise filtered alerts hold, in the
    request's snapshot; an absent label (or a stored empty value) is kept if the test accepts `""`."""
    conditions: list[ColumnElement[bool]] = []
    for test in tests:
        value = Alert.labels[test.name].astext
        held = await session.scalars(select(value).distinct().where(*narrowed, Alert.labels.has_key(test.name)))
        wanted = [v for v in held if v and test.matches(v)]
        condition = value == any_(bindparam(None, wanted, type_=ARRAY(Text))) if wanted else false()
        if test.matches(""):
            condition = or_(condition, ~Alert.labels.has_key(test.name), value == "")
        conditions.append(condition)
    return conditions


def _sort_column(name: str) -> ColumnElement[Any]:
    if name == "severity":
        return case(SEVERITY_RANK, value=Alert.severity, else_=9)
    return getattr(Alert, name)  # type: ignore[no-any-return]


def _sort_value(alert: Alert, name: str) -> Any:
    if name == "severity":
        return SEVERITY_RANK.get(alert.severity, 9)
    return getattr(alert, name)


async def list_alerts(
    *, session: AsyncSession, tenant_id: str, flt: AlertFilter, sort: str, limit: int, cursor: str | None
) -> Page:
    descending = sort.startswith("-")
    sort_name = sort.lstrip("-")
    if sort_name not in SORTABLE:
        raise InvalidQuery("sort", f"sort must be one of {', '.join(SORTABLE)} (prefix - for descending)")
    conditions = _conditions(tenant_id, flt)
    conditions += await _matcher_conditions(session, flt.matchers, list(conditions))
    total = await session.scalar(select(func.count()).select_from(Alert).where(*conditions)) or 0

    column = _sort_column(sort_name)
    query = select(Alert).where(*conditions)
    if cursor:
        dated = sort_name in ("created_at", "last_seen")
        value, last_id = decode_cursor(cursor, sort_name, datetime.fromisoformat if dated else None)
        key = tuple_(column, Alert.id)
        query = query.where(key < tuple_(value, last_id) if descending else key > tuple_(value, last_id))
    order = (column.desc(), Alert.id.desc()) if descending else (column.asc(), Alert.id.asc())
    rows = (await session.scalars(query.order_by(*order).limit(limit + 1))).all()
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = encode_cursor(sort_name, _sort_value(last, sort_name), last.id) if last else None
    return Page(items=rows[:limit], total=total, next_cursor=next_cursor)


async def get_alert(*, session: AsyncSession, tenant_id: str, alert_id: str) -> Alert | None:
    return await session.scalar(select(Alert).where(Alert.tenant_id == tenant_id, Alert.id == alert_id))


async def get_alerts(*, session: AsyncSession, tenant_id: str, alert_ids: list[str]) -> dict[str, Alert]:
    rows = await session.scalars(select(Alert).where(Alert.tenant_id == tenant_id, Alert.id.in_(alert_ids)))
    return {row.id: row for row in rows}


async def timeline(*, session: AsyncSession, alert_id: str) -> Sequence[AlertEvent]:
    rows = await session.scalars(
        select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.at, AlertEvent.id)
    )
    return rows.all()


async def members(
    *, session: AsyncSession, alert_id: str, status: str | None = None, after: str | None = None, limit: int = 100
) -> Sequence[AlertMember]:
    """An incident's members ordered by key, from just after `after` (keyset pagination)."""
    query = select(AlertMember).where(AlertMember.alert_id == alert_id)
    if status is not None:
        query = query.where(AlertMember.status == status)
    if after is not None:
        query = query.where(AlertMember.key > after)
    rows = await session.scalars(query.order_by(AlertMember.key).limit(limit))
    return rows.all()


async def firing_member_labels(*, session: AsyncSession, alert_id: str, limit: int) -> list[dict[str, str]]:
    """The label sets of an incident's first `limit` firing members, by key."""
    rows = await session.scalars(
        select(AlertMember.labels)
        .where(AlertMember.alert_id == alert_id, AlertMember.status == "firing")
        .order_by(AlertMember.key)
        .limit(limit)
    )
    return [{str(name): str(value) for name, value in labels.items()} for labels in rows]


async def resolved_member_labels(
    *, session: AsyncSession, alert_id: str, keys: list[str] | None
) -> list[dict[str, str]]:
    """The label sets of an incident's resolved members (those of `keys` only, unless None)."""
    query = select(AlertMember.labels).where(AlertMember.alert_id == alert_id, AlertMember.status == "resolved")
    if keys is not None:
        query = query.where(AlertMember.key.in_(keys))
    rows = await session.scalars(query.order_by(AlertMember.key))
    return [{str(name): str(value) for name, value in labels.items()} for labels in rows]


COMMON_LABELS_SCAN = 1000  # firing members whose labels decide an incident's common labels


async def notice_members(
    *, session: AsyncSession, alert_id: str, listed: int
) -> tuple[Sequence[AlertMember], dict[str, str], dict[str, str]]:
    """The members a notice lists (firing first, then resolved, each by first seen; at most
    `listed`), and the labels and the annotations shared by the first `COMMON_LABELS_SCAN` firing
    members (by key): Alertmanager's CommonLabels and CommonAnnotations."""
    shown = await session.scalars(
        select(AlertMember)
        .where(AlertMember.alert_id == alert_id)
        .order_by(AlertMember.status, AlertMember.first_seen, AlertMember.key)
        .limit(listed)
    )
    scanned = await session.execute(
        select(AlertMember.labels, AlertMember.annotations)
        .where(AlertMember.alert_id == alert_id, AlertMember.status == "firing")
        .order_by(AlertMember.key)
        .limit(COMMON_LABELS_SCAN)
    )
    common: dict[str, str] | None = None
    common_annotations: dict[str, str] | None = None
    for labels, notes in scanned:
        common = _shared(common, labels)
        common_annotations = _shared(common_annotations, notes or {})
    return shown.all(), common or {}, common_annotations or {}


def _shared(common: dict[str, str] | None, pairs: Mapping[str, object]) -> dict[str, str]:
    """What `common` (None: nothing seen yet) and `pairs` agree on."""
    text = {str(name): str(value) for name, value in pairs.items()}
    return text if common is None else {k: v for k, v in common.items() if text.get(k) == v}


@dataclass
class Durations:
    count: int
    mean_seconds: float | None
    p50_seconds: float | None
    p90_seconds: float | None


@dataclass
class Statistics:
    total: int
    by_status: dict[str, int]
    by_severity: dict[str, int]
    by_category: dict[str, int]
    to_acknowledge: Durations
    to_resolve: Durations
    per_day: list[tuple[str, int]]


async def _durations(session: AsyncSession, where: list[ColumnElement[bool]], end: Any) -> Durations:
    seconds = func.extract("epoch", end - Alert.created_at)
    row = (
        await session.execute(
            select(
                func.count(),
                func.avg(seconds),
                func.percentile_cont(0.5).within_group(seconds),
                func.percentile_cont(0.9).within_group(seconds),
            ).where(*where, end.is_not(None))
        )
    ).one()
    return Durations(
        count=int(row[0]),
        mean_seconds=float(row[1]) if row[1] is not None else None,
        p50_seconds=float(row[2]) if row[2] is not None else None,
        p90_seconds=float(row[3]) if row[3] is not None else None,
    )


async def statistics(*, session: AsyncSession, tenant_id: str, since: datetime, until: datetime) -> Statistics:
    where = [Alert.tenant_id == tenant_id, Alert.created_at >= since, Alert.created_at < until]

    async def counts(column: Any) -> dict[str, int]:
        rows = await session.execute(select(column, func.count()).where(*where).group_by(column))
        return {str(key): int(count) for key, count in rows.all()}

    by_status = await counts(Alert.status)
    day = func.date_trunc("day", func.timezone("UTC", Alert.created_at))  # UTC days, whatever the server's zone
    per_day = await session.execute(select(day, func.count()).where(*where).group_by(day).order_by(day))
    return Statistics(
        total=sum(by_status.values()),
        by_status=by_status,
        by_severity=await counts(Alert.severity),
        by_category=await counts(Alert.category),
        to_acknowledge=await _durations(session, where, Alert.acknowledged_at),
        # time to resolve counts every resolved alert, acknowledged first or not
        to_resolve=await _durations(session, where, Alert.resolved_at),
        per_day=[(d.date().isoformat(), int(c)) for d, c in per_day.all()],
    )
