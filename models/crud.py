"""Tenant-scoped reads shared by every configuration table (callers own the transaction)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Base

Row = TypeVar("Row", bound=Base)


async def get_row(session: AsyncSession, model: type[Row], tenant_id: str, row_id: str) -> Row | None:
    table: Any = model
    return await session.scalar(select(model).where(table.tenant_id == tenant_id, table.id == row_id))


async def list_rows(session: AsyncSession, model: type[Row], tenant_id: str) -> Sequence[Row]:
    table: Any = model
    result = await session.scalars(select(model).where(table.tenant_id == tenant_id).order_by(table.name, table.id))
    return result.all()


async def rows_by_id(session: AsyncSession, model: type[Row], tenant_id: str, ids: Iterable[str]) -> dict[str, Row]:
    wanted = set(ids)
    if not wanted:
        return {}
    table: Any = model
    result = await session.scalars(select(model).where(table.tenant_id == tenant_id, table.id.in_(wanted)))
    return {row.id: row for row in result.all()}  # type: ignore[attr-defined]


async def name_taken(session: AsyncSession, model: type[Row], tenant_id: str, name: str, except_id: str | None) -> bool:
    table: Any = model
    query = select(table.id).where(table.tenant_id == tenant_id, table.name == name)
    found = await session.scalar(query)
    return found is not None and found != except_id
