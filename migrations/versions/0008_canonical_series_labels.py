"""metric series labels canonical: an empty label value is an absent label (one series, not two)

Series pushed as `m{host="a",env=""}` were stored apart from `m{host="a"}`. Each such series is
given its canonical labels (empty values dropped) and key; where the canonical series already
exists, its samples move there (an instant both hold keeps the canonical series' value, as the
unique index of 0007 requires) and the row goes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 21:00:00
"""

import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key(name: str, labels: dict[str, str]) -> str:
    """workflows.ids.labels_key at this revision (frozen here: a migration must not follow later code)."""
    canonical = json.dumps([name, sorted(labels.items())], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, tenant_id, name, labels FROM metric_series "
            "WHERE EXISTS (SELECT 1 FROM jsonb_each_text(labels) AS l(k, v) WHERE v = '') ORDER BY id"
        )
    ).all()
    for series_id, tenant_id, name, labels in rows:
        canonical = {label: value for label, value in labels.items() if value != ''}
        key = _key(name, canonical)
        target = bind.execute(
            sa.text("SELECT id FROM metric_series WHERE tenant_id = :t AND name = :n AND labels_key = :k"),
            {'t': tenant_id, 'n': name, 'k': key},
        ).scalar()
        if target is None:
            bind.execute(
                sa.text("UPDATE metric_series SET labels = CAST(:l AS jsonb), labels_key = :k WHERE id = :id"),
                {'l': json.dumps(canonical), 'k': key, 'id': series_id},
            )
            continue
        bind.execute(
            sa.text(
                "DELETE FROM metric_samples s USING metric_samples kept "
                "WHERE s.series_id = :old AND kept.series_id = :new AND kept.ts = s.ts"
            ),
            {'old': series_id, 'new': target},
        )
        bind.execute(
            sa.text("UPDATE metric_samples SET series_id = :new WHERE series_id = :old"),
            {'old': series_id, 'new': target},
        )
        bind.execute(sa.text("DELETE FROM metric_series WHERE id = :id"), {'id': series_id})


def downgrade() -> None:
    pass  # merged series cannot be told apart again; canonical labels are valid before this revision too
