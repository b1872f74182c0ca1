"""Retention and statistics: a tenant's retention_days and time_zone, and an index of resolved alerts by age

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tenants", sa.Column("retention_days", sa.Integer(), nullable=True))
    op.add_column("tenants", sa.Column("time_zone", sa.String(length=64), server_default="UTC", nullable=False))
    op.create_index(
        "ix_alerts_tenant_resolved_at",
        "alerts",
        ["tenant_id", "resolved_at"],
        unique=False,
        postgresql_where=sa.text("status = 'resolved'"),
    )


def downgrade() -> None:
    op.drop_index("ix_alerts_tenant_resolved_at", table_name="alerts", postgresql_where=sa.text("status = 'resolved'"))
    op.drop_column("tenants", "time_zone")
    op.drop_column("tenants", "retention_days")
