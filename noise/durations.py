"""Prometheus / Alertmanager duration strings (`30s`, `5m`, `1h30m`, `1w`): the one parser.

Ported from `model.ParseDuration` and `Duration.String` in prometheus/common (what Alertmanager's
`group_wait`, `group_interval` and `repeat_interval` take): units `y` (365 days), `w`, `d`, `h`,
`m`, `s`, `ms`, each at most once and in that order, integers only; `0` alone is zero; the empty
string, signs, spaces and fractions are refused.

Errors: `DurationError` (a `ValueError`) with Prometheus's words, e.g.
`not a valid duration string: "5x"`.
"""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS: tuple[tuple[str, int], ...] = (
    ("y", 365 * 24 * 3600 * 1000),
    ("w", 7 * 24 * 3600 * 1000),
    ("d", 24 * 3600 * 1000),
    ("h", 3600 * 1000),
    ("m", 60 * 1000),
    ("s", 1000),
    ("ms", 1),
)
_PATTERN = re.compile("".join(rf"(?:([0-9]+){unit})?" for unit, _ in _UNITS))
_MAX_MS = (2**63 - 1) // 1_000_000  # Go's time.Duration (int64 nanoseconds) bounds every duration


class DurationError(ValueError):
    """Text that is not a Prometheus duration."""


def parse_duration(text: str) -> timedelta:
    """The duration of `text` (`1h30m` → 90 minutes); `DurationError` otherwise."""
    if text == "0":
        return timedelta(0)
    found = _PATTERN.fullmatch(text) if text else None
    if found is None or not any(found.groups()):
        raise DurationError(f"not a valid duration string: {text!r}")
    total = sum(int(amount) * size for amount, (_, size) in zip(found.groups(), _UNITS, strict=True) if amount)
    if total > _MAX_MS:
        raise DurationError(f"duration out of range: {text!r}")
    return timedelta(milliseconds=total)


def format_duration(value: timedelta) -> str:
    """Prometheus's canonical text: `0s` for zero, else the non-zero units largest first (`1h30m`)."""
    left = int(value / timedelta(milliseconds=1))
    if left == 0:
        return "0s"
    parts: list[str] = []
    for unit, size in _UNITS:
        amount, left = divmod(left, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)
