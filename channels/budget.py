"""A render budget for tenants' templates: time and size, enforced while a template runs.

Jinja's sandbox stops escapes, not costs: a loop of loops runs for minutes and `'x' * 10**9`
allocates a gigabyte before any cap on the output applies. `BudgetedSandbox` adds:

* time: every `for` loop iterates through `budgeted_iter` and every call goes through the
  sandbox's `call`; both look at the clock of the render under way (`RenderBudget`, carried in
  a context variable) and stop it once it has used `RENDER_SECONDS` of its thread's CPU time
  (CPU, not wall time: a render waiting for the GIL behind other work is not the template's fault);
* size: the operations that can make a value much larger than their operands (`*`, `+`, `**`,
  `%`, `~`, joins of buffered output, `str` padding, `replace`, `join`, `format` and the
  filters `center`, `indent`, `wordwrap`, `replace`, `join`, `format`, `batch`, `slice`, `sum`)
  are checked *before* they allocate, so that no value passes `MAX_VALUE` characters (or items),
  and what they make is counted against `MAX_ALLOCATED` for the whole render.

The caller (`channels/render.py`) renders with `Template.generate` and checks the output's
length between chunks. Everything over budget raises `RenderBudgetExceeded`.
"""

from __future__ import annotations

import functools
import re
import string
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.filters import make_attrgetter
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import generate_lorem_ipsum

RENDER_SECONDS = 0.2  # CPU time of one render (subject, body and HTML part together)
MAX_OUTPUT = 20_000  # characters of one rendered part
# The built-in template's output is bounded by what the API accepts (a 20,000-character
# description, 64 labels of 1,024), twice over for escaping: it must never be over budget.
BUILT_IN_OUTPUT = 400_000
MAX_VALUE = 100_000  # characters (or items) of any one value a template makes
MAX_ALLOCATED = 2_000_000  # characters made by the checked operations over one render
MAX_INT_BITS = 65_536  # integers beyond that make multiplication and printing slow
CLOCK_EVERY = 256  # loop iterations and calls between two looks at the clock


class RenderBudgetExceeded(SecurityError):
    """A template used more time or made more text than one render may."""

    def __init__(self, what: str) -> None:
        super().__init__(f"template exceeded its render budget ({what})")


class RenderBudget:
    """The time and size one render has left; `current` is the one running in this context."""

    current: ContextVar[RenderBudget | None] = ContextVar("render_budget", default=None)

    def __init__(self, seconds: float = RENDER_SECONDS, max_output: int = MAX_OUTPUT) -> None:
        self.seconds = seconds
        self.max_output = max_output
        self.deadline = time.thread_time() + seconds
        self.allocated = 0
        self._steps = 0

    def step(self) -> None:
        self._steps += 1
        if self._steps % CLOCK_EVERY == 0:
            self.check_time()

    def check_time(self) -> None:
        if time.thread_time() > self.deadline:
            raise RenderBudgetExceeded(f"time: over {self.seconds * 1000:.0f} ms")

    def made(self, size: int) -> None:
        self.allocated += size
        if self.allocated > MAX_ALLOCATED:
            raise RenderBudgetExceeded(f"size: made over {MAX_ALLOCATED:,} characters")


def _step() -> None:
    budget = RenderBudget.current.get()
    if budget is not None:
        budget.step()


def _room(size: int, what: str) -> None:
    """Refuse a value of `size` before it is made; count it against the render's allocation."""
    if size > MAX_VALUE:
        raise RenderBudgetExceeded(f"size: {what} would make {size:,} characters or items, over {MAX_VALUE:,}")
    budget = RenderBudget.current.get()
    if budget is not None:
        budget.made(size)


def _size(value: Any) -> int:
    """Characters or items; nested containers count what they hold (a list of one long string is long)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Mapping):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple):
        total = len(value)
        for item in value:
            total += _size(item) if isinstance(item, str | list | tuple | Mapping) else 1
            if total > MAX_VALUE:
                break
        return total
    return 1


def _repeat(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise RenderBudgetExceeded(f"size: a product over {MAX_INT_BITS:,} bits")
        return
    sequence, times = (left, right) if isinstance(right, int) else (right, left)
    if isinstance(sequence, str | list | tuple) and isinstance(times, int):
        _room(_size(sequence) * max(times, 0), "'*'")


def _add(left: Any, right: Any) -> None:
    if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
        _room(_size(left) + _size(right), "'+'")


def _power(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        if left.bit_length() * right > MAX_INT_BITS:
            raise RenderBudgetExceeded(f"size: a power over {MAX_INT_BITS:,} bits")


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[a-zA-Z%]")


def _percent(template: str, values: Any) -> None:
    """`'%9999999s' % x` pads before anything can stop it: the widths must fit (no `*` widths)."""
    widths = 0
    for width, precision in _PERCENT_SPEC.findall(template):
        if "*" in (width, precision):
            raise RenderBudgetExceeded("size: '*' widths are not allowed")
        widths += int(width or 0) + int(precision or 0)
    items = values if isinstance(values, tuple) else (values,)
    _room(len(template) + widths + sum(_size(item) for item in items), "'%'")


def _format(template: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """`'{:>9999999}'.format(x)`: the same for `str.format`, which the sandbox lets through."""
    widths = 0
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return  # format() itself will say what is wrong
    for _, _, spec, _ in fields:
        if spec and "{" in spec:
            raise RenderBudgetExceeded("size: nested format fields are not allowed")
        widths += sum(int(number) for number in re.findall(r"\d+", spec or ""))
    values = [*args, *kwargs.values()]
    _room(len(template) + widths + sum(_size(value) for value in values), "format()")


def _replace(text: str, old: str, new: str, count: Any = -1) -> None:
    found = len(text) + 1 if old == "" else text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    _room(len(text) + found * max(len(new) - len(old), 0), "replace()")


def _joined(separator: str, items: Iterable[Any]) -> list[Any]:
    """The items, counted as they come, refused as soon as their join would pass the limit."""
    listed, total = [], 0
    for item in items:
        listed.append(item)
        total += len(separator) + (len(item) if isinstance(item, str) else _size(item) * 8)
        if total > MAX_VALUE:
            _room(total, "join()")
        _step()
    _room(total, "join()")
    return listed


def _padding(owner: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Check a `str` method that can grow its string; `join` gets its items as a checked list."""
    if name in {"center", "ljust", "rjust", "zfill"} and args and isinstance(args[0], int):
        _room(max(args[0], len(owner)), f"{name}()")
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(size, int):
            _room(len(owner) + owner.count("\t") * max(size, 0), "expandtabs()")
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        _replace(owner, *args)
    elif name == "join" and args:
        return (_joined(owner, args[0]), *args[1:])
    elif name in {"format", "format_map"}:
        _format(owner, args, kwargs)
    return args


