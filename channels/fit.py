"""Fitting text into a provider's published limits, in characters or in bytes, in any script.

Limits are counted the way that is strictest for the provider: "characters" as UTF-16 code
units (an emoji is two: what JavaScript and .NET count, never fewer than code points), and
bytes as UTF-8 (or the bytes of the text inside a JSON string, `json_bytes`). A cut never
splits a character, a combining sequence or an escape (`&amp;`, `\\*`), ends with `…`, and for
long text says how much was left out. Whole messages are fitted by `share`: the parts that must
stay (title, severity, link) are kept, and the rest share what is left, the shortest whole.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence

Measure = Callable[[str], int]
ELLIPSIS = "…"
JOINERS = {"\u200d", "\u034f"}  # zero-width joiner, combining grapheme joiner
CUT_ENTITY = re.compile(r"&[A-Za-z#0-9]{0,8}$")  # `&amp;` cut short: `&`, then at most 8 of its characters


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def utf8(text: str) -> int:
    return len(text.encode())


def json_bytes(text: str) -> int:
    """UTF-8 bytes of `text` inside a JSON string as httpx sends it (`ensure_ascii=False`)."""
    return len(json.dumps(text, ensure_ascii=False).encode()) - 2


def _joined(text: str, at: int) -> bool:
    """Would a cut at `at` separate `text[at]` from the character before it?"""
    if at <= 0 or at >= len(text):
        return False
    char, before = text[at], text[at - 1]
    if _regional(char) and _regional(before):  # a flag is a pair: inside one after an odd run
        run = 0
        while at - run > 0 and _regional(text[at - run - 1]):
            run += 1
        return run % 2 == 1
    return (
        unicodedata.combining(char) != 0
        or unicodedata.category(char) in ("Mn", "Me", "Mc")
        or char in JOINERS
        or before in JOINERS
        or 0xFE00 <= ord(char) <= 0xFE0F  # variation selectors
        or 0x1F3FB <= ord(char) <= 0x1F3FF  # skin tone modifiers
        or 0xE0020 <= ord(char) <= 0xE007F  # tag characters (flag sequences)
    )


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def note(left_out: int) -> str:
    return f"{ELLIPSIS} ({left_out:,} more characters not shown)"


def cut(text: str, limit: int, measure: Measure = utf16, *, say: bool = False) -> str:
    """`text` if it fits `limit`; else its longest clean prefix that fits with `…` (with `say`, with
    `… (N more characters not shown)` when that fits too)."""
    if measure(text) <= limit:
        return text
    if say:
        for_note = _prefix(text, limit, measure, lambda kept: note(len(text) - kept))
        if for_note is not None:
            return for_note
    return _prefix(text, limit, measure, lambda kept: ELLIPSIS) or ""


def _prefix(text: str, limit: int, measure: Measure, tail: Callable[[int], str]) -> str | None:
    low, high = 0, len(text)  # the longest prefix whose measure with its tail fits
    if measure(tail(0)) > limit:
        return None
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle] + tail(middle)) <= limit:
            low = middle
        else:
            high = middle - 1
    while low >= 0:  # back off to a clean end; the note may grow a digit
        kept = text[: _clean_end(text, low)]
        fitted = kept + tail(len(kept))
        if measure(fitted) <= limit:
            return fitted
        low = len(kept) - 1
    return None


def _clean_end(text: str, at: int) -> int:
    """The largest end at or before `at` that splits no joined characters, leaves no cut escape and
    no trailing whitespace. Each back-off can expose another (`&disk &a` loses `&a`, then its space,
    and ends like a cut entity again; a space after a joiner leaves the joiner), so all three repeat
    until none applies."""
    while True:
        start = at
        while at > 0 and _joined(text, at):
            at -= 1
        at = _before_cut_escape(text, at)
        while at > 0 and text[at - 1].isspace():
            at -= 1
        if at == start:
            return at


def _before_cut_escape(text: str, at: int) -> int:
    """Where a cut escape ending at `at` begins (a dangling backslash: its whole run of backslashes when
    the run is odd; a cut entity), else `at`. Reads only the end of `text[:at]`: each back-off costs
    what it removes, so a cut of `&&&…` or `\\ \\ …` stays linear (a search over `text[:at]` per step
    made 20,000 `&` cost 5 s)."""
    run = 0
    while run < at and text[at - 1 - run] == "\\":
        run += 1
    if run % 2:
        return at - run
    entity = CUT_ENTITY.search(text, max(0, at - 9), at)
    return entity.start() if entity else at


def share(lengths: Sequence[int], budget: int) -> int:
    """The largest cap such that the parts, each cut to at most the cap, fit `budget` together
    (water-filling: parts shorter than the cap stay whole)."""
    if sum(lengths) <= budget:
        return max(lengths, default=0)
    ordered = sorted(lengths)
    spent = 0
    for index, length in enumerate(ordered):
        remaining = len(ordered) - index
        if spent + length * remaining > budget:
            return max(0, (budget - spent) // remaining)
        spent += length
    return ordered[-1]
