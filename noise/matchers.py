"""Alertmanager's label matchers: the one parser for every matcher Herald reads.

The grammar is that of Alertmanager's UTF-8 matcher parser (`matcher/parse/lexer.go`,
`parse.go` and `token.go` in prometheus/alertmanager; "matcher" in its
`docs/configuration.md`), ported rune for rune so that the same text gives the same matchers
or the same error message, position included:

    matchers   = [ "{" ] [ matcher { "," matcher } [ "," ] ] [ "}" ]   (braces in pairs)
    matcher    = name operator value
    name       = quoted | unquoted
    value      = quoted | unquoted
    operator   = "=" | "!=" | "=~" | "!~"
    unquoted   = one or more characters that are not whitespace nor any of  { } ! = ~ , \\ " ' `
    quoted     = '"' ... '"' with Go's escapes (\\" \\\\ \\n \\t \\xNN \\u2028 \\U0001f642 ...), no raw newline

Whitespace between tokens is ignored. `foo=bar`, `{foo="bar", "service name"=~"api|web",}`
and `{}` are all valid; a list may be empty (`""`, `{}`).

Semantics are Alertmanager's (`pkg/labels/matcher.go`): a label that is absent matches as
the empty string, so `env=""` matches alerts without `env` and `env!=""` needs it present —
Herald's own rule too, where an empty label value is an absent label
(`workflows.ids.canonical_labels`). Regexes are RE2, anchored as Alertmanager anchors them
(`models.regex`). A list matches when every matcher matches.

Where Herald differs, on purpose: an empty label name (`""="x"`) is refused, as it can never
name a label; Go's `regexp` and RE2 disagree on a few rare constructs (RE2 accepts `\\C`;
Go 1.19 refuses `(?<name>...)`); text that cannot be encoded (a lone surrogate) is invalid
input. Alertmanager's older "classic" parser (`pkg/labels/parse.go`, the only one before
0.27 and a fallback since) is more lenient — unquoted values with spaces, `\\d` inside
quotes — and is not accepted: docs/api.md, "Matchers", lists the differences.

Errors: `MatcherError` (a `ValueError`) with `start`/`end` code-point offsets; its text is
Alertmanager's, e.g. `0:8: end of input: expected close brace`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from models.regex import RegexError, compile_anchored

MatchOp = Literal["=", "!=", "=~", "!~"]
OPERATORS: tuple[MatchOp, ...] = get_args(MatchOp)

# Go's unicode.IsSpace: the Unicode White_Space property (Python's str.isspace also counts \x1c-\x1f).
_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {chr(c) for c in range(0x2000, 0x200B)}
_RESERVED = frozenset("{}!=~,\\\"'`") | _SPACE


class MatcherError(ValueError):
    """Matcher text that cannot be used. `start`..`end` are code-point offsets into the text;
    `str()` is the message Alertmanager gives for the same text."""

    def __init__(self, message: str, start: int = 0, end: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end


def _is_reserved(ch: str) -> bool:
    return ch in _RESERVED


def _ends_unquoted(ch: str) -> bool:
    """Reserved, or a lone surrogate (no UTF-8 for it: Herald refuses it as invalid input)."""
    return ch in _RESERVED or 0xD800 <= ord(ch) <= 0xDFFF


@dataclass(frozen=True)
class Matcher:
    """One matcher: `name op value`. Equal matchers compare equal; `regex` is derived."""

    name: str
    op: MatchOp
    value: str
    regex: Any = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise MatcherError(f"unknown operator {self.op!r}: expected one of '=', '!=', '=~' or '!~'")
        if not self.name:
            raise MatcherError("label name must not be empty")
        regex = None
        if self.op in ("=~", "!~"):
            try:
                regex = compile_anchored(self.value)
            except RegexError as err:
                raise MatcherError(f"invalid regular expression for label {self.name!r}: {err}") from err
        object.__setattr__(self, "regex", regex)

    def matches(self, value: str) -> bool:
        """Whether a label's value (`""` for an absent label) satisfies this matcher."""
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        found = self.regex.search(value) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        """Alertmanager's canonical text (`Matcher.String`): a name with reserved characters is
        quoted, the value always is; `parse_matchers(str(m)) == [m]`."""
        if any(_is_reserved(ch) for ch in self.name):
            return f"{_go_quote(self.name)}{self.op}{_go_quote(self.value)}"
        return f'{self.name}{self.op}"{_openmetrics_escape(self.value)}"'


