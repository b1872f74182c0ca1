"""A tenant's Alertmanager API settings: `resolve_timeout` and the `severity` label mapping
(`GET|PATCH /api/v1/tenant`), read by the Alertmanager API v2 door (api/routers/am_v2_*.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from amapi.mapping import DEFAULT_SEVERITY_MAP
from models.tables import Tenant
from workflows.payloads import Severity

DEFAULT_RESOLVE_TIMEOUT = timedelta(minutes=5)  # Alertmanager's `global.resolve_timeout` default


@dataclass(frozen=True)
class AmSettings:
    resolve_timeout: timedelta
    severities: dict[str, Severity]


def am_settings(row: Tenant | None) -> AmSettings:
    """The row's settings, each defaulted (5 m; amapi.mapping.DEFAULT_SEVERITY_MAP) when unset."""
    timeout = row.resolve_timeout if row is not None and row.resolve_timeout is not None else DEFAULT_RESOLVE_TIMEOUT
    mapping = row.severity_map if row is not None and row.severity_map is not None else None
    severities = (
        {value: Severity(severity) for value, severity in mapping.items()} if mapping else dict(DEFAULT_SEVERITY_MAP)
    )
    return AmSettings(timeout, severities)


async def tenant_am_settings(*, session: AsyncSession, tenant_id: str) -> AmSettings:
    return am_settings(await session.get(Tenant, tenant_id))
