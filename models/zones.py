"""Time-zone facts the standard library does not offer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

# No zone changes its offset twice within six hours, so sampling at this step finds every change.
TRANSITION_STEP = timedelta(hours=6)


def offset_changes(start: datetime, end: datetime, tz: ZoneInfo) -> Iterator[datetime]:
    """The instants in (start, end] where the zone's UTC offset changes, i.e. where the wall clock jumps.

    zoneinfo has no public list of transitions, so sample the offset and bisect to the microsecond where it changes.
    """

    def offset(at: datetime) -> timedelta | None:
        return at.astimezone(tz).utcoffset()

    low = start
    while low < end:
        high = min(low + TRANSITION_STEP, end)
        if offset(low) != offset(high):
            before, after = low, high
            while after - before > timedelta(microseconds=1):
                middle = before + (after - before) // 2
                if offset(middle) == offset(before):
                    before = middle
                else:
                    after = middle
            yield after
        low = high
