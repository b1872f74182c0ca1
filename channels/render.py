"""Notification text from Jinja2 templates, in a sandbox with strict undefined variables.

Templates are user input: they run in Jinja's `ImmutableSandboxedEnvironment` (no access to
attributes starting with `_`, no `mro`/`__globals__` walks, no mutating methods, ranges capped)
and see only plain data: `alert`, `event`, `links`. A variable the context lacks is an
error, found at save time by rendering against a sample alert (422 with the line), and at
send time answered by the built-in template so that a broken template never loses a page.

Every render also has a budget (`channels/budget.py`): `RENDER_SECONDS` of the rendering
thread's CPU time and `MAX_OUTPUT` characters (the built-in template: `BUILT_IN_OUTPUT`), enforced while it runs. A template over its
budget is a `TemplateProblem` like any other failure, so the built-in text goes instead and
the reason is recorded. Async callers render through `in_render_thread`, never on the loop.

Rendered for a channel type with a markup (Slack, Discord, Teams), every `{{ value }}` is
escaped for that markup (`channels/markup.py`) while the template's own text stays markup:
alert data reads as written, Herald's links (`links.*`) stay links.
"""

from __future__ import annotations

import asyncio
import functools
import traceback
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn, ParamSpec, TypeVar

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, Undefined, UndefinedError, meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from channels.base import Links, Members, Rendered, alert_fields
from channels.budget import BUILT_IN_OUTPUT, BudgetedSandbox, RenderBudget, RenderBudgetExceeded
from channels.markup import Trusted, escape_for, finalizer, plain
from workflows.payloads import AlertContent, AlertStatus, AlertView, Category, NotifyEvent, Severity

TEXT = BudgetedSandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
HTML = BudgetedSandbox(undefined=StrictUndefined, autoescape=True)
VARIABLES = {"alert", "event", "links"}
RENDER_THREADS = 2  # renders of a process at once: heavy templates queue here, not on the event loop

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class TemplateText:
    subject: str
    body: str
    body_html: str | None = None


class TemplateProblem(ValueError):
    def __init__(self, part: str, line: int | None, message: str) -> None:
        where = f"line {line}: " if line else ""
        super().__init__(f"{where}{message}")
        self.part = part
        self.line = line


BUILT_IN = TemplateText(
    subject="[{{ alert.severity | upper }}] {{ alert.title }}{% if event != 'triggered' %} ({{ event }}){% endif %}",
    body=(
        "{{ alert.description or alert.title }}\n"
        "Status: {{ alert.status }} · severity {{ alert.severity }} · {{ alert.event_count }} event(s) since "
        "{{ alert.first_seen }}"
        "{% if alert.firing_members or alert.resolved_members %}\n"
        "{{ alert.firing_members }} firing, {{ alert.resolved_members }} resolved{% endif %}"
        "{% for member in alert.members %}\n- [{{ member.status }}] "
        "{% for name, value in member.labels | dictsort %}{{ name }}={{ value }} {% endfor %}{% endfor %}"
        "{% if alert.members_left_out %}\n(and {{ alert.members_left_out }} more){% endif %}"
        "{% if alert.acknowledged_by %}\nAcknowledged by {{ alert.acknowledged_by }}{% endif %}"
        "{% if alert.resolved_by %}\nResolved by {{ alert.resolved_by }}{% endif %}"
        "{% if alert.annotations.runbook_url %}\nRunbook: {{ alert.annotations.runbook_url }}{% endif %}"
        "{% if alert.generator_url %}\nSource: {{ alert.generator_url }}{% endif %}"
        "{% for name, value in alert.labels | dictsort %}\n{{ name }}={{ value }}{% endfor %}"
    ),
)


