"""What text PostgreSQL cannot store, and where in a document it is (models/text.py, api/storable_text.py)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from api.errors import FieldErrors
from api.routers.slack import parse_payload
from api.storable_text import json_problem, query_problem
from models.selectors import labels_problem
from models.text import first_unstorable, unstorable


def test_nul_and_lone_surrogates_are_unstorable_pairs_and_others_are_not() -> None:
    assert unstorable("fine \N{GRINNING FACE} \u00e9") is None
    assert "NUL" in (unstorable("a\x00") or "")
    assert "\\udfff" in (unstorable("\udfff") or "")
    assert "\\ud800" in (unstorable("x\ud800y") or "")


def test_the_first_unstorable_field_is_named_by_its_path() -> None:
    document = {"events": [{"title": "ok"}, {"labels": {"host": "db1", "env": "\udfff"}}]}
    assert first_unstorable(document) == ("events.1.labels.env", unstorable("\udfff"))
    field, why = first_unstorable({"labels": {"\x00": "v"}}) or ("", "")
    assert field == "labels" and why.startswith("a key")
    assert first_unstorable({"a": [1, None, True, 2.5, "b"]}) is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (rb'{"a":"\udfff"}', ("a", unstorable("\udfff"))),
        (rb'{"a":"\u0000"}', ("a", unstorable("\x00"))),
        (rb'{"a":["\uDBFF"]}', ("a.0", unstorable("\udbff"))),
        (b'{"a":"\xc3\xa9","b":"\xff"}', ("b", "holds bytes that are not valid UTF-8")),
        (b'{"a":"\xff', ("body", "not valid UTF-8 (byte 6)")),
        (rb'{"a":"\ud83d\ude00"}', None),  # a pair: one character
        (rb'{"a":"\\u0000 \\udfff"}', None),  # an escaped backslash, then letters
        (b'{"a":"\xc3\xa9"}', None),
        (b'{"a": ', None),  # malformed JSON is the route's 400
    ],
)
def test_json_bodies(body: bytes, expected: tuple[str, str] | None) -> None:
    assert json_problem(body) == expected


def test_query_strings_are_decoded_as_starlette_decodes_them() -> None:
    assert query_problem(b"status=open&q=%00") == ("q", unstorable("\x00"))
    assert query_problem(b"q=%ff%fe") is None  # invalid UTF-8 becomes U+FFFD, which is storable
    assert query_problem(b"%00=1") == ("query", f"a parameter name {unstorable(chr(0))}")


def test_label_checks_refuse_lone_surrogates_as_well_as_nul() -> None:
    assert "surrogate" in (labels_problem({"k": "\udfff"}) or "")
    assert "NUL" in (labels_problem({"k": "\x00"}) or "")


def test_a_slack_payload_holding_unstorable_text_names_the_field() -> None:
    body = urlencode({"payload": '{"type": "block_actions", "user": {"id": "U\\u0000"}}'}).encode()
    with pytest.raises(FieldErrors) as raised:
        parse_payload(body)
    assert raised.value.errors[0][0] == "payload.user.id"