def matches(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """Whether a label set satisfies every matcher (an empty list matches everything)."""
    return all(m.matches(labels.get(m.name, "")) for m in matchers)


def format_matchers(matchers: Iterable[Matcher]) -> str:
    """`{a="b",c=~"d.*"}`, as Alertmanager prints a list (`Matchers.String`)."""
    return "{" + ",".join(str(m) for m in matchers) + "}"


def parse_matchers(text: str) -> list[Matcher]:
    """The matchers of `text` in order (none for `""` or `{}`); `MatcherError` otherwise."""
    return _Parser(text).parse()


def parse_matcher(text: str) -> Matcher:
    """Exactly one matcher (Alertmanager's `parse.Matcher`)."""
    found = parse_matchers(text)
    if len(found) == 1:
        return found[0]
    if not found:
        raise MatcherError("no matchers", 0, len(text))
    raise MatcherError(f"expected 1 matcher, found {len(found)}", 0, len(text))


def _openmetrics_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def _go_quote(text: str) -> str:
    """Go's `strconv.Quote`: printable characters as they are, the rest escaped."""
    out = ['"']
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


_SIMPLE = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, '"': 34}
_HEX = frozenset("0123456789abcdefABCDEF")
_OCTAL = frozenset("01234567")


def _go_unquote(quoted: str) -> str:
    """Go's `strconv.Unquote` of a double-quoted string, then the UTF-8 check of token.go."""
    inner = quoted[1:-1]
    out = bytearray()
    i = 0
    while i < len(inner):
        ch = inner[i]
        if ch in ("\n", '"'):
            raise ValueError("unescaped newline or quote")
        if ch != "\\":
            out += ch.encode()  # a lone surrogate raises UnicodeEncodeError, a ValueError
            i += 1
            continue
        if i + 1 >= len(inner):
            raise ValueError("escape at the end")
        kind = inner[i + 1]
        i += 2
        if kind in _SIMPLE:
            out.append(_SIMPLE[kind])
        elif kind in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[kind]
            digits = inner[i : i + width]
            if len(digits) < width or not set(digits) <= _HEX:
                raise ValueError("bad hexadecimal escape")
            i += width
            code = int(digits, 16)
            if kind == "x":
                out.append(code)
            elif code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise ValueError("not a code point")
            else:
                out += chr(code).encode()
        elif kind in _OCTAL:
            digits = kind + inner[i : i + 2]
            if len(digits) < 3 or not set(digits) <= _OCTAL or int(digits, 8) > 255:
                raise ValueError("bad octal escape")
            i += 2
            out.append(int(digits, 8))
        else:
            raise ValueError("unknown escape")
    return out.decode()  # strict: invalid UTF-8 (from \x or octal bytes) raises


# Tokens and lexer: matcher/parse/token.go and lexer.go.
_EOF, _OPEN, _CLOSE, _COMMA, _EQ, _NE, _RE, _NRE, _QUOTED, _UNQUOTED = range(10)
_OPERATOR_OF: dict[int, MatchOp] = {_EQ: "=", _NE: "!=", _RE: "=~", _NRE: "!~"}


@dataclass(frozen=True)
class _Token:
    kind: int
    value: str
    start: int
    end: int

    def unquote(self) -> str:
        if self.kind != _QUOTED:
            return self.value
        try:
            return _go_unquote(self.value)
        except ValueError as err:
            raise MatcherError(f"{self.start}:{self.end}: {self.value}: invalid input", self.start, self.end) from err


class _EndOfInput(MatcherError):
    """Alertmanager's errEOF: the parser wanted a token and the text ended."""


