"""Template rendering: every default renders, bad templates are refused at save time with the
line, the sandbox refuses escapes, and a template that breaks at send time never loses a page."""

from __future__ import annotations

import asyncio
import threading
import time
import tracemalloc

import pytest

from channels.base import Members, Rendered
from channels.budget import RENDER_SECONDS
from channels.render import (
    BUILT_IN,
    SAMPLE_LINKS,
    TemplateProblem,
    TemplateText,
    check,
    context,
    in_render_thread,
    render,
    render_or_built_in,
    render_text,
    sample_alert,
)
from models.tables import Template
from models.templates import DEFAULT_TEMPLATES, choose
from tests.support.heavy_templates import SILENT_LOOP, TRIPLE_LOOP
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


def test_chat_templates_escape_alert_data_and_keep_their_own_markup() -> None:
    alert = sample_alert()
    alert.content = alert.content.model_copy(update={"title": "Disk <!channel> & <http://e.invalid|fix>"})
    rendered = render(text_of("System Alert – Slack"), context(alert, NotifyEvent.TRIGGERED, SAMPLE_LINKS), "slack")
    assert rendered.subject == ":rotating_light: Disk &lt;!channel&gt; &amp; &lt;http://e.invalid|fix&gt;"
    assert rendered.text.endswith("<https://runbooks.example/cpu|Runbook>")  # the template's own link stays
    links = TemplateText("{{ alert.title }}", "[Open]({{ links.dashboard }}) {{ alert.title | upper }}")
    discord = render(links, context(alert, NotifyEvent.TRIGGERED, SAMPLE_LINKS), "discord")
    assert (
        discord.text
        == r"[Open](https://herald.example/dashboard/alerts/sample) DISK \<!CHANNEL> & \<HTTP://E.INVALID\|FIX>"
    )
    assert render(links, context(alert, NotifyEvent.TRIGGERED, SAMPLE_LINKS), "email").subject == alert.content.title


@pytest.mark.parametrize(
    ("value", "description"),
    [
        ("<@U1> " * 170, "*" * 20_000),
        # Before: Discord's and Teams' escaping read a run of blank lines once per line it starts
        # (n² steps), and these were over the time budget: the built-in text raised.
        ("\n" * 1024, "\n" * 20_000),
        (" \n" * 512, "- \n" * 6_000),
    ],
)
def test_the_built_in_text_renders_the_largest_alert_the_api_accepts(value: str, description: str) -> None:
    # Before: a 20,000-character description with its labels was over the output budget, and the
    # built-in text (the fallback of every template) raised, so the alert reached nobody.
    alert = sample_alert()
    labels = {f"label_{n:02}": value for n in range(64)}
    alert.content = alert.content.model_copy(update={"description": description, "labels": labels})
    for channel_type in (None, "slack", "discord", "teams"):
        rendered, problem = render_or_built_in(None, context(alert, NotifyEvent.TRIGGERED, SAMPLE_LINKS), channel_type)
        assert problem is None and len(rendered.text) > 20_000


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
    broken = TemplateText("{{ alert.labels.region.name }}", "b")  # no `region` label, so it has no `.name`
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


# The render budget: time and size are enforced while a template runs, not after.


def over_budget(body: str) -> tuple[Rendered, str | None, float, int]:
    """The fallback, the reason, the seconds taken and the peak of memory allocated meanwhile."""
    values = context(sample_alert(), NotifyEvent.TRIGGERED, SAMPLE_LINKS)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        rendered, problem = render_or_built_in(TemplateText("subject", body), values)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rendered == render(BUILT_IN, values)
    return rendered, problem, elapsed, peak


def test_a_triple_loop_of_400_stops_at_the_output_cap_with_the_built_in_text() -> None:
    _, problem, elapsed, _ = over_budget(TRIPLE_LOOP)
    assert problem == "template body: template exceeded its render budget (size: output over 20,000 characters)"
    assert elapsed < 5  # 64 million iterations without the budget


def test_a_loop_without_output_stops_at_the_time_budget() -> None:
    _, problem, elapsed, _ = over_budget(SILENT_LOOP)
    assert problem is not None and "exceeded its render budget (time: over 200 ms)" in problem
    assert elapsed < 10 * RENDER_SECONDS + 5  # CPU time, so a busy machine may stretch it; never minutes


def test_repeating_a_string_beyond_the_limit_is_refused_before_it_allocates() -> None:
    _, problem, elapsed, peak = over_budget("{{ 'x' * 200000000 }}")
    assert problem is not None and "exceeded its render budget (size: '*' would make 200,000,000" in problem
    assert elapsed < 5 and peak < 10_000_000  # 200 MB without the check


def test_a_million_characters_of_output_are_cut_while_rendering() -> None:
    _, problem, _, peak = over_budget("{% for i in range(1000) %}{{ 'y' * 1000 }}{% endfor %}")
    assert problem is not None and "render budget (size: output over 20,000 characters)" in problem
    assert peak < 1_000_000  # stopped after about 20,000 characters, not a million


