"""Alerts: the channels each one notifies (so deleting a channel an open alert uses is refused)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'alerts',
        sa.Column('channel_ids', postgresql.JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")),
    )
    # Open alerts written before this column: their channels are the ones they have deliveries to
    # (a page to a person is not a channel's).
    op.execute(
        """
        UPDATE alerts SET channel_ids = used.ids
        FROM (
            SELECT alert_id, jsonb_agg(DISTINCT channel_id) AS ids
            FROM notifications WHERE user_id IS NULL GROUP BY alert_id
        ) AS used
        WHERE used.alert_id = alerts.id AND alerts.status <> 'resolved'
        """
    )


def downgrade() -> None:
    op.drop_column('alerts', 'channel_ids')
