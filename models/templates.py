"""Notification templates: which one a notification uses, and the six a tenant starts with.

A template applies to one channel type and optionally narrows to events, severities and
categories (empty: any). For a notification the most specific applicable template wins
(the most non-empty matchers; then the name); none applicable: the built-in text.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Template


@dataclass(frozen=True)
class DefaultTemplate:
    name: str
    channel_type: str
    severities: list[str]
    categories: list[str]
    subject: str
    body: str
    body_html: str | None = None


def applies(template: Template, *, channel_type: str, event: str, severity: str, category: str) -> bool:
    return (
        template.channel_type == channel_type
        and (not template.events or event in template.events)
        and (not template.severities or severity in template.severities)
        and (not template.categories or category in template.categories)
    )


def choose(
    templates: Sequence[Template], *, channel_type: str, event: str, severity: str, category: str
) -> Template | None:
    candidates = [
        t for t in templates if applies(t, channel_type=channel_type, event=event, severity=severity, category=category)
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda t: (-(bool(t.events) + bool(t.severities) + bool(t.categories)), t.name))


async def template_for(
    session: AsyncSession, *, tenant_id: str, channel_type: str, event: str, severity: str, category: str
) -> Template | None:
    rows = await session.scalars(
        select(Template).where(Template.tenant_id == tenant_id, Template.channel_type == channel_type)
    )
    return choose(rows.all(), channel_type=channel_type, event=event, severity=severity, category=category)


EMAIL_SUBJECT = (
    "[{{ alert.severity | upper }}{% if event != 'triggered' %} · {{ event | upper }}{% endif %}] {{ alert.title }}"
)
EMAIL_TEXT = """{{ alert.description or alert.title }}

Status:     {{ alert.status }}{% if alert.acknowledged_by %} (acknowledged by {{ alert.acknowledged_by }}){% endif %}
Severity:   {{ alert.severity }}
Category:   {{ alert.category }}
Source:     {{ alert.source }}
Events:     {{ alert.event_count }} since {{ alert.first_seen }}
{% for name, value in alert.labels | dictsort %}{{ name }}: {{ value }}
{% endfor %}{% if alert.annotations.runbook is defined %}Runbook:    {{ alert.annotations.runbook }}
{% endif %}
Alert:      {{ links.dashboard }}
History:    {{ links.temporal_ui }}"""
EMAIL_HTML = """<h2 style="color:{{ colour }}">{{ alert.title }}</h2>
<p>{{ alert.description or alert.title }}</p>
<table>
<tr><th align="left">Status</th><td>{{ alert.status }}{% if alert.acknowledged_by %} (acknowledged by {{ alert.acknowledged_by }}){% endif %}</td></tr>
<tr><th align="left">Severity</th><td>{{ alert.severity }}</td></tr>
<tr><th align="left">Events</th><td>{{ alert.event_count }} since {{ alert.first_seen }}</td></tr>
{% for name, value in alert.labels | dictsort %}<tr><th align="left">{{ name }}</th><td>{{ value }}</td></tr>
{% endfor %}</table>
<p><a href="{{ links.dashboard }}">Open the alert</a> · <a href="{{ links.temporal_ui }}">its history in Temporal</a></p>"""
SLACK_SUBJECT = "{{ alert.title }}"
SLACK_TEXT = """{{ alert.description or alert.title }}{% if alert.annotations.runbook is defined %}
<{{ alert.annotations.runbook }}|Runbook>{% endif %}"""


def _email(name: str, severities: list[str], categories: list[str], intro: str, colour: str) -> DefaultTemplate:
    return DefaultTemplate(
        name=name,
        channel_type="email",
        severities=severities,
        categories=categories,
        subject=EMAIL_SUBJECT,
        body=f"{intro}\n\n{EMAIL_TEXT}",
        body_html=f"<p>{intro}</p>\n" + EMAIL_HTML.replace("{{ colour }}", colour),
    )


def _slack(name: str, categories: list[str], lead: str) -> DefaultTemplate:
    return DefaultTemplate(
        name=name,
        channel_type="slack",
        severities=[],
        categories=categories,
        subject=f"{lead} " + SLACK_SUBJECT,
        body=SLACK_TEXT,
    )


DEFAULT_TEMPLATES = [
    _email("Critical System Alert", ["critical"], ["system"], "A critical system alert needs someone now.", "#D0021B"),
    _email("High System Alert", ["high"], ["system"], "A high-severity system alert is firing.", "#F5A623"),
    _slack("System Alert – Slack", ["system"], ":rotating_light:"),
    _slack("Application Error Alert – Slack", ["application"], ":boom:"),
    _email("Business Metric Alert", [], ["business"], "A business metric left its expected range.", "#4A90E2"),
    _slack("Security Alert – Slack", ["security"], ":lock:"),
]


async def seed_templates(session: AsyncSession, tenant_id: str) -> bool:
    """The six defaults, into a tenant that has no template yet (never over a user's changes)."""
    count = await session.scalar(select(func.count()).select_from(Template).where(Template.tenant_id == tenant_id))
    if count:
        return False
    for default in DEFAULT_TEMPLATES:
        session.add(
            Template(
                id=str(uuid.uuid4()),
                tenant_id=tenant_id,
                name=default.name,
                description="Shipped with Herald; edit freely.",
                channel_type=default.channel_type,
                events=[],
                severities=default.severities,
                categories=default.categories,
                subject=default.subject,
                body=default.body,
                body_html=default.body_html,
            )
        )
    await session.flush()
    return True