@pytest.mark.parametrize(
    "body",
    [
        "{{ 'x'.center(200000000) }}",
        "{{ '%200000000s' % 'x' }}",
        "{{ '%200000000s' | format('x') }}",
        "{{ '{:>200000000}'.format('x') }}",
        "{{ 'x' | center(200000000) }}",
        "{{ ('\\n' * 50000) | indent(100000) }}",
        "{% set s = 'x' * 50000 %}{{ s.replace('x', s) | length }}",
        "{% set s = 'x' * 50000 %}{{ s | replace('x', s) | length }}",
        "{% set s = 'x' * 50000 %}{{ [s] * 100000 }}",
        "{% set s = 'x' * 50000 %}{{ [{'a': s}] * 100000 }}",
        "{% set s = 'x' * 60000 %}{{ (s ~ s) | length }}",
        "{% set s = 'x' * 60000 %}{{ (s + s) | length }}",
        "{% macro twice(s, n) %}{{ twice(s ~ s, n - 1) if n else s | length }}{% endmacro %}{{ twice('x', 40) }}",
        "{% set s = 'x' * 50000 %}{% set y %}{% for i in range(100000) %}{{ s }}{% endfor %}{% endset %}{{ y|length }}",
        "{{ range(100000) | map('center', 100000) | list | length }}",
        "{{ 2 ** 100000000 }}",
        "{% set n = 10 ** 4000 %}{{ (n * n * n * n * n * n) | string | length }}",
        "{{ [1] | batch(100000000, 'x') | list | length }}",
        "{{ ([[1] * 1000] * 1000) | sum(start=[]) | length }}",
        "{{ lipsum(n=100000) | length }}",
        "{% filter upper %}{% for a in range(100000) %}{% for b in range(1000) %}x{% endfor %}{% endfor %}{% endfilter %}",
    ],
)
def test_every_way_to_grow_a_value_is_bounded(body: str) -> None:
    _, problem, elapsed, peak = over_budget(body)
    assert problem is not None and "exceeded its render budget" in problem
    assert elapsed < 10 * RENDER_SECONDS + 5 and peak < 50_000_000


def test_ordinary_templates_render_as_before() -> None:
    body = (
        "{{ alert.title }} {{ '%5.1f' % 3.14159 }} {{ '{:,}'.format(123456789) }} {{ [1, 2] + [3] }} {{ 'ab' * 3 }} "
        "{{ 2 ** 10 }} {{ alert.labels | dictsort | join(',', attribute=0) }} {{ 'x' | center(5) }}| "
        "{% for name, value in alert.labels | dictsort %}{{ name ~ '=' ~ value }};{% endfor %} {{ range(3) | sum }}"
    )
    rendered = render(TemplateText("s", body), context(sample_alert(), NotifyEvent.TRIGGERED, SAMPLE_LINKS))
    assert rendered.text == (
        "CPU usage above 90% on db1   3.1 123,456,789 [1, 2, 3] ababab 1024 host,service   x  | "
        "host=db1;service=postgres; 3"
    )


def test_a_rule_summary_over_budget_is_a_template_problem() -> None:
    with pytest.raises(TemplateProblem, match="exceeded its render budget"):
        render_text("summary", SILENT_LOOP, {})


async def test_rendering_off_the_loop_runs_on_a_rendering_thread_and_the_loop_keeps_answering() -> None:
    values = context(sample_alert(), NotifyEvent.TRIGGERED, SAMPLE_LINKS)
    names: list[str] = []

    def heavy() -> tuple[Rendered, str | None]:
        names.append(threading.current_thread().name)
        return render_or_built_in(TemplateText("s", SILENT_LOOP), values)

    task = asyncio.ensure_future(in_render_thread(heavy))
    ticks = 0
    while not task.done():
        await asyncio.sleep(0.005)
        ticks += 1
    _, problem = await task
    assert names and names[0].startswith("herald-render") and names[0] != threading.current_thread().name
    assert problem is not None and "render budget (time" in problem
    assert ticks > 1  # the loop ran other work while the template did


@pytest.mark.parametrize("mapping", ["labels", "annotations"])
def test_a_template_may_read_any_label_and_an_absent_one_renders_empty(mapping: str) -> None:
    """Labels are open-ended: `alert.labels.team` saves, renders the value when the alert has it,
    empty (or its default) when it does not; the sample alert's own labels are no limit."""
    text = TemplateText(
        f"[{{{{ alert.{mapping}.team }}}}] {{{{ alert.title }}}}",
        f"owner: {{{{ alert.{mapping}.team | default('unowned') }}}}",
        None,
    )
    check(text)  # a 422 "unknown variable" before: the sample alert has no `team`
    plain = sample_alert()
    rendered = render(text, context(plain, NotifyEvent.TRIGGERED, SAMPLE_LINKS))
    assert rendered.subject == "[] CPU usage above 90% on db1" and rendered.text == "owner: unowned"
    content = plain.content.model_copy(update={mapping: {"team": "storage"}})
    owned = plain.model_copy(update={"content": content})
    rendered = render(text, context(owned, NotifyEvent.TRIGGERED, SAMPLE_LINKS))
    assert rendered.subject == "[storage] CPU usage above 90% on db1" and rendered.text == "owner: storage"


