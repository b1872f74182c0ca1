"""Named time intervals (Alertmanager's time_intervals) that routes mute or activate by

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 23:58:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'time_intervals',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('time_intervals', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(
            ['tenant_id'], ['tenants.id'], name=op.f('fk_time_intervals_tenant_id_tenants'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_time_intervals')),
        sa.UniqueConstraint('tenant_id', 'name', name='uq_time_intervals_tenant_name'),
    )
    op.create_index(op.f('ix_time_intervals_tenant_id'), 'time_intervals', ['tenant_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_time_intervals_tenant_id'), table_name='time_intervals')
    op.drop_table('time_intervals')
