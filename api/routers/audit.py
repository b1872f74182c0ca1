"""`/api/v1/audit`: who changed what (admin). Rows are written by every write (api/audit.py).

The list pages with the API's cursor, newest first. The export streams the same filtered rows as CSV
or JSON, at most `limit` (≤ EXPORT_MAX) per request; `Herald-Next-Cursor` (a header, known before
the first byte) continues it, absent on the last part.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import select, tuple_

from api.deps import Admin, ResourcesDep, SessionDep
from models.audit import ORDER, AuditFilter, list_entries, page_bound
from models.cursors import encode_cursor
from models.errors import InvalidQuery
from models.tables import AuditEntry

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
EXPORT_MAX = 10_000
EXPORT_PAGE = 500
NEXT_CURSOR_HEADER = "Herald-Next-Cursor"
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": "`from` / `to` not RFC 3339 with a zone, `to` not after `from`, a bad `cursor` or `limit`"}
}


class AuditActorOut(BaseModel):
    key_id: str | None = Field(description="The API key (null for a Slack click)")
    key_name: str | None = Field(description="The key's name when it acted")
    user_id: str | None = Field(description="The key's person, or the Herald user who clicked in Slack")
    via: str = Field(description="api-key, console (a console session of the key) or slack")
    detail: str | None = Field(description="What the door adds: the Slack user and workspace ids")


class AuditEntryOut(BaseModel):
    id: str
    at: datetime
    actor: AuditActorOut
    client_address: str | None = Field(description="The client's address (X-Forwarded-For from trusted proxies)")
    request_id: str | None = Field(description="The request's X-Request-ID (as in the logs)")
    resource: str = Field(description="channel, template, user, team, schedule, alert, api_key, silence...")
    resource_id: str | None
    action: str = Field(description="create, update, delete, acknowledge, resolve, rotate, revoke, sign_in...")
    before: Any = Field(description="The resource before the change (JSON, secrets masked); null for a create")
    after: Any = Field(description="The resource after, or what was asked (JSON, secrets masked); null for a delete")
    truncated: bool = Field(description="A side was over 64 KiB of JSON: it holds its size and SHA-256 instead")


class AuditPageOut(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page; null on the last one")


def entry_out(row: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(
        id=str(row.id),
        at=row.at,
        actor=AuditActorOut(
            key_id=row.key_id, key_name=row.key_name, user_id=row.user_id, via=row.via, detail=row.actor_detail
        ),
        client_address=row.client_address,
        request_id=row.request_id,
        resource=row.resource,
        resource_id=row.resource_id,
        action=row.action,
        before=row.before,
        after=row.after,
        truncated=row.truncated,
    )


def _filter(
    tenant_id: str,
    resource: str | None,
    resource_id: str | None,
    actor: str | None,
    action: str | None,
    since: datetime | None,
    until: datetime | None,
) -> AuditFilter:
    if since is not None and until is not None and until <= since:
        raise InvalidQuery("to", "must be after `from`")
    return AuditFilter(tenant_id, resource, resource_id, actor, action, since, until)


Resource = Annotated[str | None, Query(max_length=40, description="e.g. channel, alert, api_key")]
ResourceId = Annotated[str | None, Query(max_length=200, description="The resource's id")]
ActorQ = Annotated[str | None, Query(max_length=36, description="An API key id or a user id")]
Action = Annotated[str | None, Query(max_length=40, description="e.g. create, update, delete, acknowledge")]
Since = Annotated[AwareDatetime | None, Query(alias="from", description="RFC 3339 with a zone; inclusive")]
Until = Annotated[AwareDatetime | None, Query(alias="to", description="RFC 3339 with a zone; exclusive")]
Cursor = Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")]


@router.get(
    "",
    response_model=AuditPageOut,
    responses=INVALID,
    summary="The audit log: every change to configuration and every action on an alert (admin)",
    description="Newest first. Filters combine: `resource`, `resource_id`, `actor` (a key id or a user id), "
    "`action`, `from` (inclusive) and `to` (exclusive). Secrets are masked in `before` / `after`.",
)
async def list_audit(
    principal: Admin,
    session: SessionDep,
    resource: Resource = None,
    resource_id: ResourceId = None,
    actor: ActorQ = None,
    action: Action = None,
    since: Since = None,
    until: Until = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Cursor = None,
) -> AuditPageOut:
    flt = _filter(principal.tenant_id, resource, resource_id, actor, action, since, until)
    page = await list_entries(session=session, flt=flt, limit=limit, cursor=cursor)
    return AuditPageOut(items=[entry_out(row) for row in page.items], next_cursor=page.next_cursor)


CSV_COLUMNS = [
    "id",
    "at",
    "key_id",
    "key_name",
    "user_id",
    "via",
    "detail",
    "client_address",
    "request_id",
    "resource",
    "resource_id",
    "action",
    "before",
    "after",
    "truncated",
]


def _csv_line(row: AuditEntry | None) -> str:
    out = io.StringIO()
    if row is None:
        csv.writer(out).writerow(CSV_COLUMNS)
    else:
        e = entry_out(row)
        csv.writer(out).writerow(
            [
                e.id,
                e.at.isoformat(),
                e.actor.key_id or "",
                e.actor.key_name or "",
                e.actor.user_id or "",
                e.actor.via,
                e.actor.detail or "",
                e.client_address or "",
                e.request_id or "",
                e.resource,
                e.resource_id or "",
                e.action,
                "" if e.before is None else json.dumps(e.before, sort_keys=True),
                "" if e.after is None else json.dumps(e.after, sort_keys=True),
                "true" if e.truncated else "false",
            ]
        )
    return out.getvalue()


@router.get(
    "/export",
    responses={
        200: {
            "description": "CSV (a header line, then one line per row; `before` / `after` as JSON text) or a JSON "
            "array of the list's items. `Herald-Next-Cursor`, when present, continues the export.",
            "content": {"text/csv": {}, "application/json": {}},
            "headers": {NEXT_CURSOR_HEADER: {"description": "Pass as `cursor` for the next part; absent on the last"}},
        },
        **INVALID,
    },
    summary="Export the audit log as CSV or JSON (admin)",
    description=f"The list's filters, newest first, at most `limit` rows (≤ {EXPORT_MAX}) per request, streamed "
    "(memory stays flat whatever the size). A longer export continues with the `Herald-Next-Cursor` header's value.",
)
async def export_audit(
    principal: Admin,
    session: SessionDep,
    resources: ResourcesDep,
    format: Annotated[Literal["csv", "json"], Query(description="csv or json")] = "csv",
    resource: Resource = None,
    resource_id: ResourceId = None,
    actor: ActorQ = None,
    action: Action = None,
    since: Since = None,
    until: Until = None,
    limit: Annotated[int, Query(ge=1, le=EXPORT_MAX)] = EXPORT_MAX,
    cursor: Cursor = None,
) -> StreamingResponse:
    flt = _filter(principal.tenant_id, resource, resource_id, actor, action, since, until)
    # The part's last row (and whether more follow), read before the first byte: the header needs it.
    start, last, more = await page_bound(session=session, flt=flt, limit=limit, cursor=cursor)
    headers = {"Content-Disposition": f'attachment; filename="herald-audit.{format}"'}
    if more and last is not None:
        headers[NEXT_CURSOR_HEADER] = encode_cursor(ORDER, last[0], str(last[1]))

    async def rows() -> AsyncIterator[AuditEntry]:
        if last is None:
            return
        after = start
        while True:
            async with resources.sessions() as reader:
                query = select(AuditEntry).where(
                    *flt.conditions(), tuple_(AuditEntry.at, AuditEntry.id) >= tuple_(*last)
                )
                if after is not None:
                    query = query.where(tuple_(AuditEntry.at, AuditEntry.id) < tuple_(*after))
                batch = (
                    await reader.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(EXPORT_PAGE))
                ).all()
            for row in batch:
                yield row
            if len(batch) < EXPORT_PAGE:
                return
            after = (batch[-1].at, batch[-1].id)

    async def body() -> AsyncIterator[str]:
        if format == "csv":
            yield _csv_line(None)
            async for row in rows():
                yield _csv_line(row)
            return
        yield "["
        first = True
        async for row in rows():
            yield ("" if first else ",") + entry_out(row).model_dump_json()
            first = False
        yield "]\n"

    media = "text/csv; charset=utf-8" if format == "csv" else "application/json"
    return StreamingResponse(body(), media_type=media, headers=headers)