@pytest.mark.parametrize(
    "expression",
    [
        "alert.labels.priority | int",
        "(alert.labels.priority | int) >= 3",
        "alert.labels.ratio | float",
        "alert.labels.team + '!'",
        "'team ' + alert.annotations.team",
        "alert.labels.team ~ '!'",
        "alert.annotations.x | upper",
        "alert.labels.team | length",
    ],
)
def test_an_absent_label_reads_as_an_empty_value_in_any_expression(expression: str) -> None:
    """An empty value is an absent label: whatever a template does with a label (convert it, add
    to it), an alert without it saves and renders as one with the empty value would (`| int`,
    `| float` and `+` were a 422 "unknown variable" at save time)."""
    text = TemplateText("subject", f"[{{{{ {expression} }}}}]", None)
    check(text)
    plain = sample_alert()
    absent = render(text, context(plain, NotifyEvent.TRIGGERED, SAMPLE_LINKS)).text
    empty = {"priority": "", "ratio": "", "team": "", "x": ""}
    content = plain.content.model_copy(update={"labels": empty, "annotations": empty})
    as_empty = render(text, context(plain.model_copy(update={"content": content}), NotifyEvent.TRIGGERED, SAMPLE_LINKS))
    assert absent == as_empty.text


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("{{ alrt.title }}", "unknown variable 'alrt'"),
        ("{{ alert.titel }}", "titel"),
        ("{{ alert.labels.team.name.first }}", "team"),
        ("{{ link.dashboard }}", "unknown variable 'link'"),
    ],
)
def test_a_typo_in_a_fixed_field_is_still_refused(source: str, words: str) -> None:
    with pytest.raises(TemplateProblem, match=words):
        check(TemplateText("subject", source, None))


def test_a_template_for_resolved_notices_may_read_what_a_resolved_alert_has() -> None:
    """Each event is checked with an alert as its notice finds it: a resolved notice's alert has
    `resolved_at` (every event was checked with a triggered alert, so this was a 422), and it may
    or may not have been acknowledged."""
    text = TemplateText("Resolved at {{ alert.resolved_at[11:16] }}", "by {{ alert.resolved_by | upper }}", None)
    check(text, [NotifyEvent.RESOLVED])
    with pytest.raises(TemplateProblem, match="not subscriptable"):
        check(text)  # for every event: a triggered alert has no resolved_at, so it would fail when sent
    acknowledged = TemplateText("Acknowledged at {{ alert.acknowledged_at[11:16] }}", "-", None)
    check(acknowledged, [NotifyEvent.ACKNOWLEDGED])
    with pytest.raises(TemplateProblem, match="not subscriptable"):
        check(acknowledged, [NotifyEvent.RESOLVED])  # a resolved alert need not have been acknowledged


def test_an_incident_notice_lists_its_members_and_says_how_many_were_left_out() -> None:
    alert = sample_alert().model_copy(update={"firing_members": 23, "resolved_members": 2, "group_labels": {"a": "b"}})
    listed = [
        {
            "key": f"k{i}",
            "labels": {"host": f"n{i}"},
            "title": "down",
            "status": "firing",
            "first_seen": "",
            "last_seen": "",
        }
        for i in range(20)
    ]
    members = Members(listed=listed, left_out=5, common_labels={"alertname": "NodeDown"})
    body = render(BUILT_IN, context(alert, NotifyEvent.TRIGGERED, SAMPLE_LINKS, members)).text
    assert "23 firing, 2 resolved" in body
    assert body.count("- [firing] host=n") == 20 and "(and 5 more)" in body
    custom = TemplateText(
        "s", "{{ alert.common_labels.alertname }} {{ alert.group_labels.a }} {{ alert.members_left_out }}"
    )
    assert render(custom, context(alert, NotifyEvent.TRIGGERED, SAMPLE_LINKS, members)).text == "NodeDown b 5"
    plain = render(BUILT_IN, context(sample_alert(), NotifyEvent.TRIGGERED, SAMPLE_LINKS)).text
    assert "firing," not in plain and "- [" not in plain  # an ungrouped alert reads as before


def test_the_built_in_text_shows_an_alertmanager_alerts_runbook_and_source() -> None:
    alert = sample_alert()
    alert.content.annotations = {"runbook_url": "https://runbooks.example/cpu"}
    alert.content.generator_url = "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0"
    body = render(BUILT_IN, context(alert, NotifyEvent.TRIGGERED, SAMPLE_LINKS)).text
    assert "\nRunbook: https://runbooks.example/cpu" in body
    assert "\nSource: http://prometheus:9090/graph?g0.expr=up+%3D%3D+0" in body
    plain = render(BUILT_IN, context(sample_alert(), NotifyEvent.TRIGGERED, SAMPLE_LINKS)).text
    assert "Runbook:" not in plain and "Source:" not in plain
    html = render(BUILT_IN, context(alert, NotifyEvent.TRIGGERED, SAMPLE_LINKS), "email").text
    assert "g0.expr=up+%3D%3D+0" in html
