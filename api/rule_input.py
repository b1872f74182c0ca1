"""Checking a rule before it is stored: references, query syntax (asked of Prometheus), templates."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from api.columns import to_columns
from api.errors import FieldErrors, check
from api.ingest import check_references
from api.schemas.rules import RuleIn
from channels.render import TEXT, OpenLabels, TemplateProblem, check_names, in_render_thread, render_text
from models.crud import rows_by_id
from models.rule_tables import DataSource, Rule
from models.secrets import SecretBox
from models.selectors import SelectorError, parse_selector
from rules.engine import DEFAULT_SUMMARY, TEMPLATE_VARIABLES, prometheus_source, template_values
from rules.sources import check_promql, promql


class AnyLabels(OpenLabels):
    """Sample labels for checking a template at save time: which labels a series has is known only
    when it is evaluated, so every label name reads as a placeholder (at run time a missing one
    reads as empty, see OpenLabels)."""

    def __missing__(self, key: str) -> str:
        return f"<{key}>"


def draft_rule(tenant_id: str, body: RuleIn) -> Rule:
    """The body as an unsaved rule: what a save-time check and a dry run evaluate."""
    return Rule(id="draft", tenant_id=tenant_id, health="unknown", **to_columns(body))


def _template_errors(body: RuleIn) -> list[tuple[str, str]]:
    values = template_values(draft_rule("", body), AnyLabels({name: f"<{name}>" for name in body.group_by or []}), 42.0)
    errors = []
    for part, source in (("summary", body.summary or DEFAULT_SUMMARY), ("details", body.details)):
        if not source:
            continue
        try:
            check_names(part, TEXT, source, TEMPLATE_VARIABLES)
            render_text(part, source, values)
        except TemplateProblem as err:
            errors.append((part, str(err)))
    return errors


async def check_rule(
    session: AsyncSession, http: httpx.AsyncClient, box: SecretBox, tenant_id: str, body: RuleIn
) -> None:
    """422 naming every field that is wrong; Prometheus parses PromQL when it can be reached."""
    errors = await in_render_thread(_template_errors, body)
    try:
        await check_references(session, tenant_id, [body])
    except FieldErrors as err:
        errors += err.errors
    if body.data_source_id is None:
        try:
            parse_selector(body.query)
        except SelectorError as err:
            errors.append(("query", f"{err} (pushed metrics take a selector, not PromQL)"))
    else:
        source = (await rows_by_id(session, DataSource, tenant_id, [body.data_source_id])).get(body.data_source_id)
        if source is None:
            errors.append(("data_source_id", f"unknown data source {body.data_source_id}"))
        else:
            if body.group_by is not None:
                errors.append(("group_by", "for a Prometheus rule, group in the query: `sum by (service) (...)`"))
            if not errors:
                complaint = await check_promql(
                    http, prometheus_source(source, box), promql(body.query, body.aggregation, body.window_seconds)
                )
                if complaint:
                    errors.append(("query", complaint))
    check(errors)
