"""Silences that expire when what they matched has resolved; a per-tenant maximum silence duration

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "silences", sa.Column("expire_when_resolved", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("silences", sa.Column("matched_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tenants", sa.Column("max_silence_duration", postgresql.INTERVAL(), nullable=True))


def downgrade() -> None:
    op.drop_column("tenants", "max_silence_duration")
    op.drop_column("silences", "matched_at")
    op.drop_column("silences", "expire_when_resolved")
