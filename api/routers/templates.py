"""`/api/v1/templates`: the words of notifications, checked when saved and previewed on a sample alert.

Both render the tenant's text on the rendering threads (`in_render_thread`), within the render
budget, never on the event loop; a preview needs the role that can save templates (admin).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from api.audit import AuditDep
from api.deps import Admin, SessionDep, Viewer
from api.errors import FieldErrors
from api.schemas.templates import PreviewIn, PreviewOut, TemplateIn, TemplateOut
from channels.render import (
    SAMPLE_LINKS,
    TemplateProblem,
    TemplateText,
    check,
    context,
    in_render_thread,
    render,
    sample_alert,
)
from models.crud import check_name, list_rows, require_row, save_row
from models.errors import Conflict
from models.tables import Template
from workflows.payloads import NotifyEvent

router = APIRouter(prefix="/api/v1/templates", tags=["templates"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such template in your tenant"}}
INVALID: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "A syntax error, an unknown variable, a sandbox refusal or a template over its render budget "
        "(200 ms, 20,000 characters); `errors` names the part and line"
    }
}
ADMIN_ONLY: dict[int | str, dict[str, Any]] = {403: {"description": "The key's role cannot save templates (admin)"}}


def _out(row: Template) -> TemplateOut:
    return TemplateOut.model_validate(row, from_attributes=True)


async def _checked(text: TemplateText, events: list[NotifyEvent]) -> None:
    try:
        await in_render_thread(check, text, events)
    except TemplateProblem as err:
        raise FieldErrors([(err.part, str(err))]) from err


async def _store(session: SessionDep, tenant_id: str, body: TemplateIn, row: Template | None) -> Template:
    await check_name(session, Template, tenant_id, body.name, row.id if row else None, "template")
    if body.body_html is not None and body.channel_type != "email":
        raise FieldErrors([("body_html", "only email templates have an HTML part")])
    await _checked(TemplateText(body.subject, body.body, body.body_html), body.events)
    values = body.model_dump(mode="json")
    return await save_row(session, Template, tenant_id, values, row, duplicate=Conflict.named("template", body.name))


@router.get("", response_model=list[TemplateOut], summary="List templates")
async def list_templates(principal: Viewer, session: SessionDep) -> list[TemplateOut]:
    return [_out(row) for row in await list_rows(session, Template, principal.tenant_id)]


@router.post(
    "",
    response_model=TemplateOut,
    status_code=status.HTTP_201_CREATED,
    responses={409: {}, **INVALID},
    summary="Create a template",
)
async def create_template(body: TemplateIn, principal: Admin, session: SessionDep, audit: AuditDep) -> TemplateOut:
    out = _out(await _store(session, principal.tenant_id, body, None))
    await audit.record("template", out.id, "create", after=out)
    return out


@router.post(
    "/preview",
    response_model=PreviewOut,
    responses={**ADMIN_ONLY, **NOT_FOUND, **INVALID},
    summary="Render a template against a sample alert",
    description="Give `template_id`, or `subject` and `body` (and `body_html`) to try text before saving it. "
    "Needs the admin role, as saving does; a template over its render budget (200 ms, 20,000 characters) is a 422.",
)
async def preview_template(body: PreviewIn, principal: Admin, session: SessionDep) -> PreviewOut:
    if body.template_id is not None:
        row = await require_row(session, Template, principal.tenant_id, body.template_id, "template")
        text = TemplateText(row.subject, row.body, row.body_html)
    elif body.subject is not None and body.body is not None:
        text = TemplateText(body.subject, body.body, body.body_html)
    else:
        raise FieldErrors([("template_id", "give template_id, or subject and body")])
    alert = sample_alert(severity=body.severity, category=body.category, status=body.status)
    try:
        rendered = await in_render_thread(render, text, context(alert, body.event, SAMPLE_LINKS))
    except TemplateProblem as err:
        raise FieldErrors([(err.part, str(err))]) from err
    return PreviewOut(subject=rendered.subject, body=rendered.text, body_html=rendered.html)


@router.get("/{template_id}", response_model=TemplateOut, responses=NOT_FOUND, summary="Read a template")
async def get_template(template_id: str, principal: Viewer, session: SessionDep) -> TemplateOut:
    return _out(await require_row(session, Template, principal.tenant_id, template_id, "template"))


@router.put(
    "/{template_id}",
    response_model=TemplateOut,
    responses={**NOT_FOUND, 409: {}, **INVALID},
    summary="Replace a template",
)
async def update_template(
    template_id: str, body: TemplateIn, principal: Admin, session: SessionDep, audit: AuditDep
) -> TemplateOut:
    row = await require_row(session, Template, principal.tenant_id, template_id, "template")
    before = _out(row)
    out = _out(await _store(session, principal.tenant_id, body, row))
    await audit.record("template", out.id, "update", before=before, after=out)
    return out


@router.delete(
    "/{template_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND, summary="Delete a template"
)
async def delete_template(template_id: str, principal: Admin, session: SessionDep, audit: AuditDep) -> Response:
    row = await require_row(session, Template, principal.tenant_id, template_id, "template")
    await audit.record("template", row.id, "delete", before=_out(row))
    await session.delete(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
