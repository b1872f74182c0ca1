"""Alertmanager API v2: members keep Alertmanager's fields; tenants get resolve_timeout and a severity mapping

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "alert_members",
        sa.Column("annotations", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
    )
    op.add_column("alert_members", sa.Column("generator_url", sa.Text(), server_default="", nullable=False))
    op.add_column("alert_members", sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("alert_members", sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tenants", sa.Column("resolve_timeout", postgresql.INTERVAL(), nullable=True))
    op.add_column("tenants", sa.Column("severity_map", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("tenants", "severity_map")
    op.drop_column("tenants", "resolve_timeout")
    op.drop_column("alert_members", "ends_at")
    op.drop_column("alert_members", "starts_at")
    op.drop_column("alert_members", "generator_url")
    op.drop_column("alert_members", "annotations")
