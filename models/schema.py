"""Every table Herald declares, for Alembic and the schema drift test."""

from __future__ import annotations

from models import rule_tables
from models.tables import Base

metadata = Base.metadata
__all__ = ["metadata", "rule_tables"]
