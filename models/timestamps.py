"""One way to write an instant as text: as the API's JSON does (pydantic's RFC 3339, in UTC, `Z`).

Webhook bodies, provider payloads and messages that quote a time use it, so a client parses
one format everywhere (`2026-01-01T12:00:00Z`, never `+00:00`)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import AwareDatetime, TypeAdapter

_AS_JSON = TypeAdapter(AwareDatetime)


def utc_text(at: datetime) -> str:
    """`at` (timezone-aware; naive means UTC) in UTC, written exactly as the API writes datetimes."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return str(_AS_JSON.dump_python(aware.astimezone(UTC), mode="json"))
