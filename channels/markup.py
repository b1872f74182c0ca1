"""Alert data in a provider's markup: escaped, so that it reads as written and never acts.

Alert data (titles, descriptions, labels, names) comes from whoever sends events; in a chat
message it must not ping a channel, disguise a link or restyle the message. Herald's own text
(a template's literal markup, Herald's links) stays markup:

* **Slack** `mrkdwn`: `&`, `<` and `>` become `&amp;`, `&lt;`, `&gt;` — Slack's own rule
  ("Escaping text" in its formatting reference), which defuses `<!channel>`, `<@U…>` and
  `<url|text>`.
* **Discord** markdown: a backslash before `\\ * _ ~ `` ` `` | [ ] ( ) < @` and before a heading,
  quote or list marker that starts a line; `@everyone` and mentions are also refused by
  `allowed_mentions`.
* **Microsoft Teams** Adaptive Card markdown (TextBlock, Fact title and value: bold, italic,
  lists, `[text](url)`): a backslash before `\\ * _ ~ [ ] ( ) < >` and before a list marker
  that starts a line. Mentions need `msteams.entities`, which Herald never sends.

Templates are rendered with the channel's escaper as Jinja's `finalize`, so every `{{ value }}`
is escaped and the template's own text is not; values wrapped in `Trusted` (Herald's links)
pass as they are. Senders escape what they add themselves (facts, the state line).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Escape = Callable[[str], str]


class Trusted(str):
    """Text of Herald's own (a link it built): never escaped."""

    __slots__ = ()


def plain(text: str) -> str:
    return text


def slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


DISCORD_SPECIAL = re.compile(r"([\\*_~`|\[\]()<@])")
# A marker that starts a line, after that line's own indentation: `[^\S\n]*` (whitespace but a newline) never
# runs into the next line, so a run of blank lines is read once, not once per line it starts (`\s*` made a
# value of n newlines cost n² steps: 1,000 of them took 15 ms, and 48 labels of it a render's whole budget).
DISCORD_LINE = re.compile(r"^([^\S\n]*)(#+|>+|[-+]|\d+\.)(?=\s|$)", re.MULTILINE)
TEAMS_SPECIAL = re.compile(r"([\\*_~\[\]()<>])")
TEAMS_LIST = re.compile(r"^([^\S\n]*)([-+]|\d+\.)(?=\s|$)", re.MULTILINE)


def _line_start(match: re.Match[str]) -> str:
    marker = match.group(2)
    return f"{match.group(1)}{marker[:-1]}\\{marker[-1]}"


def discord(text: str) -> str:
    return DISCORD_LINE.sub(_line_start, DISCORD_SPECIAL.sub(r"\\\1", text))


def teams(text: str) -> str:
    return TEAMS_LIST.sub(_line_start, TEAMS_SPECIAL.sub(r"\\\1", text))


ESCAPES: dict[str, Escape] = {"slack": slack, "discord": discord, "teams": teams}


def escape_for(channel_type: str | None) -> Escape:
    """The escaper of a channel type's markup (`plain` for channels without one)."""
    return ESCAPES.get(channel_type or "", plain)


def finalizer(escape: Escape) -> Callable[[Any], Any]:
    """Jinja `finalize`: escape each expression's value unless it is `Trusted`."""

    def finalize(value: Any) -> Any:
        return value if isinstance(value, Trusted) else escape(str(value))

    return finalize
