"""Routing trees: each tenant's flat routing (policy_routes + default policy) becomes an equivalent tree

Root: group_by ["..."], group_wait 0s, group_interval 5m, repeat_interval 30m, the tenant default policy;
one child per old route in order (severity / category / label matchers, its policy, no continue).
Then policy_routes is dropped. The downgrade recreates an empty policy_routes (every tenant then
follows its default policy) and drops the trees.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 00:10:00
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _one_of(name: str, values: list[str]) -> str:
    return f'{name}="{values[0]}"' if len(values) == 1 else f'{name}=~"{"|".join(values)}"'


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _child(policy_id: str, severities: list[str], categories: list[str], labels: dict[str, str]) -> dict[str, Any]:
    # The same text as models/routing_trees.flat_route (a migration keeps its own copy: it must not change).
    matchers = []
    if severities:
        matchers.append(_one_of("severity", severities))
    if categories:
        matchers.append(_one_of("category", categories))
    matchers += [f'"{_quoted(name)}"="{_quoted(value)}"' for name, value in labels.items()]
    return {
        "matchers": matchers,
        "continue": False,
        "escalation_policy_id": policy_id,
        "mute_time_intervals": [],
        "active_time_intervals": [],
        "routes": [],
    }


def _tree(policy_id: str | None, children: list[dict[str, Any]]) -> dict[str, Any]:
    root: dict[str, Any] = {
        "matchers": [],
        "continue": False,
        "group_by": ["..."],
        "group_wait": "0s",
        "group_interval": "5m",
        "repeat_interval": "30m",
        "mute_time_intervals": [],
        "active_time_intervals": [],
        "routes": children,
    }
    if policy_id is not None:
        root["escalation_policy_id"] = policy_id
    return root


def upgrade() -> None:
    op.create_table(
        'routing_trees',
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('tree', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(
            ['tenant_id'], ['tenants.id'], name=op.f('fk_routing_trees_tenant_id_tenants'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_routing_trees')),
    )
    connection = op.get_bind()
    routes: dict[str, list[dict[str, Any]]] = {}
    for tenant_id, policy_id, severities, categories, labels in connection.execute(
        sa.text(
            "SELECT tenant_id, policy_id, severities, categories, labels FROM policy_routes "
            "ORDER BY tenant_id, position, id"
        )
    ):
        routes.setdefault(tenant_id, []).append(_child(policy_id, severities or [], categories or [], labels or {}))
    for tenant_id, default_policy_id in connection.execute(sa.text("SELECT id, default_policy_id FROM tenants")):
        connection.execute(
            sa.text("INSERT INTO routing_trees (tenant_id, tree, version) VALUES (:tenant, CAST(:tree AS jsonb), 1)"),
            {"tenant": tenant_id, "tree": json.dumps(_tree(default_policy_id, routes.get(tenant_id, [])))},
        )
    op.drop_index(op.f('ix_policy_routes_tenant_id'), table_name='policy_routes')
    op.drop_table('policy_routes')


def downgrade() -> None:
    op.create_table(
        'policy_routes',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('policy_id', sa.String(length=36), nullable=False),
        sa.Column('severities', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('categories', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('labels', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ['policy_id'], ['escalation_policies.id'], name=op.f('fk_policy_routes_policy_id_escalation_policies'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['tenant_id'], ['tenants.id'], name=op.f('fk_policy_routes_tenant_id_tenants'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_routes')),
    )
    op.create_index(op.f('ix_policy_routes_tenant_id'), 'policy_routes', ['tenant_id'], unique=False)
    op.drop_table('routing_trees')
