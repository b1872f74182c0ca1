"""Template bodies: Jinja2 text per channel type, optionally narrowed to events, severities, categories."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from channels.config import ChannelType
from workflows.payloads import AlertStatus, Category, NotifyEvent, Severity

STRICT = ConfigDict(extra="forbid")
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Source = Annotated[str, StringConstraints(max_length=20000)]
VARIABLES_HELP = (
    "Jinja2 in a sandbox. Variables: `alert` (id, key, title, description, severity, category, source, status, "
    "labels, annotations, event_count, first_seen, last_seen, acknowledged_at, acknowledged_by, resolved_at, resolved_by), `event` "
    "(triggered, renotified, escalated, acknowledged, resolved), `links` (dashboard, api, temporal_ui). "
    "An unknown variable is an error."
)


class TemplateIn(BaseModel):
    model_config = STRICT
    name: Name
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    channel_type: ChannelType
    events: list[NotifyEvent] = Field(default_factory=list, description="Empty: every event")
    severities: list[Severity] = Field(default_factory=list, description="Empty: any severity")
    categories: list[Category] = Field(default_factory=list, description="Empty: any category")
    subject: Source = Field(description="One line: email subject, chat title, SMS text. " + VARIABLES_HELP)
    body: Source = Field(description="Plain text (Slack: mrkdwn)")
    body_html: Source | None = Field(None, description="Email only: the HTML part (autoescaped)")


class TemplateOut(TemplateIn):
    id: str
    created_at: datetime
    updated_at: datetime


class PreviewIn(BaseModel):
    model_config = STRICT
    template_id: str | None = Field(None, description="Render a stored template; or give subject/body here")
    subject: Source | None = None
    body: Source | None = None
    body_html: Source | None = None
    event: NotifyEvent = NotifyEvent.TRIGGERED
    severity: Severity = Severity.CRITICAL
    category: Category = Category.SYSTEM
    status: AlertStatus = AlertStatus.TRIGGERED


class PreviewOut(BaseModel):
    subject: str
    body: str
    body_html: str | None
