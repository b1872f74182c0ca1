"""The ingest inbox: events kept durably between the API's answer and their incidents' signals

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'ingest_inbox',
        sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('event', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('cycle', sa.BigInteger(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(
            ['tenant_id'], ['tenants.id'], name=op.f('fk_ingest_inbox_tenant_id_tenants'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ingest_inbox')),
    )
    op.create_index('ix_ingest_inbox_cycle_id', 'ingest_inbox', ['cycle', 'id'], unique=False)
    op.execute('CREATE SEQUENCE ingest_inbox_cycle')


def downgrade() -> None:
    op.execute('DROP SEQUENCE ingest_inbox_cycle')
    op.drop_index('ix_ingest_inbox_cycle_id', table_name='ingest_inbox')
    op.drop_table('ingest_inbox')
