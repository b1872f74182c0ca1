"""Series selectors over pushed metrics, in the PromQL syntax users already know.

`cpu_usage_percent`, `cpu_usage_percent{host="db1"}`, `http_errors{service=~"api|web", env!="dev"}`:
a metric name and label matchers (`=`, `!=`, `=~`, `!~`; regexes are RE2 and anchored, as in Prometheus).
A missing label matches `=""` and `!~".+"`, as in Prometheus. Pure functions: no I/O.

PromQL's selector syntax, not Alertmanager's matcher syntax (`noise.matchers`): a metric name first,
values always quoted, label names never. What both share is the meaning of a matcher — the RE2
regex wrapped and searched as Prometheus and Alertmanager do (`models.regex`), and an absent label
read as `""`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from models.keys import LABEL_NAME
from models.regex import RegexError, compile_anchored
from models.text import unstorable

METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_SELECTOR = re.compile(r"^\s*(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(?P<body>.*)\})?\s*$", re.DOTALL)
_MATCHER = re.compile(
    r'\s*(?P<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*"(?P<value>(?:[^"\\]|\\.)*)"\s*(?:,|$)'
)
_ESCAPES = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


class SelectorError(ValueError):
    """The selector text is not `name{label op "value", ...}`; the message says where."""


@dataclass(frozen=True)
class Matcher:
    label: str
    op: str
    value: str

    def matches(self, labels: dict[str, str]) -> bool:
        actual = labels.get(self.label, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        found = compile_anchored(self.value).search(actual) is not None
        return found if self.op == "=~" else not found


@dataclass(frozen=True)
class Selector:
    name: str
    matchers: tuple[Matcher, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        return all(matcher.matches(labels) for matcher in self.matchers)


def _unescape(text: str) -> str:
    return re.sub(r"\\[\\\"n]", lambda m: _ESCAPES[m.group(0)], text)


def parse_selector(text: str) -> Selector:
    found = _SELECTOR.match(text)
    if found is None:
        raise SelectorError('expected a metric name with optional matchers, e.g. cpu_usage_percent{host="db1"}')
    body = (found.group("body") or "").strip()
    matchers: list[Matcher] = []
    position = 0
    while position < len(body):
        step = _MATCHER.match(body, position)
        if step is None:
            raise SelectorError(f"cannot read a label matcher at {body[position:][:30]!r}")
        matcher = Matcher(step.group("label"), step.group("op"), _unescape(step.group("value")))
        if matcher.op in ("=~", "!~"):
            try:
                compile_anchored(matcher.value)
            except RegexError as err:
                raise SelectorError(
                    f"label {matcher.label}: invalid regular expression {matcher.value!r}: {err}"
                ) from err
        matchers.append(matcher)
        position = step.end()
    return Selector(found.group("name"), tuple(matchers))


MAX_LABEL_NAME = 128


def label_name_problem(name: str) -> str | None:
    """Why Prometheus would reject this label name (or Herald could not keep it: longer than
    `MAX_LABEL_NAME` characters), or None."""
    if len(name) > MAX_LABEL_NAME:
        return f"label name {name[:40]!r}... is longer than {MAX_LABEL_NAME} characters"
    return _name_problem(name)


@lru_cache(maxsize=4096)  # ingest checks the same few label names on every sample
def _name_problem(name: str) -> str | None:
    if not LABEL_NAME.match(name):
        return f"label name {name!r} must match [a-zA-Z_][a-zA-Z0-9_]*"
    if name.startswith("__"):
        return f"label name {name!r}: names starting with __ are reserved"
    return None


MAX_LABELS = 64
MAX_LABEL_VALUE = 1024
MAX_METRIC_NAME = 200


def labels_problem(labels: dict[str, str], *, reserved_allowed: bool = False) -> str | None:
    """Why labels cannot be stored, or None: the one check of metric, rule and alert labels
    (alerts from other systems may carry `__`-prefixed names, metrics and rules may not)."""
    if len(labels) > MAX_LABELS:
        return f"at most {MAX_LABELS} labels"
    for name, value in labels.items():
        problem = label_name_problem(name)
        if problem and not (reserved_allowed and len(name) <= MAX_LABEL_NAME and LABEL_NAME.match(name)):
            return problem
        if len(value) > MAX_LABEL_VALUE:
            return f"label {name!r} is longer than {MAX_LABEL_VALUE} characters"
        problem = unstorable(value)
        if problem:
            return f"label {name!r} {problem}"
    return None


def value_problem(value: float) -> str | None:
    if math.isnan(value):
        return "NaN is not a sample value Herald stores"
    if math.isinf(value):
        return "an infinite value is not a sample value Herald stores"
    return None
