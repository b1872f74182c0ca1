"""Every write records an audit row, in the request's transaction: the one way to do it.

A route that changes something takes `audit: AuditDep` and, once the change is made (flushed or
not: the row is in the same transaction either way), says what it did in one line:

    await audit.record("channel", row.id, "update", before=old, after=new)

`before` / `after` are whatever the route answers with (pydantic models, dicts, lists): they are
dumped to JSON, every secret-named field is replaced by the mask (`********`) whatever its depth
(CHANNEL and data source secret fields, keys, tokens, passwords, digests), and each side is bounded
(models/audit.py). The row commits with the change or not at all: the request's session
(`api/deps.get_session`) commits when the route returns, and an insert that fails raises, so the
request fails and its change is rolled back. Who: the principal's key (id, name), its person
(`api_keys.user_id`) and whether it came through a console session; from where: the client address
(uvicorn's, which honours `X-Forwarded-For` from FORWARDED_ALLOW_IPS) and the request id. Routes
without a principal (Slack's buttons, console sign-in) build their `Audit` with `Audit.for_actor`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import CurrentPrincipal, Principal, SessionDep
from channels.config import MASK
from channels.registry import CONFIGS
from models.audit import Actor, Origin, add_entry
from models.tables import AuditEntry
from telemetry.logs import REQUEST_ID

# Field names whose values never reach the audit log. Channel configs' secret fields (but `url`, which
# is a secret only for some types and is already masked by their read shape), data sources' secrets,
# and what keys, sessions and integrations carry.
_CHANNEL_SECRETS = {name for model in CONFIGS.values() for name in model.SECRETS} - {"url"}
SECRET_NAMES = frozenset(
    _CHANNEL_SECRETS
    | {
        "password",
        "bearer_token",
        "key",
        "api_key",
        "token",
        "secret",
        "secret_key",
        "csrf_token",
        "key_hash",
        "token_hash",
        "signing_secret",
        "routing_key",
        "integration_key",
        "feed_url",
    }
)
_SECRET_SUFFIXES = ("_token", "_secret", "_password", "_hash")


def is_secret_name(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_NAMES or lowered.endswith(_SECRET_SUFFIXES)


def masked(value: Any) -> Any:
    """`value` as JSON-ready data with every secret-named field's value replaced by the mask."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {str(k): (MASK if v is not None and is_secret_name(str(k)) else masked(v)) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [masked(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def origin_of(request: Request) -> Origin:
    client = request.client
    return Origin(client_address=client.host if client else None, request_id=REQUEST_ID.get())


def actor_of(principal: Principal) -> Actor:
    return Actor(
        key_id=principal.key_id,
        key_name=principal.key_name,
        user_id=principal.user_id,
        via="console" if principal.session_id is not None else "api-key",
    )


class Audit:
    """Records what the request changed, in its transaction (see the module's docstring)."""

    def __init__(self, session: AsyncSession, tenant_id: str, actor: Actor, origin: Origin) -> None:
        self.session, self.tenant_id, self.actor, self.origin = session, tenant_id, actor, origin

    @classmethod
    def for_actor(cls, session: AsyncSession, request: Request, tenant_id: str, actor: Actor) -> Audit:
        """For a route with no API key principal (Slack's buttons, console sign-in)."""
        return cls(session, tenant_id, actor, origin_of(request))

    def in_tenant(self, tenant_id: str) -> Audit:
        """The same actor and request, recording in another tenant's log: a platform admin's change to a tenant
        (`/api/v1/tenants/{id}`) is on the log of the tenant it changed, where that tenant's admins read it."""
        return Audit(self.session, tenant_id, self.actor, self.origin)

    async def record(
        self, resource: str, resource_id: str | int | None, action: str, *, before: Any = None, after: Any = None
    ) -> AuditEntry:
        """One row: `resource` (e.g. "channel"), its id, `action` (create, update, delete, acknowledge...),
        and the change (masked, bounded). Raises what the insert raises: the write then fails."""
        return await add_entry(
            session=self.session,
            tenant_id=self.tenant_id,
            actor=self.actor,
            origin=self.origin,
            resource=resource,
            resource_id=None if resource_id is None else str(resource_id),
            action=action,
            before=masked(before),
            after=masked(after),
        )


async def get_audit(request: Request, session: SessionDep, principal: CurrentPrincipal) -> Audit:
    return Audit(session, principal.tenant_id, actor_of(principal), origin_of(request))


AuditDep = Annotated[Audit, Depends(get_audit)]
