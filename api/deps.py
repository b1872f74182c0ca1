"""Request dependencies: resources built once in the lifespan, the session, the caller."""

from __future__ import annotations

import secrets
from collections.abc import AsyncGenerator, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.live import AlertHub
from api.load_shedding import SESSION_COOKIE, RequestGuard
from channels.registry import Senders
from gateway.client import AlertingClient
from models.api_keys import Role, find_active_key, touch_key
from models.console_sessions import find_session
from models.metric_store import SeriesCache
from models.secrets import SecretBox
from models.tenants import disabled_message, is_disabled
from settings import Settings


@dataclass
class Resources:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    alerting: AlertingClient
    secrets: SecretBox
    http: httpx.AsyncClient  # for the API's own outbound calls (Slack responses)
    senders: Senders  # channel tests send from the API process
    series: SeriesCache  # metric series ids known to this process
    guard: RequestGuard  # in-flight and failed-authentication limits (api/load_shedding.py)
    hub: AlertHub  # the one PostgreSQL listener feeding the live streams (api/live.py)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))  # `uptime` of GET /api/v2/status


@dataclass(frozen=True)
class Principal:
    tenant_id: str
    role: Role
    key_id: str
    key_name: str
    session_id: str | None = None  # the console session's digest when authenticated by its cookie
    user_id: str | None = None  # the key's person (api_keys.user_id); None for a service key

    @property
    def actor(self) -> str:
        return f"api-key:{self.key_name}"


def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


SNAPSHOT_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request, resources: ResourcesDep) -> AsyncGenerator[AsyncSession, None]:
    """One unit of work per request: committed when the route returns, rolled back on error.

    A read (GET, HEAD) sees one snapshot (REPEATABLE READ): an answer built from several queries
    (an alert, its timeline and its deliveries; a rule and its instances) never mixes moments, as
    it would at READ COMMITTED when a worker commits between two of them."""
    async with resources.sessions.begin() as session:
        if request.method in SNAPSHOT_METHODS:
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def get_alerting(resources: ResourcesDep) -> AlertingClient:
    return resources.alerting


AlertingDep = Annotated[AlertingClient, Depends(get_alerting)]


def get_settings_dep(resources: ResourcesDep) -> Settings:
    return resources.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer hk_...`")
_basic = HTTPBasic(
    auto_error=False,
    description="For clients that only do Basic authentication (Grafana's Alertmanager contact point and data "
    "source): any user name, the API key as the password",
)


CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_principal(
    request: Request,
    resources: ResourcesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    basic: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> Principal:
    """The caller's key: a bearer token, the password of Basic authentication (any user name), or
    else the console's session cookie.

    Every 401 counts against its source's failure limit (LoadSheddingMiddleware refuses that source
    once the limit is reached); a key that authenticates is remembered as good. A cookie-authenticated
    write (any method but GET, HEAD, OPTIONS) must echo the session's CSRF token in `X-CSRF-Token`: 403."""
    unauthorized = {"WWW-Authenticate": "Bearer"}
    cookie = request.cookies.get(SESSION_COOKIE)
    if credentials is not None and credentials.scheme.lower() == "bearer":
        secret = credentials.credentials
    elif basic is not None and basic.password:
        secret = basic.password
    elif credentials is None and basic is None and cookie:
        return await _session_principal(request, resources, cookie)
    else:
        resources.guard.failed_authentication(request.scope)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing API key: send `Authorization: Bearer <key>` (or Basic authentication with the key as password)",
            unauthorized,
        )
    async with resources.sessions.begin() as session:
        key = await find_active_key(session=session, key=secret)
        if key is not None:
            await touch_key(session=session, key_id=key.id)
            disabled = await is_disabled(session=session, tenant_id=key.tenant_id)
    if key is None:
        resources.guard.failed_authentication(request.scope)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid, revoked or expired API key", unauthorized)
    resources.guard.authenticated(request.scope)
    if disabled:
        raise HTTPException(status.HTTP_403_FORBIDDEN, disabled_message(key.tenant_id))
    return Principal(
        tenant_id=key.tenant_id, role=Role(key.role), key_id=key.id, key_name=key.name, user_id=key.user_id
    )


async def _session_principal(request: Request, resources: Resources, cookie: str) -> Principal:
    async with resources.sessions.begin() as session:
        found = await find_session(session=session, token=cookie)
        if found is not None:
            await touch_key(session=session, key_id=found.key.id)
            disabled = await is_disabled(session=session, tenant_id=found.key.tenant_id)
    if found is None:
        resources.guard.failed_authentication(request.scope)
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "the console session has ended (signed out, expired, or its key was revoked): sign in again",
            {"WWW-Authenticate": "Bearer"},
        )
    if disabled:
        raise HTTPException(status.HTTP_403_FORBIDDEN, disabled_message(found.key.tenant_id))
    resources.guard.authenticated(request.scope)
    if request.method not in SAFE_METHODS and not secrets.compare_digest(
        request.headers.get(CSRF_HEADER, "").encode(), found.csrf_token.encode()
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"missing or wrong {CSRF_HEADER} header: a write with the session cookie must send the session's "
            "csrf_token in it",
        )
    key = found.key
    return Principal(
        tenant_id=key.tenant_id,
        role=Role(key.role),
        key_id=key.id,
        key_name=key.name,
        session_id=found.id_hash,
        user_id=key.user_id,
    )


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require(role: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role.rank < role.rank:
            whose = " (a platform admin's key manages every tenant)" if role is Role.PLATFORM else ""
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"this needs the {role.value} role{whose}; the key has {principal.role.value}",
            )
        return principal

    return check


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Responder = Annotated[Principal, Depends(require(Role.RESPONDER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Platform = Annotated[Principal, Depends(require(Role.PLATFORM))]
