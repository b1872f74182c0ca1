"""`/api/v1/datasources`: Prometheus HTTP APIs that rules query; secrets encrypted at rest, masked on read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response, status

from api.audit import AuditDep
from api.deps import Admin, ResourcesDep, SessionDep, Viewer
from api.errors import InUse
from api.schemas.rules import DataSourceIn, DataSourceOut, DataSourceTestOut
from channels.config import MASK
from models.crud import check_name, list_rows, require_row, save_row
from models.errors import Conflict
from models.references import references
from models.rule_tables import DataSource
from rules.engine import prometheus_source
from rules.sources import QueryFailed, prometheus_query

router = APIRouter(prefix="/api/v1/datasources", tags=["data sources"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such data source in your tenant"}}
SECRETS = ("password", "bearer_token")


def _out(row: DataSource, secrets: dict[str, str]) -> DataSourceOut:
    return DataSourceOut(
        id=row.id,
        name=row.name,
        type="prometheus",
        url=row.url,
        username=row.config.get("username"),
        timeout_seconds=row.config.get("timeout_seconds", 10),
        created_at=row.created_at,
        updated_at=row.updated_at,
        **{name: MASK for name in SECRETS if secrets.get(name)},
    )


async def _store(
    resources: ResourcesDep, session: SessionDep, tenant_id: str, body: DataSourceIn, row: DataSource | None
) -> DataSource:
    await check_name(session, DataSource, tenant_id, body.name, row.id if row else None, "data source")
    kept = resources.secrets.open(row.secret) if row else {}
    secrets = {}
    for name in SECRETS:
        given = getattr(body, name)
        value = kept.get(name) if given == MASK else given  # the masked value sent back keeps the secret
        if value:
            secrets[name] = value
    values = {
        "name": body.name,
        "type": body.type,
        "url": body.url.rstrip("/"),
        "config": {"username": body.username, "timeout_seconds": body.timeout_seconds},
        "secret": resources.secrets.seal(secrets),
    }
    duplicate = Conflict.named("data source", body.name)
    return await save_row(session, DataSource, tenant_id, values, row, duplicate=duplicate)


@router.get("", response_model=list[DataSourceOut], summary="List data sources")
async def list_sources(principal: Viewer, session: SessionDep, resources: ResourcesDep) -> list[DataSourceOut]:
    return [
        _out(row, resources.secrets.open(row.secret))
        for row in await list_rows(session, DataSource, principal.tenant_id)
    ]


@router.post(
    "",
    response_model=DataSourceOut,
    status_code=status.HTTP_201_CREATED,
    responses={409: {}, 422: {}},
    summary="Add a Prometheus data source",
)
async def create_source(
    body: DataSourceIn, principal: Admin, session: SessionDep, resources: ResourcesDep, audit: AuditDep
) -> DataSourceOut:
    row = await _store(resources, session, principal.tenant_id, body, None)
    out = _out(row, resources.secrets.open(row.secret))
    await audit.record("data_source", out.id, "create", after=out)
    return out


@router.get("/{source_id}", response_model=DataSourceOut, responses=NOT_FOUND, summary="Read a data source")
async def get_source(source_id: str, principal: Viewer, session: SessionDep, resources: ResourcesDep) -> DataSourceOut:
    row = await require_row(session, DataSource, principal.tenant_id, source_id, "data source")
    return _out(row, resources.secrets.open(row.secret))


@router.put(
    "/{source_id}",
    response_model=DataSourceOut,
    responses={**NOT_FOUND, 409: {}, 422: {}},
    summary="Replace a data source",
)
async def update_source(
    source_id: str,
    body: DataSourceIn,
    principal: Admin,
    session: SessionDep,
    resources: ResourcesDep,
    audit: AuditDep,
) -> DataSourceOut:
    row = await require_row(session, DataSource, principal.tenant_id, source_id, "data source")
    before = _out(row, resources.secrets.open(row.secret))
    row = await _store(resources, session, principal.tenant_id, body, row)
    out = _out(row, resources.secrets.open(row.secret))
    await audit.record("data_source", out.id, "update", before=before, after=out)
    return out


@router.delete(
    "/{source_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, 409: {"description": "Rules use it; `used_by` lists them"}},
    summary="Delete a data source",
)
async def delete_source(
    source_id: str, principal: Admin, session: SessionDep, resources: ResourcesDep, audit: AuditDep
) -> Response:
    row = await require_row(session, DataSource, principal.tenant_id, source_id, "data source")
    used_by = await references(session, principal.tenant_id, "data_source", row.id)
    if used_by:
        raise InUse(f"data source '{row.name}'", used_by)
    await audit.record("data_source", row.id, "delete", before=_out(row, resources.secrets.open(row.secret)))
    await session.delete(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{source_id}/test",
    response_model=DataSourceTestOut,
    responses=NOT_FOUND,
    summary="Run `vector(1)` against the source",
)
async def test_source(
    source_id: str, principal: Admin, session: SessionDep, resources: ResourcesDep
) -> DataSourceTestOut:
    row = await require_row(session, DataSource, principal.tenant_id, source_id, "data source")
    try:
        await prometheus_query(
            resources.http, prometheus_source(row, resources.secrets), "vector(1)", datetime.now(UTC)
        )
    except QueryFailed as err:
        return DataSourceTestOut(ok=False, detail=str(err))
    return DataSourceTestOut(ok=True, detail="Prometheus answered the query")
