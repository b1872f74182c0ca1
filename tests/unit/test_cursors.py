"""Page cursors: what encode_cursor makes, decode_cursor gives back; anything else is a 422 on `cursor`."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from models.cursors import decode_cursor, encode_cursor
from models.errors import InvalidQuery


def _raw(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def test_a_cursor_gives_back_its_value_and_id() -> None:
    at = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
    assert decode_cursor(encode_cursor("created_at", at, "n-1"), "created_at", datetime.fromisoformat) == (at, "n-1")
    assert decode_cursor(encode_cursor("severity", 2, "a-7"), "severity") == (2, "a-7")


def test_a_cursor_is_url_safe() -> None:
    cursor = encode_cursor("created_at", "\u00ff" * 40 + "?>", "id/+")
    assert all(c.isalnum() or c in "-_=" for c in cursor)


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not UTF-8
        base64.urlsafe_b64encode(b"2026-01-01T00:00:00+00:00|abc").decode(),  # not JSON
        _raw(["created_at", "2026-01-01T00:00:00+00:00", "abc"]),  # not an object
        _raw({"s": "created_at", "v": "2026-01-01T00:00:00+00:00"}),  # no id
        _raw({"s": "created_at", "v": "yesterday", "id": "abc"}),  # a value the reader refuses
        _raw({"s": "created_at", "v": None, "id": "abc"}),
    ],
)
def test_anything_else_is_not_a_cursor(cursor: str) -> None:
    with pytest.raises(InvalidQuery, match="cursor is not one this API returned") as caught:
        decode_cursor(cursor, "created_at", datetime.fromisoformat)
    assert caught.value.field == "cursor"


def test_a_cursor_of_another_order_is_refused() -> None:
    with pytest.raises(InvalidQuery, match="another sort order") as caught:
        decode_cursor(encode_cursor("last_seen", "2026-01-01T00:00:00+00:00", "abc"), "created_at")
    assert caught.value.field == "cursor"
