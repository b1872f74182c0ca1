"""An incident's members as continue-as-new carries them: one compressed text instead of two maps.

`AlertState.members` (member key → fire/resolve changes) and `AlertState.member_events` (member key →
events) as JSON cost about 74 bytes a member: 740 kB for 10,000 members, past the 512 kB at which
Temporal warns of a payload (it refuses one past 2 MB). Packed, a member costs about 26 bytes
(10,000 members: about 265 kB; Temporal's 2 MB limit is some 75,000 members away).

The table is a JSON list of `[key, transitions, events]`, zlib-compressed, base64-encoded. Pure and
deterministic (standard library only), so workflow code may call it.
"""

from __future__ import annotations

import base64
import json
import zlib


def pack(members: dict[str, int], events: dict[str, int]) -> str:
    """The members (key → transitions) and their event counts (key → events; 0 when absent) as text."""
    table = [[key, transitions, events.get(key, 0)] for key, transitions in members.items()]
    text = json.dumps(table, separators=(",", ":"), ensure_ascii=False)
    return base64.b64encode(zlib.compress(text.encode("utf-8", "surrogatepass"), 6)).decode("ascii")


def unpack(packed: str) -> tuple[dict[str, int], dict[str, int]]:
    """`pack`'s text back to (members, events), in the order packed. Raises ValueError for text that
    `pack` did not write."""
    try:
        table = json.loads(zlib.decompress(base64.b64decode(packed, validate=True)).decode("utf-8", "surrogatepass"))
        members = {str(key): int(transitions) for key, transitions, _ in table}
        events = {str(key): int(count) for key, _, count in table if count}
    except (zlib.error, UnicodeDecodeError, ValueError, TypeError) as err:
        raise ValueError(f"not a packed member table: {err}") from err
    return members, events
