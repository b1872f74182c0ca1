"""Label regexes as Prometheus and Alertmanager run them: RE2, anchored by wrapping the pattern.

Both compile `"^(?:" + pattern + ")$"` with Go's `regexp` (RE2 syntax) and test it with
`MatchString`, an unanchored search of that anchored pattern (Alertmanager's
`pkg/labels/matcher.go` `NewMatcher`, Prometheus 2.x `labels.NewFastRegexMatcher`). We do the
same with RE2 itself (PyPI `google-re2`): linear time whatever the pattern, so no user's regex
can stall a worker. Shared by PromQL selectors (`models.selectors`) and Alertmanager matchers
(`noise.matchers`). Pure: no I/O.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2  # type: ignore[import-untyped]

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False


class RegexError(ValueError):
    """RE2 refused the pattern; the message is RE2's own."""


def anchored(pattern: str) -> str:
    """The text that is compiled: wrapping (not `fullmatch`) is what the Go code does, so a
    pattern such as `a)|(b` means what it means there (`^(?:a)|(b)$`)."""
    return f"^(?:{pattern})$"


@lru_cache(maxsize=4096)
def compile_anchored(pattern: str) -> Any:
    """The compiled, anchored RE2 regex of a label pattern; `RegexError` if RE2 refuses it."""
    try:
        return re2.compile(anchored(pattern), _OPTIONS)
    except re2.error as err:
        raise RegexError(_message(err)) from err


def _message(err: Exception) -> str:
    if err.args and isinstance(err.args[0], bytes):
        return err.args[0].decode(errors="replace")
    return str(err)