class _Lexer:
    def __init__(self, text: str) -> None:
        self.input = text
        self.error: MatcherError | None = None
        self.start = 0  # offset of the current token
        self.pos = 0  # the cursor
        self.width = 0  # 1, or 0 after the end: how far `rewind` goes back

    def scan(self) -> _Token:
        if self.error is not None:
            raise self.error
        try:
            return self._scan()
        except MatcherError as err:
            self.error = err
            raise

    def _scan(self) -> _Token:
        while (ch := self._next()) is not None:
            if ch == "{":
                return self._emit(_OPEN)
            if ch == "}":
                return self._emit(_CLOSE)
            if ch == ",":
                return self._emit(_COMMA)
            if ch in "=!":
                self._rewind()
                return self._operator()
            if ch == '"':
                self._rewind()
                return self._quoted()
            if not _ends_unquoted(ch):
                self._rewind()
                return self._unquoted()
            if ch in _SPACE:
                self.start = self.pos
                continue
            raise MatcherError(
                f"{self.start}:{self.pos}: {self.input[self.start : self.pos]}: invalid input", *self._span()
            )
        return _Token(_EOF, "", self.pos, self.pos)

    def _operator(self) -> _Token:
        if self._accept("!"):
            if self._accept("="):
                return self._emit(_NE)
            if self._accept("~"):
                return self._emit(_NRE)
            raise self._expected("=~")
        if self._accept("="):
            return self._emit(_RE if self._accept("~") else _EQ)
        raise self._expected("!=")

    def _quoted(self) -> _Token:
        self._accept('"')
        escaped = False
        while (ch := self._next()) is not None:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                self._rewind()
                break
        if not self._accept('"'):
            start, end = self._span()
            raise MatcherError(f'{start}:{end}: {self.input[start:end]}: missing end "', start, end)
        return self._emit(_QUOTED)

    def _unquoted(self) -> _Token:
        while (ch := self._next()) is not None:
            if _ends_unquoted(ch):
                self._rewind()
                break
        return self._emit(_UNQUOTED)

    def peek(self) -> _Token:
        saved = (self.start, self.pos, self.width)
        try:
            return self.scan()
        finally:
            self.start, self.pos, self.width = saved

    def _span(self) -> tuple[int, int]:
        return self.start, self.pos

    def _expected(self, valid: str) -> MatcherError:
        start, end = self._span()
        if end >= len(self.input):
            return MatcherError(f"{start}:{end}: unexpected end of input, expected one of '{valid}'", start, end)
        return MatcherError(f"{start}:{end}: {self.input[start:end]}: expected one of '{valid}'", start, end)

    def _accept(self, valid: str) -> bool:
        ch = self._next()
        if ch is not None and ch in valid:
            return True
        self._rewind()
        return False

    def _emit(self, kind: int) -> _Token:
        token = _Token(kind, self.input[self.start : self.pos], self.start, self.pos)
        self.start = self.pos
        return token

    def _next(self) -> str | None:
        if self.pos >= len(self.input):
            self.width = 0
            return None
        self.width = 1
        self.pos += 1
        return self.input[self.pos - 1]

    def _rewind(self) -> None:
        self.pos -= self.width


# The parser: matcher/parse/parse.go, a state machine whose states return the next state.
_State = Any  # Callable[[], _State | None]; recursive aliases are not worth mypy's trouble here


