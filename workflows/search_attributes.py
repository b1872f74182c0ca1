"""Herald's search attributes: how alerts are found in the Temporal UI and by visibility queries.

SQL visibility allows 10 Keyword and 3 Int custom attributes per namespace; `herald dev` and
`gateway/namespace_setup.py` register these.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributePair

with workflow.unsafe.imports_passed_through():
    from workflows.payloads import AlertContent, AlertStatus, Escalation

TENANT = SearchAttributeKey.for_keyword("HeraldTenant")
STATUS = SearchAttributeKey.for_keyword("HeraldStatus")
SEVERITY = SearchAttributeKey.for_keyword("HeraldSeverity")
CATEGORY = SearchAttributeKey.for_keyword("HeraldCategory")
LEVEL = SearchAttributeKey.for_int("HeraldLevel")
RULE = SearchAttributeKey.for_keyword("HeraldRule")  # set at start on alerts raised by a rule

ALL: tuple[SearchAttributeKey[Any], ...] = (TENANT, STATUS, SEVERITY, CATEGORY, LEVEL, RULE)


def search_attributes(
    tenant_id: str, content: AlertContent, status: AlertStatus, escalation: Escalation | None = None
) -> list[SearchAttributePair[Any]]:
    """The alert's searchable facets (the workflow upserts them; the gateway sets them at start)."""
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(TENANT, tenant_id),
        SearchAttributePair(STATUS, status.value),
        SearchAttributePair(SEVERITY, content.severity.value),
        SearchAttributePair(CATEGORY, content.category.value),
    ]
    if escalation is not None:
        pairs.append(SearchAttributePair(LEVEL, escalation.level + 1))
    return pairs
