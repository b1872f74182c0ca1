"""API keys may belong to a person: api_keys.user_id (the console's "my shifts", the audit log's actor)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 08:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("api_keys", sa.Column("user_id", sa.String(length=36), nullable=True))
    op.create_foreign_key(
        "fk_api_keys_user_id_users", "api_keys", "users", ["user_id"], ["id"], ondelete="SET NULL"
    )
    op.create_index("ix_api_keys_user_id", "api_keys", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_api_keys_user_id", table_name="api_keys")
    op.drop_constraint("fk_api_keys_user_id_users", "api_keys", type_="foreignkey")
    op.drop_column("api_keys", "user_id")
