"""Tenant-scoped reads and writes shared by every configuration table (callers own the transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import Conflict, NotFound
from models.tables import Base

Row = TypeVar("Row", bound=Base)


async def get_row(session: AsyncSession, model: type[Row], tenant_id: str, row_id: str) -> Row | None:
    table: Any = model
    return await session.scalar(select(model).where(table.tenant_id == tenant_id, table.id == row_id))


async def require_row(session: AsyncSession, model: type[Row], tenant_id: str, row_id: str, what: str) -> Row:
    """The tenant's row, or NotFound naming `what` (another tenant's row is not found)."""
    row = await get_row(session, model, tenant_id, row_id)
    if row is None:
        raise NotFound(f"{what} {row_id} not found")
    return row


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


async def check_name(
    session: AsyncSession, model: type[Row], tenant_id: str, name: str, except_id: str | None, what: str
) -> None:
    """Conflict when another of the tenant's rows (not `except_id`) already has this name."""
    if await name_taken(session, model, tenant_id, name, except_id):
        raise Conflict.named(what, name)


async def save_row(
    session: AsyncSession,
    model: type[Row],
    tenant_id: str,
    values: Mapping[str, Any],
    row: Row | None = None,
    *,
    duplicate: Conflict,
) -> Row:
    """A new row of the tenant holding `values` (when `row` is None), or `row` with `values` copied
    onto it; flushed and refreshed. A unique constraint hit by a concurrent write is `duplicate`."""
    if row is None:
        row = model(id=str(uuid.uuid4()), tenant_id=tenant_id, **values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    try:
        await session.flush()
    except IntegrityError as err:
        raise duplicate from err
    await session.refresh(row)
    return row


async def add_row(session: AsyncSession, row: Row) -> Row:
    """`row` added, flushed and refreshed (its server defaults read back)."""
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row
