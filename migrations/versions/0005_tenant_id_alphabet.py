"""tenant ids of one documented alphabet (no `/`: workflow ids built from them cannot collide)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALPHABET = r'^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'  # workflows.ids.TENANT_ID at this revision


def upgrade() -> None:
    wrong = [row[0] for row in op.get_bind().execute(sa.text("SELECT id FROM tenants WHERE id !~ :p"), {"p": ALPHABET})]
    if wrong:
        raise RuntimeError(
            f"tenant ids outside the alphabet {ALPHABET} (no '/', ':' or spaces): {wrong[:20]}; "
            "rename them (and their rows) before upgrading"
        )
    op.create_check_constraint(op.f('ck_tenants_id_alphabet'), 'tenants', f"id ~ '{ALPHABET}'")


def downgrade() -> None:
    op.drop_constraint(op.f('ck_tenants_id_alphabet'), 'tenants', type_='check')
