"""IANA time zone names, checked against the zone database Herald ships with (tzdata)."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"unknown time zone {name!r}; use an IANA name like Europe/London") from err
    return name


TimeZoneName = Annotated[str, AfterValidator(_zone)]
