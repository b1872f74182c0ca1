"""Tenants for a platform admin: tenants.disabled_at (null: enabled) and tenants.default_repeat_interval
(null: the routing tree's default)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tenants", sa.Column("default_repeat_interval", sa.Interval(), nullable=True))
    op.add_column("tenants", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("tenants", "disabled_at")
    op.drop_column("tenants", "default_repeat_interval")
