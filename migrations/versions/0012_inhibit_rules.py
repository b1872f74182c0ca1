"""Inhibit rules: a firing source alert mutes the fire notices of matching target alerts

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'inhibit_rules',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('source_matchers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('target_matchers', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('equal', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(
            ['tenant_id'], ['tenants.id'], name=op.f('fk_inhibit_rules_tenant_id_tenants'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inhibit_rules')),
    )
    op.create_index(op.f('ix_inhibit_rules_tenant_id'), 'inhibit_rules', ['tenant_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_inhibit_rules_tenant_id'), table_name='inhibit_rules')
    op.drop_table('inhibit_rules')