class AbsentLabel(Undefined):
    """A label (or annotation) the alert does not carry. An empty value is an absent label, so it
    reads as an empty value would — `| int` is 0, `| float` 0.0, `+` and `~` join it as "" — while
    `| default("x")` and `is defined` still tell it apart."""

    __slots__ = ()

    def __int__(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValueError("an absent label")  # `| int` answers its default, as for ""

    def __float__(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValueError("an absent label")  # `| float` answers its default, as for ""

    def __add__(self, other: Any) -> Any:
        return "" + other

    def __radd__(self, other: Any) -> Any:
        return other + ""


class OpenLabels(dict[str, str]):
    """Labels (or annotations) as templates see them: which names an alert carries is open-ended,
    so a name it lacks reads as a lenient undefined — it renders empty, and `| default("x")`
    replaces it — while a misspelt fixed field (`alert.titel`, `alrt.title`) is still an error."""

    def __missing__(self, key: str) -> Any:  # a subclass may answer placeholders instead
        return AbsentLabel(name=key)


@functools.cache
def text_environment(channel_type: str | None = None) -> ImmutableSandboxedEnvironment:
    """The plain-text sandbox, escaping each expression for the markup of `channel_type`."""
    escape = escape_for(channel_type)
    if escape is plain:
        return TEXT
    return BudgetedSandbox(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False, finalize=finalizer(escape)
    )


def context(alert: AlertView, event: NotifyEvent, links: Links, members: Members | None = None) -> dict[str, Any]:
    fields = alert_fields(alert, members)
    fields["labels"] = OpenLabels(fields["labels"])
    fields["annotations"] = OpenLabels(fields["annotations"])
    return {
        "alert": fields,
        "event": event.value,
        "links": {
            "dashboard": Trusted(links.dashboard),
            "api": Trusted(links.api),
            "temporal_ui": Trusted(links.temporal_ui),
        },
    }


def _line(err: Exception) -> int | None:
    if isinstance(err, TemplateSyntaxError):
        return err.lineno
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if frame.filename == "<template>":
            return frame.lineno
    return None


@functools.lru_cache(maxsize=1024)
def _compiled(env: ImmutableSandboxedEnvironment, source: str) -> Template:
    """Compiling is most of a render's cost, and a tenant has few distinct templates."""
    return env.from_string(source)


@functools.cache
def _render_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=RENDER_THREADS, thread_name_prefix="herald-render")


async def in_render_thread(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `fn` (anything that renders a tenant's template) on the rendering threads, off the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_render_threads(), functools.partial(fn, *args, **kwargs))


def _generate(template: Template, values: dict[str, Any], budget: RenderBudget) -> str:
    """The output chunk by chunk, stopped as soon as it is too long or the budget's time is up."""
    chunks: list[str] = []
    size = 0
    token = RenderBudget.current.set(budget)
    try:
        for chunk in template.generate(values):
            chunks.append(chunk)
            size += len(chunk)
            if size > budget.max_output:
                raise RenderBudgetExceeded(f"size: output over {budget.max_output:,} characters")
            budget.step()
    finally:
        RenderBudget.current.reset(token)
    return "".join(chunks)


def _render_part(
    env: ImmutableSandboxedEnvironment, part: str, source: str, values: dict[str, Any], budget: RenderBudget
) -> str:
    try:
        template = _compiled(env, source)
        output = _generate(template, values, budget)
    except RenderBudgetExceeded as err:
        raise TemplateProblem(part, _line(err), str(err)) from err
    except SecurityError as err:
        raise TemplateProblem(part, _line(err), f"refused by the sandbox: {err}") from err
    except UndefinedError as err:
        raise TemplateProblem(part, _line(err), f"unknown variable: {err}") from err
    except TemplateError as err:
        raise TemplateProblem(part, _line(err), str(err)) from err
    except Exception as err:  # a filter applied to the wrong type, a division by zero...
        raise TemplateProblem(part, _line(err), f"{type(err).__name__}: {err}") from err
    return output


def render(
    text: TemplateText, values: dict[str, Any], channel_type: str | None = None, budget: RenderBudget | None = None
) -> Rendered:
    """All parts of a template, within one render budget (TemplateProblem when over it); the
    text parts in the markup of `channel_type` (see `text_environment`)."""
    budget = budget or RenderBudget()
    env = text_environment(channel_type)
    subject = " ".join(_render_part(env, "subject", text.subject, values, budget).split())
    body = _render_part(env, "body", text.body, values, budget).strip()
    html = _render_part(HTML, "body_html", text.body_html, values, budget) if text.body_html else None
    return Rendered(subject=subject, text=body, html=html)


def render_or_built_in(
    text: TemplateText | None, values: dict[str, Any], channel_type: str | None = None
) -> tuple[Rendered, str | None]:
    """The template's output, else the built-in one's and why the template failed."""
    if text is not None:
        try:
            return render(text, values, channel_type), None
        except TemplateProblem as err:
            return render_built_in(values, channel_type), f"template {err.part}: {err}"
    return render_built_in(values, channel_type), None


def render_built_in(values: dict[str, Any], channel_type: str | None = None) -> Rendered:
    """The built-in text: Herald's own template, whose output grows only with the alert (which the
    API bounds), so its size budget is that bound, and no alert is left without a message."""
    return render(BUILT_IN, values, channel_type, RenderBudget(max_output=BUILT_IN_OUTPUT))


def check(text: TemplateText, events: Collection[NotifyEvent] = ()) -> None:
    """Raise TemplateProblem for a syntax error, a top-level name the context lacks, or a render failure
    for any of `events` (none: every event) with an alert as that event finds it (see `event_samples`)."""
    for part, env, source in (
        ("subject", TEXT, text.subject),
        ("body", TEXT, text.body),
        ("body_html", HTML, text.body_html),
    ):
        if source is None:
            continue
        check_names(part, env, source, VARIABLES)
    for event in events or NotifyEvent:
        for alert in event_samples(event):
            render(text, context(alert, event, SAMPLE_LINKS))


def event_samples(event: NotifyEvent) -> list[AlertView]:
    """Sample alerts as a notice of `event` finds them: an acknowledged notice's alert is
    acknowledged, a resolved notice's resolved (acknowledged first or not), the others' triggered —
    so a template for resolved notices may read `alert.resolved_at` (a 422 before: every event was
    checked with a triggered alert, whose `resolved_at` is none)."""
    if event is NotifyEvent.ACKNOWLEDGED:
        return [sample_alert(status=AlertStatus.ACKNOWLEDGED)]
    if event is NotifyEvent.RESOLVED:
        resolved = sample_alert(status=AlertStatus.RESOLVED)
        return [resolved, resolved.model_copy(update={"acknowledged_by": None, "acknowledged_at": None})]
    return [sample_alert()]


def check_names(part: str, env: ImmutableSandboxedEnvironment, source: str, known: set[str]) -> None:
    """TemplateProblem for a syntax error or a top-level name outside `known`."""
    try:
        names = meta.find_undeclared_variables(env.parse(source))
    except TemplateSyntaxError as err:
        raise TemplateProblem(part, err.lineno, err.message or str(err)) from err
    unknown = sorted(names - known)
    if unknown:
        line = next((n for n, row in enumerate(source.splitlines(), 1) if unknown[0] in row), None)
        raise TemplateProblem(part, line, f"unknown variable {unknown[0]!r} (known: {', '.join(sorted(known))})")


def render_text(part: str, source: str, values: dict[str, Any]) -> str:
    """One plain-text template (a rule's summary or details) in the same sandbox and with its own budget."""
    return _render_part(TEXT, part, source, values, RenderBudget()).strip()


SAMPLE_LINKS = Links(
    api="https://herald.example/api/v1/alerts/sample",
    temporal_ui="https://temporal.example/namespaces/default/workflows/sample",
    dashboard="https://herald.example/dashboard/alerts/sample",
)


def sample_alert(
    *,
    severity: Severity = Severity.CRITICAL,
    category: Category = Category.SYSTEM,
    status: AlertStatus = AlertStatus.TRIGGERED,
) -> AlertView:
    at = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    return AlertView(
        alert_id="sample",
        workflow_id="alert/default/sample",
        tenant_id="default",
        key="cpu-high-db1",
        status=status,
        content=AlertContent(
            title="CPU usage above 90% on db1",
            description="cpu_usage_percent averaged 94.2 over 5 minutes (threshold 90)",
            severity=severity,
            category=category,
            source="rules",
            labels={"host": "db1", "service": "postgres"},
            annotations={"runbook": "https://runbooks.example/cpu"},
        ),
        event_count=3,
        first_seen=at,
        last_seen=at,
        acknowledged_by="ann" if status is not AlertStatus.TRIGGERED else None,
        acknowledged_at=at if status is not AlertStatus.TRIGGERED else None,
        resolved_by="ann" if status is AlertStatus.RESOLVED else None,
        resolved_at=at if status is AlertStatus.RESOLVED else None,
    )
