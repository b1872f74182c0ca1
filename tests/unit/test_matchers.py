"""Alertmanager matchers (noise/matchers.py): Alertmanager's own test cases, then properties.

The cases are those of prometheus/alertmanager `matcher/parse/parse_test.go` and `lexer_test.go`
(valid and invalid inputs, with Alertmanager's error text); tests/integration/test_matchers_amtool.py
compares decisions with the real `amtool`.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from models.regex import compile_anchored
from noise.matchers import (
    OPERATORS,
    Matcher,
    MatcherError,
    MatcherList,
    _Lexer,
    format_matchers,
    matches,
    parse_matcher,
    parse_matchers,
)

M = Matcher

# parse_test.go, TestMatchers: valid inputs.
VALID: list[tuple[str, list[Matcher]]] = [
    ("", []),
    ("{}", []),
    ("{foo=bar}", [M("foo", "=", "bar")]),
    ("{foo=bar,}", [M("foo", "=", "bar")]),
    ("{foo!=bar}", [M("foo", "!=", "bar")]),
    ("{foo=~[a-z]+}", [M("foo", "=~", "[a-z]+")]),
    ("{foo!~[a-z]+}", [M("foo", "!~", "[a-z]+")]),
    ("{foo=🙂}", [M("foo", "=", "🙂")]),
    ("{foo=🙂bar}", [M("foo", "=", "🙂bar")]),
    ("foo=bar", [M("foo", "=", "bar")]),
    ("foo=bar,", [M("foo", "=", "bar")]),
    ("foo!=bar", [M("foo", "!=", "bar")]),
    ("foo=~[a-z]+", [M("foo", "=~", "[a-z]+")]),
    ("foo!~[a-z]+", [M("foo", "!~", "[a-z]+")]),
    ('{"foo"="bar"}', [M("foo", "=", "bar")]),
    ('{"foo"="bar",}', [M("foo", "=", "bar")]),
    ('{"foo"!="bar"}', [M("foo", "!=", "bar")]),
    ('{"foo"=~"[a-z]+"}', [M("foo", "=~", "[a-z]+")]),
    ('{"foo"=~"\\\\d+"}', [M("foo", "=~", "\\d+")]),
    ('{"foo"!~"[a-z]+"}', [M("foo", "!~", "[a-z]+")]),
    ('{"foo"="🙂"}', [M("foo", "=", "🙂")]),
    ('{"foo"="\\xf0\\x9f\\x99\\x82"}', [M("foo", "=", "🙂")]),
    ('{"foo"="\\U0001f642"}', [M("foo", "=", "🙂")]),
    ('{"foo"="🙂bar"}', [M("foo", "=", "🙂bar")]),
    ('{"foo"="bar\\n"}', [M("foo", "=", "bar\n")]),
    ('{"foo"="bar\\t"}', [M("foo", "=", "bar\t")]),
    ('{"foo"="\\"bar\\""}', [M("foo", "=", '"bar"')]),
    ('{"foo"="bar\\\\"}', [M("foo", "=", "bar\\")]),
    ('"foo"="bar"', [M("foo", "=", "bar")]),
    ('"foo"="bar",', [M("foo", "=", "bar")]),
    ("{foo=bar,bar!=baz}", [M("foo", "=", "bar"), M("bar", "!=", "baz")]),
    ('{foo="bar",bar!="baz"}', [M("foo", "=", "bar"), M("bar", "!=", "baz")]),
    ("foo=bar,bar!=baz", [M("foo", "=", "bar"), M("bar", "!=", "baz")]),
    ('foo="bar",bar!="baz"', [M("foo", "=", "bar"), M("bar", "!=", "baz")]),
    # Herald's own: UTF-8 names in quotes, whitespace, the escapes of Go's strconv.Unquote.
    ('{ "service name" =~ "api|web" , env = "prod" }', [M("service name", "=~", "api|web"), M("env", "=", "prod")]),
    ('"über"="straße"', [M("über", "=", "straße")]),
    ('a="\\a\\b\\f\\r\\v\\101\\u00e9"', [M("a", "=", "\a\b\f\r\vAé")]),
    ('a=""', [M("a", "=", "")]),
    ("a=~x)|(y", [M("a", "=~", "x)|(y")]),  # anchored as ^(?:x)|(y)$, a valid regex
]

# parse_test.go (TestMatchers and TestMatcher) and lexer_test.go: invalid inputs, Alertmanager's text.
INVALID: list[tuple[str, str]] = [
    (",", "0:1: unexpected ,: expected label name"),
    ("{,}", "1:2: unexpected ,: expected label name"),
    ("{", "0:1: end of input: expected close brace"),
    ("}", "0:1: }: expected opening brace"),
    ("foo=bar}", "0:8: }: expected opening brace"),
    ("{foo=bar", "0:8: end of input: expected close brace"),
    ('{foo=:"bar"}', '6:11: unexpected "bar": expected a comma or close brace'),
    ('{foo="bar\\w"}', '5:12: "bar\\w": invalid input'),
    ('{"foo"=~"\\d+"}', '8:13: "\\d+": invalid input'),
    ("{foo=bar\\n}", "8:9: \\: invalid input: expected a comma or close brace"),
    ('{"foo"="\\xf0\\x9f"}', '7:17: "\\xf0\\x9f": invalid input'),
    ("~", "0:1: ~: invalid input"),
    ("foo", "end of input: expected an operator such as '=', '!=', '=~' or '!~'"),
    ("foo=", "end of input: expected label value"),
    (
        "foo!",
        "3:4: unexpected end of input, expected one of '=~': expected an operator such as '=', '!=', '=~' or '!~'",
    ),
    ('foo="bar', '4:8: "bar: missing end ": expected label value'),
    ('foo="a\nb"', '4:9: "a\nb": invalid input'),  # a raw newline must be written \n
    ('foo="\\ud800"', '4:12: "\\ud800": invalid input'),  # a surrogate is no code point
    ('foo="\\777"', '4:10: "\\777": invalid input'),  # an octal byte above 255
    ("foo='bar'", "4:5: ': invalid input: expected label value"),
    ("foo=bar baz", "8:11: unexpected baz: expected a comma or close brace"),
    ("{foo=bar}}", "9:10: }: expected end of input"),
]

# lexer_test.go: the lexer's own errors, token by token.
LEXER_ERRORS: list[tuple[str, str]] = [
    ("!", "0:1: unexpected end of input, expected one of '=~'"),
    ("~", "0:1: ~: invalid input"),
    ("=!", "1:2: unexpected end of input, expected one of '=~'"),
    ("!=!!", "2:3: !: expected one of '=~'"),
    ("hello!", "5:6: unexpected end of input, expected one of '=~'"),
    ("\\n", "0:1: \\: invalid input"),
    ("\\nhello", "0:1: \\: invalid input"),
    ("hello\\n", "5:6: \\: invalid input"),
    ("hello\\r", "5:6: \\: invalid input"),
    ('"hello', '0:6: "hello: missing end "'),
    ('"hello\\"', '0:8: "hello\\": missing end "'),
]


@pytest.mark.parametrize(("text", "expected"), VALID)
def test_alertmanagers_valid_inputs(text: str, expected: list[Matcher]) -> None:
    assert parse_matchers(text) == expected


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_alertmanagers_invalid_inputs_fail_with_its_message(text: str, message: str) -> None:
    with pytest.raises(MatcherError) as caught:
        parse_matchers(text)
    assert str(caught.value) == message
    assert 0 <= caught.value.start <= caught.value.end <= len(text)


@pytest.mark.parametrize(("text", "message"), LEXER_ERRORS)
def test_the_lexer_fails_as_alertmanagers_does(text: str, message: str) -> None:
    lexer = _Lexer(text)
    with pytest.raises(MatcherError) as caught:
        for _ in range(len(text) + 1):
            lexer.scan()
    assert str(caught.value) == message
    with pytest.raises(MatcherError):  # no token after an error
        lexer.scan()


def test_exactly_one_matcher() -> None:
    assert parse_matcher("{foo=bar,}") == M("foo", "=", "bar")
    for text, message in (
        ("", "no matchers"),
        ("{}", "no matchers"),
        ("foo=bar,bar=baz", "expected 1 matcher, found 2"),
    ):
        with pytest.raises(MatcherError, match=f"^{message}$"):
            parse_matcher(text)


@pytest.mark.parametrize("text", ['a=~"[a-z"', 'a!~"(?=x)"', 'a=~"\\\\1"', 'a=~"x{1001}"', "a=~*"])
def test_a_regex_re2_refuses_names_the_matcher(text: str) -> None:
    with pytest.raises(MatcherError, match=r"^failed to create matcher: invalid regular expression for label 'a': "):
        parse_matchers(text)


def test_an_empty_label_name_is_refused() -> None:
    with pytest.raises(MatcherError, match="label name must not be empty"):
        parse_matchers('""="x"')
    with pytest.raises(MatcherError, match="label name must not be empty"):
        Matcher("", "=", "x")


def test_a_lone_surrogate_is_invalid_input_anywhere() -> None:
    for text in ("a\udfff=b", "a=b\udfff", 'a="\udfff"', "\udfff"):
        with pytest.raises(MatcherError, match="invalid input"):
            parse_matchers(text)


def test_a_missing_label_matches_as_the_empty_string() -> None:
    absent: dict[str, str] = {"host": "a"}
    assert matches(parse_matchers('env=""'), absent)
    assert not matches(parse_matchers('env!=""'), absent)
    assert matches(parse_matchers('env!=""'), {"env": "prod"})
    assert matches(parse_matchers('env=~"|dev"'), absent)
    assert not matches(parse_matchers('env=~".+"'), absent)
    assert matches(parse_matchers('env!~"prod"'), absent)
    assert matches(parse_matchers("{}"), absent)


def test_regexes_are_anchored_as_alertmanager_anchors_them() -> None:
    [m] = parse_matchers('env=~"prod|stag"')
    assert m.matches("prod") and m.matches("stag")
    assert not m.matches("production") and not m.matches("xprod")
    [odd] = parse_matchers('a=~"x)|(y"')  # ^(?:x)|(y)$: starts with x, or ends with y
    assert odd.matches("xzz") and odd.matches("zzy") and not odd.matches("zxz")
    [dot] = parse_matchers('a=~"a.b"')
    assert not dot.matches("a\nb")  # `.` does not match a newline, as in Go


def test_str_is_alertmanagers_canonical_text() -> None:
    assert str(M("foo", "=~", 'a\\d"\n')) == 'foo=~"a\\\\d\\"\\n"'
    assert str(M("service name", "!=", "x\ty")) == '"service name"!="x\\ty"'
    assert str(M("🙂", "=", "v")) == '🙂="v"'
    assert format_matchers(parse_matchers("a=b, c!~d")) == '{a="b",c!~"d"}'


def test_matchers_compare_without_their_regex() -> None:
    assert M("a", "=~", "x") == M("a", "=~", "x") and hash(M("a", "=~", "x")) == hash(M("a", "=~", "x"))
    assert M("a", "=~", "x") != M("a", "!~", "x")


class _Body(BaseModel):
    matchers: MatcherList = []


def test_the_pydantic_type_takes_a_string_or_a_list_of_strings() -> None:
    assert _Body.model_validate({"matchers": '{env="prod", svc=~"api|web"}'}).matchers == [
        M("env", "=", "prod"),
        M("svc", "=~", "api|web"),
    ]
    assert _Body.model_validate({"matchers": ["env=prod", "a!=b, c=d"]}).matchers == [
        M("env", "=", "prod"),
        M("a", "!=", "b"),
        M("c", "=", "d"),
    ]
    assert _Body(matchers=[M("a", "=", "b")]).model_dump(mode="json") == {"matchers": ['a="b"']}
    schema = _Body.model_json_schema()["properties"]["matchers"]
    assert {"type": "string"} in schema["anyOf"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("env=~", "end of input: expected label value (in 'env=~')"),
        (["a=b", 'c=~"[x"'], "matcher 1: failed to create matcher: invalid regular expression for label 'c'"),
        (3, "matchers must be a string or a list of strings"),
        (["a=b", 3], "matchers must be a string or a list of strings"),
    ],
)
def test_the_pydantic_error_names_the_field(value: Any, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _Body.model_validate({"matchers": value})
    [error] = caught.value.errors()
    assert error["loc"] == ("matchers",)
    assert message in error["msg"]


# Properties: the canonical text round-trips, and matching agrees with a brute-force evaluation.
NAMES = st.one_of(st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,6}", fullmatch=True), st.text(min_size=1, max_size=6))
VALUES = st.text(max_size=8)
PLAIN = st.builds(Matcher, NAMES, st.sampled_from(["=", "!="]), VALUES)
REGEXES = st.lists(st.sampled_from(["a", "b", ".", "x", "[ab]", "\\d", "é"]), max_size=3).map("".join)
PATTERNS = st.lists(st.lists(REGEXES, min_size=1, max_size=3).map("|".join), max_size=2).map(
    lambda parts: "".join(f"({p})" + q for p, q in zip(parts, ["", "*", "?"], strict=False))
)
REGEX = st.builds(Matcher, NAMES, st.sampled_from(["=~", "!~"]), PATTERNS)
MATCHERS = st.one_of(PLAIN, REGEX).filter(lambda m: all(not 0xD800 <= ord(c) <= 0xDFFF for c in m.name + m.value))


@given(st.lists(MATCHERS, max_size=4))
def test_the_canonical_text_parses_back_to_the_same_matchers(found: list[Matcher]) -> None:
    for m in found:
        assert parse_matchers(str(m)) == [m]
    assert parse_matchers(format_matchers(found)) == found
    assert parse_matchers(",".join(str(m) for m in found)) == found


def _brute_force(m: Matcher, labels: dict[str, str]) -> bool:
    """Python's own `re` as the oracle: these patterns mean the same in RE2 and in `re`."""
    value = labels.get(m.name, "")
    if m.op in ("=", "!="):
        return (value == m.value) == (m.op == "=")
    found = re.fullmatch(m.value, value, flags=re.ASCII) is not None
    return found == (m.op == "=~")


LABELS = st.dictionaries(st.sampled_from(["a", "b", "env", "x"]), st.text(alphabet="abx1é.\n", max_size=4), max_size=3)
SMALL = st.one_of(
    st.builds(
        Matcher, st.sampled_from(["a", "b", "env"]), st.sampled_from(["=", "!="]), st.sampled_from(["", "a", "ab"])
    ),
    st.builds(Matcher, st.sampled_from(["a", "b", "env"]), st.sampled_from(["=~", "!~"]), PATTERNS),
)


@given(st.lists(SMALL, max_size=4), LABELS)
def test_matching_agrees_with_a_brute_force_evaluation(found: list[Matcher], labels: dict[str, str]) -> None:
    assert matches(found, labels) == all(_brute_force(m, labels) for m in found)


def test_operators_are_the_four_of_alertmanager() -> None:
    assert OPERATORS == ("=", "!=", "=~", "!~")
    assert compile_anchored("a|b").search("b") is not None
