"""Template rendering: every default renders, bad templates are refused at save time with the
line, the sandbox refuses escapes, and a template that breaks at send time never loses a page."""

from __future__ import annotations

import pytest

from channels.render import (
    BUILT_IN,
    SAMPLE_LINKS,
    TemplateProblem,
    TemplateText,
    check,
    context,
    render,
    render_or_built_in,
    sample_alert,
)
from models.tables import Template
from models.templates import DEFAULT_TEMPLATES, choose
from workflows.payloads import AlertContent, AlertStatus, Category, NotifyEvent, Severity


def text_of(name: str) -> TemplateText:
    default = next(d for d in DEFAULT_TEMPLATES if d.name == name)
    return TemplateText(default.subject, default.body, default.body_html)


def test_the_six_defaults_ship() -> None:
    assert [d.name for d in DEFAULT_TEMPLATES] == [
        "Critical System Alert",
        "High System Alert",
        "System Alert – Slack",
        "Application Error Alert – Slack",
        "Business Metric Alert",
        "Security Alert – Slack",
    ]


@pytest.mark.parametrize("name", [d.name for d in DEFAULT_TEMPLATES])
@pytest.mark.parametrize("status", list(AlertStatus))
def test_each_default_renders_for_every_event(name: str, status: AlertStatus) -> None:
    text = text_of(name)
    check(text)
    for event in NotifyEvent:
        rendered = render(text, context(sample_alert(status=status), event, SAMPLE_LINKS))
        assert "CPU usage above 90% on db1" in rendered.subject
        assert rendered.text and "\n" not in rendered.subject
    is_email = next(d for d in DEFAULT_TEMPLATES if d.name == name).channel_type == "email"
    if is_email and status is not AlertStatus.TRIGGERED:
        assert "acknowledged by ann" in rendered.text


def test_critical_email_says_what_and_links_to_the_alert() -> None:
    rendered = render(text_of("Critical System Alert"), context(sample_alert(), NotifyEvent.TRIGGERED, SAMPLE_LINKS))
    assert rendered.subject == "[CRITICAL] CPU usage above 90% on db1"
    assert "host: db1" in rendered.text and "Runbook:    https://runbooks.example/cpu" in rendered.text
    assert rendered.html is not None and 'href="https://herald.example/dashboard/alerts/sample"' in rendered.html
    acked = render(text_of("Critical System Alert"), context(sample_alert(), NotifyEvent.ACKNOWLEDGED, SAMPLE_LINKS))
    assert acked.subject == "[CRITICAL · ACKNOWLEDGED] CPU usage above 90% on db1"


def test_html_part_escapes_alert_text_and_text_part_keeps_it() -> None:
    alert = sample_alert()
    alert.content = AlertContent(title="<script>alert(1)</script>", labels={"x": "<b>"}, severity=Severity.CRITICAL)
    rendered = render(text_of("Critical System Alert"), context(alert, NotifyEvent.TRIGGERED, SAMPLE_LINKS))
    assert rendered.html is not None and "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "<script>alert(1)</script>" in rendered.subject


@pytest.mark.parametrize(
    ("text", "part", "line", "says"),
    [
        (TemplateText("{{ alert.title", "b"), "subject", 1, "unexpected end of template"),
        (TemplateText("ok", "line one\n{% for x in %}"), "body", 2, "Expected an expression"),
        (TemplateText("ok", "fine\nstill fine\n{{ alrt.title }}"), "body", 3, "unknown variable 'alrt'"),
        (TemplateText("{{ alert.no_such_field }}", "b"), "subject", 1, "unknown variable"),
        (TemplateText("ok", "{{ alert.title | no_such_filter }}"), "body", 1, "No filter named 'no_such_filter'"),
    ],
)
def test_bad_templates_are_refused_with_the_line(text: TemplateText, part: str, line: int, says: str) -> None:
    with pytest.raises(TemplateProblem) as problem:
        check(text)
    assert problem.value.part == part and problem.value.line == line and says in str(problem.value)


@pytest.mark.parametrize(
    "attempt",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ alert.__class__ }}",
        "{{ lipsum.__globals__['os'].system('id') }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ alert.labels.update({'host': 'x'}) }}",
        "{% for c in ().__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
        "{{ self._TemplateReference__context }}",
        "{{ range(10**9) | list | length }}",
    ],
)
def test_sandbox_escapes_are_refused(attempt: str) -> None:
    with pytest.raises(TemplateProblem):
        check(TemplateText(attempt, "body"))


def test_a_template_that_breaks_at_send_time_falls_back_to_the_built_in_text() -> None:
    broken = TemplateText("{{ alert.labels.region }}", "b")  # the sample has no `region` label
    values = context(sample_alert(), NotifyEvent.TRIGGERED, SAMPLE_LINKS)
    rendered, problem = render_or_built_in(broken, values)
    assert rendered == render(BUILT_IN, values)
    assert problem is not None and "region" in problem


def template(name: str, channel_type: str = "email", **matchers: list[str]) -> Template:
    values: dict[str, list[str]] = {"events": [], "severities": [], "categories": [], **matchers}
    return Template(name=name, channel_type=channel_type, **values)


def test_the_most_specific_template_wins() -> None:
    rows = [
        template("any email"),
        template("critical", severities=["critical"]),
        template("critical system", severities=["critical"], categories=["system"]),
        template("slack", "slack"),
        template("resolved only", events=["resolved"]),
    ]

    def pick(**kw: str) -> str | None:
        found = choose(
            rows, **{"channel_type": "email", "event": "triggered", "severity": "high", "category": "system", **kw}
        )
        return found.name if found else None

    assert pick(severity="critical") == "critical system"
    assert pick(severity="critical", category=Category.BUSINESS.value) == "critical"
    assert pick() == "any email"
    assert pick(event="resolved") == "resolved only"
    assert pick(channel_type="teams") is None
