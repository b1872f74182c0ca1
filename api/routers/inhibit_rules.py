"""`/api/v1/inhibit-rules`: while a source alert fires, matching targets send no fire notices
(Alertmanager's inhibit rules; the rule is in noise/inhibition.py)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response, status
from sqlalchemy import select

from api.audit import AuditDep
from api.deps import Admin, SessionDep, Viewer
from api.schemas.inhibit_rules import InhibitRuleIn, InhibitRuleOut
from models.crud import require_row
from models.tables import InhibitRule

router = APIRouter(prefix="/api/v1/inhibit-rules", tags=["inhibit rules"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such inhibit rule in your tenant"}}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": "A malformed matcher, an empty side, a bad label name"}
}


def _out(row: InhibitRule) -> InhibitRuleOut:
    return InhibitRuleOut.model_validate(row, from_attributes=True)


def _columns(body: InhibitRuleIn) -> dict[str, Any]:
    return {
        "source_matchers": [str(m) for m in body.source_matchers],
        "target_matchers": [str(m) for m in body.target_matchers],
        "equal": body.equal,
        "comment": body.comment,
    }


async def _saved(session: SessionDep, row: InhibitRule) -> InhibitRuleOut:
    await session.flush()
    await session.refresh(row)
    return _out(row)


@router.get("", response_model=list[InhibitRuleOut], summary="List inhibit rules")
async def list_inhibit_rules(principal: Viewer, session: SessionDep) -> list[InhibitRuleOut]:
    rows = await session.scalars(
        select(InhibitRule).where(InhibitRule.tenant_id == principal.tenant_id).order_by(InhibitRule.created_at)
    )
    return [_out(row) for row in rows]


@router.post("", response_model=InhibitRuleOut, status_code=201, responses=INVALID, summary="Create an inhibit rule")
async def create_inhibit_rule(
    body: InhibitRuleIn, principal: Admin, audit: AuditDep, session: SessionDep
) -> InhibitRuleOut:
    row = InhibitRule(id=str(uuid.uuid4()), tenant_id=principal.tenant_id, **_columns(body))
    session.add(row)
    out = await _saved(session, row)
    await audit.record("inhibit_rule", out.id, "create", after=out)
    return out


@router.get("/{rule_id}", response_model=InhibitRuleOut, responses=NOT_FOUND, summary="Read an inhibit rule")
async def get_inhibit_rule(rule_id: str, principal: Viewer, session: SessionDep) -> InhibitRuleOut:
    return _out(await require_row(session, InhibitRule, principal.tenant_id, rule_id, "inhibit rule"))


@router.put(
    "/{rule_id}",
    response_model=InhibitRuleOut,
    responses={**NOT_FOUND, **INVALID},
    summary="Replace an inhibit rule",
)
async def replace_inhibit_rule(
    rule_id: str, body: InhibitRuleIn, principal: Admin, audit: AuditDep, session: SessionDep
) -> InhibitRuleOut:
    row = await require_row(session, InhibitRule, principal.tenant_id, rule_id, "inhibit rule")
    before = _out(row)
    for name, value in _columns(body).items():
        setattr(row, name, value)
    out = await _saved(session, row)
    await audit.record("inhibit_rule", out.id, "update", before=before, after=out)
    return out


@router.delete(
    "/{rule_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND, summary="Delete an inhibit rule"
)
async def delete_inhibit_rule(rule_id: str, principal: Admin, audit: AuditDep, session: SessionDep) -> Response:
    row = await require_row(session, InhibitRule, principal.tenant_id, rule_id, "inhibit rule")
    await audit.record("inhibit_rule", row.id, "delete", before=_out(row))
    await session.delete(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
