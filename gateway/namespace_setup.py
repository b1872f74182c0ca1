"""Register Herald's custom search attributes on a namespace (idempotent)."""

from __future__ import annotations

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from workflows.search_attributes import CATEGORY, LEVEL, RULE, SEVERITY, STATUS, TENANT

KEYWORD = IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
ATTRIBUTES = {
    TENANT.name: KEYWORD,
    STATUS.name: KEYWORD,
    SEVERITY.name: KEYWORD,
    CATEGORY.name: KEYWORD,
    RULE.name: KEYWORD,
    LEVEL.name: IndexedValueType.INDEXED_VALUE_TYPE_INT,
}


async def register_search_attributes(client: Client, namespace: str) -> list[str]:
    """Add the attributes this namespace lacks; returns the names it added."""
    try:
        existing = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        missing = [name for name in ATTRIBUTES if name not in existing.custom_attributes]
    except RPCError as err:
        if err.status != RPCStatusCode.UNIMPLEMENTED:  # the time-skipping test server cannot list
            raise
        missing = list(ATTRIBUTES)
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=namespace,
                search_attributes={name: ATTRIBUTES[name] for name in missing},
            )
        )
    return missing
