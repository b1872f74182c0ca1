"""Silences, as Alertmanager has them: matchers over an alert's labels and a time range during
which the alerts they match send no fire notices.

A silence is *pending* before `starts_at`, *active* from `starts_at` until `ends_at` (end
exclusive), *expired* after. Expiring one early sets its `ends_at` to the moment (and, for a
pending one, its `starts_at` too), so its record stays. Editing an active silence expires it and
creates a new one, so that what muted an alert in the past can always be read back as it was
(Alertmanager's `silence.go`, "Set": an update that would change an active silence's matchers
or move its start ends it and makes a new one).

Which notices a silence mutes is the notify activity's rule: a triggered, renotified or escalated
notice (to a channel or a person) of an alert that an active silence matches is not sent and the
alert's timeline says which silences muted it; acknowledged and resolved notices still reach the
recipients that heard the alert fire ("if we told you it fired, we tell you it resolved").
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Literal, TypeVar

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from models.tables import MaintenanceWindow, Silence
from noise.matchers import Matcher, matches, parse_matcher

SilenceState = Literal["pending", "active", "expired"]


def states_clause(
    starts_at: InstrumentedAttribute[datetime],
    ends_at: InstrumentedAttribute[datetime],
    states: list[SilenceState],
    now: datetime,
) -> ColumnElement[bool]:
    """SQL for `silence_state(...) in states` over a table's start and end columns (silences, maintenance windows)."""
    wanted: list[ColumnElement[bool]] = []
    if "pending" in states:
        wanted.append(starts_at > now)
    if "active" in states:
        wanted.append((starts_at <= now) & (ends_at > now))
    if "expired" in states:
        wanted.append(ends_at <= now)
    return or_(*wanted)


Windowed = TypeVar("Windowed", Silence, MaintenanceWindow)


async def windows_in_states(
    session: AsyncSession,
    table: type[Windowed],
    tenant_id: str,
    states: list[SilenceState] | None,
    now: datetime,
    limit: int,
) -> list[Windowed]:
    """A tenant's silences or maintenance windows (`table`) in these states (all when None), the
    latest `ends_at` first, at most `limit`."""
    query = select(table).where(table.tenant_id == tenant_id)
    if states:
        query = query.where(states_clause(table.starts_at, table.ends_at, states, now))
    return list(await session.scalars(query.order_by(table.ends_at.desc(), table.id).limit(limit)))


def silence_state(starts_at: datetime, ends_at: datetime, now: datetime) -> SilenceState:
    if now < starts_at:
        return "pending"
    return "active" if now < ends_at else "expired"


@lru_cache(maxsize=4096)
def _matcher(text: str) -> Matcher:
    """A stored matcher, parsed once per process (stored text is canonical and was valid when saved)."""
    return parse_matcher(text)


def stored_matchers(texts: list[str]) -> list[Matcher]:
    return [_matcher(text) for text in texts]


async def silencing(*, session: AsyncSession, tenant_id: str, labels: dict[str, str], at: datetime) -> list[str]:
    """The ids of the tenant's silences active at `at` whose matchers all match `labels`, oldest first."""
    rows = await session.execute(
        select(Silence.id, Silence.matchers)
        .where(Silence.tenant_id == tenant_id, Silence.starts_at <= at, Silence.ends_at > at)
        .order_by(Silence.starts_at, Silence.id)
    )
    return [silence_id for silence_id, texts in rows if matches(stored_matchers(texts), labels)]
