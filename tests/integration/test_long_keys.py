"""The longest alert key Herald accepts, through the projection: every derived id still fits its column."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from channels.render import sample_alert
from models.alert_queries import timeline
from models.projection import add_timeline_entry, upsert_alert
from workflows.ids import alert_workflow_id, page_idempotency_key
from workflows.payloads import TimelineEntry


async def test_pages_of_an_alert_with_a_255_character_key_are_recorded_once_each(
    sessions: async_sessionmaker[AsyncSession], tenant: str
) -> None:
    # Before: `delivery:<page idempotency key>:<attempt>` was over the 400-character column, so
    # recording a page's attempt failed (and the activity retried it for ever).
    key = "k" * 255
    view = sample_alert().model_copy(
        update={
            "tenant_id": tenant,
            "alert_id": str(uuid.uuid4()),
            "key": key,
            "workflow_id": alert_workflow_id(tenant, key),
        }
    )
    user, method = str(uuid.uuid4()), str(uuid.uuid4())
    pages = [page_idempotency_key(view.workflow_id, view.alert_id, 12, user, method, delay) for delay in (0, 300)]
    assert all(len(f"delivery:{page}:1") > 400 for page in pages)
    entry = TimelineEntry(kind="notification_delivered", at=datetime.now(UTC), actor="herald", message="sent")
    async with sessions.begin() as session:
        await upsert_alert(session=session, view=view)
        for page in pages * 2:  # each written twice, as a retried activity would
            await add_timeline_entry(
                session=session, tenant_id=tenant, alert_id=view.alert_id, dedup=f"delivery:{page}:1", entry=entry
            )
    async with sessions.begin() as session:
        rows = [
            row for row in await timeline(session=session, alert_id=view.alert_id) if row.dedup.startswith("delivery:")
        ]
    assert len(rows) == 2  # one per page: still distinct, still idempotent
    assert all(len(row.dedup) <= 400 for row in rows)
