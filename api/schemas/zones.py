"""IANA time zone names, checked against the zone database Herald ships with (tzdata)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from models.oncall import zone


def _zone(name: str) -> str:
    zone(name)  # raises ValueError("unknown time zone 'X'")
    return name


TimeZoneName = Annotated[str, AfterValidator(_zone)]
