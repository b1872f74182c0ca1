"""Inhibition, as Alertmanager has it: while an alert matching a rule's source matchers fires,
the alerts matching its target matchers that have the same values of its `equal` labels (a
label absent from both counts as equal) are inhibited — their fire notices are not sent. An
alert that matches both sides of a rule cannot be inhibited by an alert that also matches both
(itself included; Alertmanager's `inhibit/inhibit.go` and its configuration docs).

"Fires" means open (triggered or acknowledged): inhibition ends when the source resolves, and
the target's next notice goes out again. In an incident, each firing member is a source of its own
(its labels, not the incident's first member's).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Alert, AlertMember, InhibitRule
from noise.matchers import Matcher, matches
from noise.silences import stored_matchers

SOURCES_SCANNED = 1_000  # open alerts read per rule and notice: the check stays bounded in a storm


@dataclass(frozen=True)
class Inhibitor:
    """An open alert that inhibits the one asked about, and by which rule."""

    alert_id: str
    title: str
    rule_id: str


def _equality_pattern(matchers: list[Matcher], target: dict[str, str], equal: list[str]) -> dict[str, str]:
    """Labels every source must carry with these values: its `=` matchers with a value, and the
    target's non-empty values of the `equal` labels (a JSONB containment the index can use)."""
    pattern = {m.name: m.value for m in matchers if m.op == "=" and m.value}
    pattern |= {name: target[name] for name in equal if target.get(name)}
    return pattern


def _same(source: dict[str, str], target: dict[str, str], equal: list[str]) -> bool:
    return all(source.get(name, "") == target.get(name, "") for name in equal)


async def inhibiting(
    *, session: AsyncSession, tenant_id: str, alert_id: str, labels: dict[str, str]
) -> list[Inhibitor]:
    """The open alerts that inhibit the alert `alert_id` with these labels (one per rule at most)."""
    rules = await session.scalars(
        select(InhibitRule).where(InhibitRule.tenant_id == tenant_id).order_by(InhibitRule.id)
    )
    found: list[Inhibitor] = []
    for rule in rules:
        target = stored_matchers(rule.target_matchers)
        if not matches(target, labels):
            continue
        source = stored_matchers(rule.source_matchers)
        both_sides = matches(source, labels)
        pattern = _equality_pattern(source, labels, rule.equal)
        alerts = await session.execute(
            select(Alert.id, Alert.title, Alert.labels)
            .where(
                Alert.tenant_id == tenant_id,
                Alert.status != "resolved",
                Alert.id != alert_id,
                Alert.firing_members == 0,  # an incident's sources are its firing members, below
                Alert.labels.contains(pattern),
            )
            .order_by(Alert.created_at, Alert.id)
            .limit(SOURCES_SCANNED)
        )
        members = await session.execute(
            select(AlertMember.alert_id, Alert.title, AlertMember.labels)
            .join(Alert, Alert.id == AlertMember.alert_id)
            .where(
                AlertMember.tenant_id == tenant_id,
                AlertMember.status == "firing",
                AlertMember.alert_id != alert_id,
                Alert.status != "resolved",
                AlertMember.labels.contains(pattern),
            )
            .order_by(AlertMember.first_seen, AlertMember.key)
            .limit(SOURCES_SCANNED)
        )
        for source_id, title, source_labels in [*alerts, *members]:
            if both_sides and matches(target, source_labels):
                continue
            if matches(source, source_labels) and _same(source_labels, labels, rule.equal):
                found.append(Inhibitor(alert_id=source_id, title=title, rule_id=rule.id))
                break
    return found
