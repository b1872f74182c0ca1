"""Alertmanager API v2, silences: `GET|POST /api/v2/silences`, `GET|DELETE /api/v2/silence/{silenceID}`.

They are Herald's silences (the same table, the same rules and per-tenant maximum duration as
`/api/v1/silences`, whose route functions do the work); ids are Herald's silence ids (UUIDs).
Errors: Alertmanager's 400 with a JSON string naming the field; 404 for an unknown id (Herald's error body,
as Alertmanager's document defines none for it).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from amapi.shapes import GettableSilence, Matcher, PostableSilence, PostSilenceOk, SilenceStatus
from api.am_http import bad_request, body_schema
from api.audit import AuditDep
from api.deps import Responder, SessionDep, SettingsDep, Viewer
from api.errors import FieldErrors
from api.routers.silences import create_silence, edit_silence, expire_silence
from api.schemas.silences import SilenceIn
from models.crud import get_row, require_row
from models.errors import NotFound
from models.tables import Silence
from noise import matchers as herald
from noise.silences import silence_state, stored_matchers

router = APIRouter(prefix="/api/v2", tags=["alertmanager v2"])
POSTABLE_SILENCE = TypeAdapter(PostableSilence)
MAX_SILENCES = 1_000
AM_FIELDS = {"ends_at": "endsAt", "starts_at": "startsAt", "created_by": "createdBy", "matchers": "matchers"}
STRING: dict[str, Any] = {"application/json": {"schema": {"type": "string"}}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such silence in your tenant (Herald's error body: Alertmanager's document gives none)"}
}
BAD: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "A JSON string naming the field: a malformed matcher, no matcher that needs a value, times "
        "out of order or longer than the tenant's limit (`endsAt`), a comment over 1,000 characters",
        "content": STRING,
    }
}


def _op(matcher: Matcher) -> str:
    return ("=" if matcher.isEqual else "!=") if not matcher.isRegex else ("=~" if matcher.isEqual else "!~")


def _am_matchers(texts: list[str]) -> list[Matcher]:
    return [
        Matcher(name=m.name, value=m.value, isRegex=m.op in ("=~", "!~"), isEqual=m.op in ("=", "=~"))
        for m in stored_matchers(texts)
    ]


def gettable(row: Silence, now: datetime) -> GettableSilence:
    return GettableSilence(
        id=row.id,
        status=SilenceStatus(state=silence_state(row.starts_at, row.ends_at, now)),
        updatedAt=row.updated_at,
        matchers=_am_matchers(list(row.matchers)),
        startsAt=row.starts_at,
        endsAt=row.ends_at,
        createdBy=row.created_by,
        comment=row.comment,
    )


def _herald_body(silence: PostableSilence) -> SilenceIn:
    """The silence as `/api/v1/silences` takes it; ValueError naming the Alertmanager field."""
    found: list[herald.Matcher] = []
    for index, matcher in enumerate(silence.matchers):
        try:
            found.append(herald.Matcher(matcher.name, _op(matcher), matcher.value))  # type: ignore[arg-type]
        except herald.MatcherError as err:
            raise ValueError(f"matchers.{index}: {err}") from err
    try:
        return SilenceIn(
            matchers=found,
            starts_at=silence.startsAt,
            ends_at=silence.endsAt,
            comment=silence.comment,
            created_by=silence.createdBy or None,
        )
    except ValidationError as err:
        first = err.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "silence"
        raise ValueError(f"{AM_FIELDS.get(field, field)}: {first['msg']}") from err


def _field_errors(err: FieldErrors) -> str:
    return "; ".join(f"{AM_FIELDS.get(field, field)}: {message}" for field, message in err.errors)


@router.get(
    "/silences",
    response_model=list[GettableSilence],
    responses=BAD,
    summary="The tenant's silences, as Alertmanager lists them",
    description=f"All states (amtool filters them), latest `endsAt` first, at most {MAX_SILENCES}. `filter`: "
    "matchers that the silence's equality matchers, read as labels, must all match (Alertmanager's rule).",
)
async def get_silences(
    principal: Viewer,
    session: SessionDep,
    filter: Annotated[list[str] | None, Query(description="Alertmanager matchers")] = None,
) -> Any:
    wanted: list[herald.Matcher] = []
    for text in filter or []:
        try:
            wanted += herald.parse_matchers(text)
        except herald.MatcherError as err:
            return bad_request(f"filter: bad matcher format: {err}")
    now = datetime.now(UTC)
    rows = await session.scalars(
        select(Silence)
        .where(Silence.tenant_id == principal.tenant_id)
        .order_by(Silence.ends_at.desc(), Silence.id)
        .limit(MAX_SILENCES)
    )
    shown = []
    for row in rows:
        labels = {m.name: m.value for m in stored_matchers(list(row.matchers)) if m.op == "="}
        if herald.matches(wanted, labels):
            shown.append(gettable(row, now).model_dump(mode="json"))
    return shown


@router.post(
    "/silences",
    response_model=PostSilenceOk,
    responses={**BAD, **NOT_FOUND},
    openapi_extra=body_schema(POSTABLE_SILENCE),
    summary="Create a silence, or replace one (`id`), as Alertmanager does",
    description="Without `id`: a new silence. With the `id` of a pending silence: changed in place; of an active "
    "one: it is expired and a new one made (a new id, as Alertmanager does); of an expired one: a new one. An "
    "`id` that is not a silence of your tenant: 404. Needs a responder key.",
)
async def post_silences(
    request: Request, principal: Responder, audit: AuditDep, session: SessionDep, settings: SettingsDep
) -> Any:
    try:
        silence = POSTABLE_SILENCE.validate_json(await request.body())
        body = _herald_body(silence)
    except ValidationError as err:
        first = err.errors()[0]
        return bad_request(f"{'.'.join(str(p) for p in first['loc']) or 'silence'}: {first['msg']}")
    except ValueError as err:
        return bad_request(str(err))
    try:
        existing = await get_row(session, Silence, principal.tenant_id, silence.id) if silence.id else None
        if silence.id and existing is None:
            raise NotFound(f"silence {silence.id} not found")
        now = datetime.now(UTC)
        if existing is not None and silence_state(existing.starts_at, existing.ends_at, now) != "expired":
            out = await edit_silence(existing.id, body, principal, audit, session, settings)
        else:
            out = await create_silence(body, principal, audit, session, settings)
    except FieldErrors as err:
        return bad_request(_field_errors(err))
    return PostSilenceOk(silenceID=out.id)


@router.get(
    "/silence/{silenceID}",
    response_model=GettableSilence,
    responses=NOT_FOUND,
    summary="Read a silence (Alertmanager API v2)",
)
async def get_silence(silenceID: str, principal: Viewer, session: SessionDep) -> Any:
    row = await require_row(session, Silence, principal.tenant_id, silenceID, "silence")
    return gettable(row, datetime.now(UTC)).model_dump(mode="json")


@router.delete(
    "/silence/{silenceID}",
    status_code=200,
    responses=NOT_FOUND,
    summary="Expire a silence now (Alertmanager API v2)",
    description="Kept, expired. Expiring a silence that has expired already changes nothing and answers 200 "
    "(Alertmanager answers 500). Needs a responder key.",
)
async def delete_silence(silenceID: str, principal: Responder, audit: AuditDep, session: SessionDep) -> Any:
    row = await require_row(session, Silence, principal.tenant_id, silenceID, "silence")
    if silence_state(row.starts_at, row.ends_at, datetime.now(UTC)) != "expired":
        await expire_silence(row.id, principal, audit, session)
    return None