class _Parser:
    def __init__(self, text: str) -> None:
        self.lexer = _Lexer(text)
        self.matchers: list[Matcher] = []
        self.has_open_brace = False

    def parse(self) -> list[Matcher]:
        state: _State = self._open_brace
        while state is not None:
            state = state()
        return self.matchers

    def _open_brace(self) -> _State:
        try:
            self.has_open_brace = self._accept(_OPEN)
        except _EndOfInput:
            return self._eof
        try:
            has_close_brace = self._accept_peek(_CLOSE)
        except _EndOfInput:
            return self._close_brace
        return self._close_brace if has_close_brace else self._matcher

    def _close_brace(self) -> _State:
        lexer = self.lexer
        if self.has_open_brace:
            try:
                self._expect(_CLOSE)
            except MatcherError as err:
                raise _wrap(err, "expected close brace", f"0:{lexer.pos}: ") from None
        else:
            try:
                self._expect(_CLOSE)
            except MatcherError:
                pass
            else:
                raise MatcherError(f"0:{lexer.pos}: }}: expected opening brace", lexer.pos - 1, lexer.pos)
        return self._eof

    def _matcher(self) -> _State:
        try:
            token = self._expect(_QUOTED, _UNQUOTED)
        except MatcherError as err:
            raise _wrap(err, "expected label name") from None
        name = token.unquote()
        if not name:
            raise MatcherError(
                f"{token.start}:{token.end}: {token.value}: label name must not be empty", token.start, token.end
            )
        try:
            token = self._expect(_EQ, _NE, _RE, _NRE)
        except MatcherError as err:
            raise _wrap(err, "expected an operator such as '=', '!=', '=~' or '!~'") from None
        op = _OPERATOR_OF[token.kind]
        try:
            token = self._expect(_UNQUOTED, _QUOTED)
        except MatcherError as err:
            raise _wrap(err, "expected label value") from None
        value = token.unquote()
        try:
            self.matchers.append(Matcher(name, op, value))
        except MatcherError as err:
            raise MatcherError(f"failed to create matcher: {err}", token.start, token.end) from None
        return self._end_of_matcher

    def _end_of_matcher(self) -> _State:
        try:
            token = self._expect_peek(_COMMA, _CLOSE)
        except _EndOfInput:
            return self._close_brace
        except MatcherError as err:
            raise _wrap(err, "expected a comma or close brace") from None
        return self._comma if token.kind == _COMMA else self._close_brace

    def _comma(self) -> _State:
        self._expect(_COMMA)
        try:
            token = self._expect_peek(_CLOSE, _UNQUOTED, _QUOTED)
        except _EndOfInput:
            return self._close_brace
        except MatcherError as err:
            raise _wrap(err, "expected a matcher or close brace after comma") from None
        return self._close_brace if token.kind == _CLOSE else self._matcher

    def _eof(self) -> _State:
        try:
            token = self.lexer.scan()
        except MatcherError as err:
            raise _wrap(err, "expected end of input") from None
        if token.kind != _EOF:
            raise MatcherError(
                f"{token.start}:{token.end}: {token.value}: expected end of input", token.start, token.end
            )
        return None

    def _accept(self, kind: int) -> bool:
        found = self._accept_peek(kind)
        if found:
            self.lexer.scan()
        return found

    def _accept_peek(self, kind: int) -> bool:
        token = self.lexer.peek()
        if token.kind == _EOF:
            raise self._end_of_input()
        return token.kind == kind

    def _expect(self, *kinds: int) -> _Token:
        token = self._expect_peek(*kinds)
        self.lexer.scan()
        return token

    def _expect_peek(self, *kinds: int) -> _Token:
        token = self.lexer.peek()
        if token.kind == _EOF:
            raise self._end_of_input()
        if token.kind not in kinds:
            raise MatcherError(f"{token.start}:{token.end}: unexpected {token.value}", token.start, token.end)
        return token

    def _end_of_input(self) -> _EndOfInput:
        end = len(self.lexer.input)
        return _EndOfInput("end of input", end, end)


def _wrap(err: MatcherError, reason: str, prefix: str = "") -> MatcherError:
    """Go's `fmt.Errorf("%w: %w", err, reason)`: the cause's text, then what was expected."""
    return MatcherError(f"{prefix}{err.message}: {reason}", err.start, err.end)


# For API schemas: a field of matchers, given as one string or a list of strings (each may hold
# several matchers, as the lines of an Alertmanager `matchers:` list), kept as the matchers.
def _validate(value: Any) -> list[Matcher]:
    if isinstance(value, list) and all(isinstance(item, Matcher) for item in value):
        return list(value)
    lines: Sequence[Any] = [value] if isinstance(value, str) else value if isinstance(value, list) else ()
    if not isinstance(value, (str, list)) or not all(isinstance(line, str) for line in lines):
        raise PydanticCustomError("matchers_type", "matchers must be a string or a list of strings")
    found: list[Matcher] = []
    for index, line in enumerate(lines):
        try:
            found += parse_matchers(line)
        except MatcherError as err:
            where = f"matcher {index}: " if isinstance(value, list) else ""
            raise PydanticCustomError(
                "matchers",
                "{where}{message} (in {text})",
                {"where": where, "message": err.message, "text": repr(line), "start": err.start, "end": err.end},
            ) from None
    return found


MatcherList = Annotated[
    list[Matcher],
    PlainValidator(_validate),
    PlainSerializer(lambda matchers: [str(m) for m in matchers], return_type=list[str]),
    WithJsonSchema(
        {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": 'Alertmanager matchers, e.g. `{env="prod", service=~"api|web"}` (docs/api.md, "Matchers")',
            "examples": ['env="prod"', ['env="prod"', 'service=~"api|web"']],
        },
        mode="validation",
    ),
]
"""A pydantic field type: a string or a list of strings of matchers in, the matchers kept."""
