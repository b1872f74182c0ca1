"""Text PostgreSQL cannot store, found before it gets there (pure; no I/O).

PostgreSQL's `text` and `jsonb` refuse NUL (U+0000), and a lone UTF-16 surrogate (U+D800 to
U+DFFF, which JSON's `\\udfff` escape can spell) cannot even be encoded as UTF-8. Either in an
input would reach the database, a key hash or a Temporal payload and fail there (a 500, or an
activity retried for ever). `unstorable` says why a string is refused; `first_unstorable` walks
a decoded JSON document (keys and values) and names the first field that holds one.
"""

from __future__ import annotations

import re

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """Why PostgreSQL cannot store `text`, or None."""
    found = UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL character (\\u0000), which cannot be stored"
    return f"contains a lone UTF-16 surrogate (\\u{ord(found.group()):04x}), which is not Unicode text"


def first_unstorable(document: object, path: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """(dotted field, why) of the first string in a decoded JSON document that cannot be stored."""
    if isinstance(document, str):
        problem = unstorable(document)
        return (".".join(path) or "body", problem) if problem else None
    if isinstance(document, dict):
        for key, value in document.items():
            problem = unstorable(key)
            if problem:
                return (".".join(path) or "body", f"a key {problem}")
            found = first_unstorable(value, (*path, key))
            if found:
                return found
    elif isinstance(document, list):
        for index, item in enumerate(document):
            found = first_unstorable(item, (*path, str(index)))
            if found:
                return found
    return None


def ascii_int(text: str) -> int | None:
    """`text` as a non-negative integer if it is one or more ASCII digits, else None.

    `str.isdigit` alone is not enough before `int()`: it is true of digits `int()` refuses (the superscript `³`,
    which a latin-1 HTTP header can carry) and `int()` takes digits of other scripts (`٣`) that no id of Herald's
    is written in."""
    return int(text) if text.isascii() and text.isdigit() else None
