"""IANA time zone names, checked against the zone database Herald ships with (tzdata)."""

from __future__ import annotations

from typing import Annotated

from models.oncall import zone
from pydantic import AfterValidator


def _zone(name: str) -> str:
    zone(name)  # raises ValueError("unknown time zone 'X'")
    return name


TimeZoneName = Annotated[str, AfterValidator(_zone)]
