"""The audit log: one row per configuration change or alert action, and tenants.audit_retention_days

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "tenants", sa.Column("audit_retention_days", sa.Integer(), server_default="365", nullable=False)
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("clock_timestamp()"), nullable=False),
        sa.Column("key_id", sa.String(length=36), nullable=True),
        sa.Column("key_name", sa.String(length=200), nullable=True),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("actor_detail", sa.String(length=200), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("resource", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.String(length=200), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("truncated", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_audit_log_tenant_id_tenants", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_tenant_at", "audit_log", ["tenant_id", "at", "id"], unique=False)
    op.create_index(
        "ix_audit_log_tenant_resource", "audit_log", ["tenant_id", "resource", "resource_id", "at"], unique=False
    )
    op.create_index("ix_audit_log_tenant_key", "audit_log", ["tenant_id", "key_id", "at"], unique=False)
    op.create_index("ix_audit_log_tenant_user", "audit_log", ["tenant_id", "user_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_column("tenants", "audit_retention_days")
