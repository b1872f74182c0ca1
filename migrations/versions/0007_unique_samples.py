"""one sample per series and timestamp (a second value for the same instant read as a counter reset)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 20:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Keep the first value stored for an instant, as Prometheus does; later ones are dropped.
    op.execute(
        "DELETE FROM metric_samples later USING metric_samples first "
        "WHERE later.series_id = first.series_id AND later.ts = first.ts AND later.id > first.id"
    )
    op.drop_index('ix_metric_samples_series_ts', table_name='metric_samples')
    op.create_index('ix_metric_samples_series_ts', 'metric_samples', ['series_id', 'ts'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_metric_samples_series_ts', table_name='metric_samples')
    op.create_index('ix_metric_samples_series_ts', 'metric_samples', ['series_id', 'ts'], unique=False)
