"""Incidents have members: alert_members, and the alert row's firing/resolved member counts

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('alerts', sa.Column('firing_members', sa.Integer(), server_default='0', nullable=False))
    op.add_column('alerts', sa.Column('resolved_members', sa.Integer(), server_default='0', nullable=False))
    op.create_table(
        'alert_members',
        sa.Column('alert_id', sa.String(length=64), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('labels', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('transitions', sa.Integer(), nullable=False),
        sa.Column('event_count', sa.Integer(), nullable=False),
        sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['alert_id'], ['alerts.id'], name=op.f('fk_alert_members_alert_id_alerts'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(
            ['tenant_id'], ['tenants.id'], name=op.f('fk_alert_members_tenant_id_tenants'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('alert_id', 'key', name=op.f('pk_alert_members')),
    )
    op.create_index(op.f('ix_alert_members_tenant_id'), 'alert_members', ['tenant_id'], unique=False)
    op.create_index('ix_alert_members_labels', 'alert_members', ['labels'], unique=False, postgresql_using='gin')


def downgrade() -> None:
    op.drop_index('ix_alert_members_labels', table_name='alert_members')
    op.drop_index(op.f('ix_alert_members_tenant_id'), table_name='alert_members')
    op.drop_table('alert_members')
    op.drop_column('alerts', 'resolved_members')
    op.drop_column('alerts', 'firing_members')
