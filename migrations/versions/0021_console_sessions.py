"""The web console: sign-in sessions (cookie digests), and a change sequence on alerts for its live stream

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("api_key_id", sa.String(length=36), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name=op.f("fk_console_sessions_api_key_id_api_keys"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_console_sessions")),
    )
    op.create_index(op.f("ix_console_sessions_api_key_id"), "console_sessions", ["api_key_id"], unique=False)
    # Every write of an alert row takes the next number: the stream's resumable cursor (Last-Event-ID).
    op.execute("CREATE SEQUENCE alerts_change_seq AS bigint")
    op.add_column(
        "alerts",
        sa.Column(
            "change_seq", sa.BigInteger(), server_default=sa.text("nextval('alerts_change_seq')"), nullable=False
        ),
    )
    op.create_index("ix_alerts_tenant_change_seq", "alerts", ["tenant_id", "change_seq"])


def downgrade() -> None:
    op.drop_index("ix_alerts_tenant_change_seq", table_name="alerts")
    op.drop_column("alerts", "change_seq")
    op.execute("DROP SEQUENCE alerts_change_seq")
    op.drop_index(op.f("ix_console_sessions_api_key_id"), table_name="console_sessions")
    op.drop_table("console_sessions")