class BudgetedCodeGenerator(CodeGenerator):
    """Every `for` iterates through `environment.budgeted_iter`; every `~` result is checked."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        checked = nodes.Call(nodes.EnvironmentAttribute("budgeted_iter"), [node.iter], [], None, None)
        checked.set_lineno(node.iter.lineno)
        super().visit_For(
            nodes.For(node.target, checked, node.body, node.else_, node.test, node.recursive, lineno=node.lineno),
            frame,
        )

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.checked_concat(")
        super().visit_Concat(node, frame)
        self.write(")")


def _guard(original: Callable[..., Any], check: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that runs `check` on its arguments first (after the context Jinja passes, if any)."""
    passes = hasattr(original, "jinja_pass_arg")

    @functools.wraps(original)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        check(*(args[1:] if passes else args), **kwargs)
        return original(*args, **kwargs)

    return guarded


def _center(value: Any, width: int = 80) -> None:
    _room(max(width, len(str(value))), "center")


def _indent(value: Any, width: int | str = 4, *_: Any, **__: Any) -> None:
    text = str(value)
    per_line = width if isinstance(width, int) else len(width)
    _room(len(text) + (text.count("\n") + 1) * max(per_line, 0), "indent")


def _wordwrap(
    value: Any, width: int = 79, _breaks: bool = True, wrapstring: str | None = None, *_: Any, **__: Any
) -> None:
    text = str(value)
    lines = len(text) // max(width, 1) + text.count("\n") + 1
    _room(len(text) + lines * len(wrapstring or "\n"), "wordwrap")


def _replace_filter(value: Any, old: Any, new: Any, count: Any = None) -> None:
    _replace(str(value), str(old), str(new), -1 if count is None else count)


def _format_filter(value: Any, *args: Any, **kwargs: Any) -> None:
    _percent(str(value), tuple(kwargs.values()) or args)


def _grouped(value: Any, count: Any, fill_with: Any = None) -> None:
    if isinstance(count, int):
        _room(count * (_size(fill_with) if fill_with is not None else 1), "batch/slice")


def _sum(iterable: Any, attribute: Any = None, start: Any = 0) -> None:
    if not isinstance(start, int | float):
        raise RenderBudgetExceeded("size: sum() adds numbers only")


class BudgetedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with the render budget checked inside the template."""

    code_generator_class = BudgetedCodeGenerator
    intercepted_binops = frozenset({"*", "+", "%", "**"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        guards: dict[str, Callable[..., Any]] = {
            "center": _center,
            "indent": _indent,
            "wordwrap": _wordwrap,
            "replace": _replace_filter,
            "format": _format_filter,
            "batch": _grouped,
            "slice": _grouped,
            "sum": _sum,
        }
        for name, check in guards.items():
            self.filters[name] = _guard(self.filters[name], check)
        self.filters["join"] = self._join_filter(self.filters["join"])

    @staticmethod
    def _join_filter(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def join(eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: Any = None) -> Any:
            if attribute is not None:
                value = map(make_attrgetter(eval_ctx.environment, attribute), value)
            return original(eval_ctx, _joined(str(d), value), d)

        return join

    def budgeted_iter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        budget = RenderBudget.current.get()
        if budget is None:
            yield from iterable
            return
        for item in iterable:
            budget.step()
            yield item

    def checked_concat(self, value: str) -> str:
        _room(len(value), "'~'")
        return value

    def concat(self, parts: Iterable[str]) -> str:
        """Buffered output (macros, `{% set %}` and `{% filter %}` blocks), joined after a check."""
        return "".join(_joined("", parts))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            _repeat(left, right)
        elif operator == "+":
            _add(left, right)
        elif operator == "%" and isinstance(left, str):
            _percent(left, right)
        elif operator == "**":
            _power(left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _step()
        method = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps `str.format` when it is looked up
        owner = getattr(method, "__self__", None)
        if isinstance(owner, str):
            args = _padding(owner, getattr(method, "__name__", ""), args, kwargs)
        elif __obj is generate_lorem_ipsum and any(isinstance(a, int) and a > 100 for a in (*args, *kwargs.values())):
            raise RenderBudgetExceeded("size: lipsum() over 100 paragraphs")
        return super().call(__context, __obj, *args, **kwargs)
