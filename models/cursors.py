"""Opaque page cursors, one encoding for every paginated list.

A cursor is URL-safe base64 of JSON: the ordering it was made for (`s`), the last row's value
of the sort key (`v`, datetimes in ISO 8601) and its id (`id`). The next page holds the rows
after that (value, id) pair in the same ordering.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from models.errors import InvalidQuery
from models.text import ascii_int


def encode_cursor(order: str, value: Any, row_id: str) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    payload = {"s": order, "v": value, "id": row_id}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def decode_cursor(cursor: str, order: str, read: Callable[[Any], Any] | None = None) -> tuple[Any, str]:
    """The (sort value, id) a cursor of `order` holds, the value passed through `read` (e.g.
    `datetime.fromisoformat`); InvalidQuery("cursor", ...) for anything this API did not return."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        made_for, value, row_id = data["s"], data["v"], str(data["id"])
    except (binascii.Error, ValueError, KeyError, TypeError) as err:
        raise InvalidQuery("cursor", "cursor is not one this API returned") from err
    if made_for != order:
        raise InvalidQuery("cursor", "cursor was made for another sort order")
    if read is not None:
        try:
            value = read(value)
        except (TypeError, ValueError) as err:
            raise InvalidQuery("cursor", "cursor is not one this API returned") from err
    return value, row_id


def decode_time_cursor(cursor: str, order: str) -> tuple[datetime, int]:
    """A cursor of `order` over (a time, an integer id) rows (change events, the audit log);
    InvalidQuery("cursor", ...) for anything this API did not return."""
    at, row_id = decode_cursor(cursor, order, datetime.fromisoformat)
    number = ascii_int(row_id)
    if number is None:
        raise InvalidQuery("cursor", "cursor is not one this API returned")
    return at, number
