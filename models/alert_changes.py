"""The alert change feed behind the console's live stream (api/live.py, `GET /api/v1/stream`).

Every write of an alert row (models/projection.py `upsert_alert`) takes the next number of the
`alerts_change_seq` sequence into `alerts.change_seq` and sends `pg_notify(CHANNEL,
"<tenant>:<alert id>:<version>")` in the writer's transaction, so PostgreSQL delivers it when that
commits (and never if it rolls back). `change_seq` is the stream's resumable cursor: a reconnecting
client gets every alert of its tenant whose `change_seq` is above the last one it saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Alert
from models.text import ascii_int

CHANNEL = "herald_alerts"
NEXT_CHANGE = func.nextval("alerts_change_seq")
REPLAY_LIMIT = 1000  # rows per replay query; the stream pages on until it has caught up


@dataclass(frozen=True)
class Change:
    """One notification: `<tenant>:<alert id>:<version>` (tenant ids never hold `:`; alert ids are run ids)."""

    tenant_id: str
    alert_id: str
    version: int

    @classmethod
    def parse(cls, payload: str) -> Change | None:
        """None for a payload that is not ours (anyone may NOTIFY on the channel)."""
        tenant_id, _, rest = payload.partition(":")
        alert_id, _, version = rest.rpartition(":")
        number = ascii_int(version)
        if not tenant_id or not alert_id or number is None:
            return None
        return cls(tenant_id, alert_id, number)

    @property
    def payload(self) -> str:
        return f"{self.tenant_id}:{self.alert_id}:{self.version}"


async def changed_since(
    *, session: AsyncSession, tenant_id: str, after: int, limit: int = REPLAY_LIMIT
) -> Sequence[Alert]:
    """The tenant's alerts changed after cursor `after`, oldest change first, at most `limit`."""
    result = await session.scalars(
        select(Alert)
        .where(Alert.tenant_id == tenant_id, Alert.change_seq > after)
        .order_by(Alert.change_seq)
        .limit(limit)
    )
    return result.all()


async def latest_change(*, session: AsyncSession, tenant_id: str) -> int:
    """The tenant's newest cursor (0 when it has no alerts)."""
    found = await session.scalar(select(func.max(Alert.change_seq)).where(Alert.tenant_id == tenant_id))
    return int(found or 0)


async def alerts_by_id(*, session: AsyncSession, tenant_id: str, alert_ids: Sequence[str]) -> Sequence[Alert]:
    result = await session.scalars(select(Alert).where(Alert.tenant_id == tenant_id, Alert.id.in_(alert_ids)))
    return result.all()
