"""Digits `str.isdigit` accepts but `int()` refuses (or reads from another script) never reach `int()`: an id, a
version, a cursor's row or a route path is ASCII digits or refused (models.text.ascii_int)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.alert_changes import Change
from models.cursors import decode_time_cursor, encode_cursor
from models.errors import InvalidQuery
from models.text import ascii_int


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("0", 0),
        ("42", 42),
        ("3³", None),
        ("³", None),
        ("٣", None),
        ("", None),
        (" 1", None),
        ("-1", None),
        ("1.5", None),
    ],
)
def test_only_ascii_digits_are_a_number(text: str, number: int | None) -> None:
    assert ascii_int(text) == number


@pytest.mark.parametrize("version", ["³", "٣", "2²"])
def test_a_change_notice_with_other_digits_is_not_ours(version: str) -> None:
    assert Change.parse(f"t-1:alert-1:{version}") is None
    assert Change.parse("t-1:alert-1:7") == Change("t-1", "alert-1", 7)


@pytest.mark.parametrize("row_id", ["3³", "٣", ""])
def test_a_time_cursor_with_other_digits_is_refused(row_id: str) -> None:
    cursor = encode_cursor("-at", datetime(2026, 12, 1, tzinfo=UTC), row_id)
    with pytest.raises(InvalidQuery) as refused:
        decode_time_cursor(cursor, "-at")
    assert refused.value.field == "cursor"
