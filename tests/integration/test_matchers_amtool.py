"""Herald's matcher parser against the real peer: Debian's `amtool` (Alertmanager 0.25).

Each line of the corpus goes into a generated alertmanager.yml as a route's `matchers: [line]`;
`amtool check-config` accepts or refuses it, and `amtool config routes` prints what it parsed.
Herald must decide the same and parse the same matchers — except where Alertmanager 0.25 differs
by design: it has only the "classic" parser (`pkg/labels/parse.go`), which the UTF-8 parser
Herald follows (`matcher/parse`, Alertmanager ≥ 0.27) replaced, and Go's `regexp` is not quite RE2.
Every such line is listed in `DIFFERS` with the reason, and the test checks that it does differ.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noise.matchers import Matcher, MatcherError, format_matchers, matches, parse_matchers
from tests.support.alertmanager import amtool_version, check_route_matchers, routes_to_matched

SAME = [
    "",
    "{}",
    "foo=bar",
    'foo="bar"',
    '{foo="bar"}',
    '{foo="bar",}',
    "foo=bar,",
    'foo!="bar"',
    'foo=~"[a-z]+"',
    'foo!~"[a-z]+"',
    "foo=bar,baz!=qux",
    '{ foo = "bar" , baz =~ "a|b" }',
    'foo="🙂"',
    "foo=🙂",
    'foo="ünïcödé straße"',
    'foo="with, comma"',
    'foo="with \\"quotes\\""',
    'foo="back\\\\slash"',
    'foo="new\\nline"',
    'foo=~"\\\\d+"',
    'foo=""',
    'foo=~""',
    'env=~"prod|stag"',
    'a=~"x)|(y"',
    'foo="a}b{c"',
    'foo=~"[[:alpha:]]+"',
    'foo!~"\\\\pL+"',
    "a_b:c=1",
    "a=b\u2028",
    # refused by both
    "foo",
    "=bar",
    ",",
    "{,}",
    'foo="bar',
    '""="x"',
    'foo=~"[a-z"',
    'foo=~"(?=x)"',
    'foo=~"\\\\1"',
    'foo=~"a{1001}"',
    "foo=~*",
    '"foo" "bar"',
]

# Lines where Alertmanager 0.25 (classic parser, Go regexp) and Herald (UTF-8 parser, RE2) differ, and why.
DIFFERS = {
    '"foo"="bar"': "quoted label names are UTF-8 parser syntax",
    '"über"="x"': "UTF-8 label names: the classic parser takes only [a-zA-Z_:][a-zA-Z0-9_:]*",
    "ä=x": "UTF-8 label names: the classic parser takes only [a-zA-Z_:][a-zA-Z0-9_:]*",
    "foo=": "the classic parser allows an empty unquoted value",
    "foo==bar": "the classic parser reads the value '=bar'",
    "foo=bar baz": "the classic parser allows spaces in an unquoted value",
    'foo="\\w"': "the classic parser keeps an unknown escape as a backslash; Go's Unquote refuses it",
    "foo=~\\d+": "a backslash outside quotes is reserved in the UTF-8 parser",
    'foo="a\\tb"': "\\t is a tab in the UTF-8 parser, a backslash and a t in the classic one",
    'foo="\\u00e9"': "\\u escapes exist only in the UTF-8 parser",
    'foo="a\nb"': "a raw newline inside quotes: tolerated by the classic parser, refused by Go's Unquote",
    "{foo=bar": "the classic parser trims a leading { without needing its }",
    "foo=bar}": "the classic parser trims a trailing } without needing its {",
    "foo='bar'": "single quotes are reserved in the UTF-8 parser, plain characters in the classic one",
    'foo=~"\\\\C"': "RE2 accepts \\C (any byte); Go's regexp does not",
    'foo=~"(?<n>a)"': "RE2 accepts (?<name>...); Go's regexp before 1.22 (Debian's amtool) does not",
}


def _herald(line: str) -> str | None:
    """What Herald parses, printed as `amtool config routes` prints a route (sorted as Alertmanager sorts)."""
    try:
        found = parse_matchers(line)
    except MatcherError:
        return None
    return format_matchers(sorted(found, key=_alertmanager_order))


def _alertmanager_order(m: Matcher) -> tuple[str, str, int]:
    return m.name, m.value, ["=", "!=", "=~", "!~"].index(m.op)


def _amtool(tmp_path: Path, line: str) -> str | None:
    verdict = check_route_matchers(tmp_path, line)
    if not verdict.accepted:
        return None
    assert verdict.matchers is not None
    return "{}" if verdict.matchers == "default-route" else verdict.matchers


def test_the_peer_is_alertmanager_0_25() -> None:
    # The expectations of DIFFERS are those of the classic parser; a newer amtool needs them revisited.
    assert "version 0.25." in amtool_version()


@pytest.mark.parametrize("line", SAME)
def test_herald_decides_and_parses_as_amtool(tmp_path: Path, line: str) -> None:
    assert _herald(line) == _amtool(tmp_path, line)


@pytest.mark.parametrize(("line", "why"), DIFFERS.items())
def test_known_differences_from_the_classic_parser(tmp_path: Path, line: str, why: str) -> None:
    assert _herald(line) != _amtool(tmp_path, line), f"no longer differs ({why})"


NAMES = st.sampled_from(["a", "b", "env"])
PIECES = st.lists(st.sampled_from(["a", "b", ".", "x", "[ab]", "\\d", "é", "|", ".*"]), max_size=3).map("".join)
MATCHERS = st.one_of(
    st.builds(Matcher, NAMES, st.sampled_from(["=", "!="]), st.sampled_from(["", "a", "ab", "é"])),
    st.builds(Matcher, NAMES, st.sampled_from(["=~", "!~"]), PIECES),
)
LABELS = st.dictionaries(NAMES, st.text(alphabet='abx1é.\n"\\', max_size=3), max_size=3)


@settings(max_examples=60, deadline=None, database=None)
@given(st.lists(MATCHERS, min_size=1, max_size=3), LABELS)
def test_matching_agrees_with_amtool(found: list[Matcher], labels: dict[str, str]) -> None:
    """Alertmanager routes a label set (an empty value is a present-but-empty label there) to the route
    whose matchers are Herald's canonical text exactly when Herald's `matches` says so."""
    with tempfile.TemporaryDirectory(prefix="herald-amtool-") as directory:
        assert routes_to_matched(Path(directory), [str(m) for m in found], labels) == matches(found, labels)
