"""Alertmanager's alert fingerprint (prometheus/common `model.LabelSet.Fingerprint`), so amtool and
Grafana show Herald's alerts under the ids Alertmanager would give them.

FNV-1a, 64 bits, over the label names in byte order, each name then its value, each followed by
the separator byte 255; written as 16 lower-case hex digits. Empty values are dropped first, as
Alertmanager drops them on receipt (an empty label is an absent label).
"""

from __future__ import annotations

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
SEPARATOR = 0xFF
MASK = (1 << 64) - 1


def _add(digest: int, data: bytes) -> int:
    for byte in data:
        digest = ((digest ^ byte) * FNV_PRIME) & MASK
    return digest


def fingerprint(labels: dict[str, str]) -> str:
    """The label set's fingerprint as Alertmanager prints it (`%016x`), e.g. `d2c6efc389df0927` for
    `{alertname="A"}`; the empty set gives the FNV offset basis."""
    digest = FNV_OFFSET
    encoded = sorted((name.encode(), value.encode()) for name, value in labels.items() if value)
    for name, value in encoded:
        digest = _add(digest, name + bytes([SEPARATOR]) + value + bytes([SEPARATOR]))
    return f"{digest:016x}"
