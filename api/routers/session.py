"""`/api/v1/session`: the web console's sign-in. An API key is exchanged for a session cookie.

The cookie (`herald_session`) is HttpOnly, SameSite=Strict, `Secure` when Herald is reached over
https, and names a server-side session (models/console_sessions.py); the key itself never reaches
the browser's storage or a URL. Requests with the cookie authenticate as the key (api/deps.py); their
writes must carry the session's `csrf_token` in `X-CSRF-Token`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from api.audit import Audit, actor_of
from api.deps import CurrentPrincipal, Principal, ResourcesDep
from api.load_shedding import SESSION_COOKIE
from models.api_keys import Role, find_active_key
from models.audit import Actor
from models.console_sessions import SESSION_LIFETIME, find_session, open_session, revoke_session
from models.tenants import disabled_message, is_disabled
from settings import Settings

router = APIRouter(prefix="/api/v1/session", tags=["console session"])

UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"description": "No console session (never signed in, signed out, expired, or its key revoked)"}
}


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    api_key: str = Field(min_length=1, max_length=200, description="An API key (`hk_...`) of any role")


class SessionOut(BaseModel):
    tenant: str
    role: Role
    actor: str = Field(description="How the console's actions are recorded in timelines (`api-key:<name>`)")
    csrf_token: str = Field(description="Send it as `X-CSRF-Token` with every write made with the cookie")
    expires_at: datetime = Field(description=f"The session ends then ({SESSION_LIFETIME} after sign-in; not sliding)")
    user_id: str | None = Field(
        None, description="The signed-in key's person (their shifts under On call); null for a service key"
    )


def _secure(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or settings.public_url.lower().startswith("https:")


@router.post(
    "",
    response_model=SessionOut,
    responses={
        401: {"description": "The key is unknown, revoked or expired"},
        403: {"description": "The key's tenant is disabled"},
        422: {"description": "`api_key` is missing or empty"},
    },
    summary="Sign in to the console: exchange an API key for a session cookie",
    description="Sets `herald_session` (HttpOnly, SameSite=Strict, Path=/, Secure over https). "
    "The answer's `csrf_token` must accompany every cookie-authenticated write as `X-CSRF-Token`.",
)
async def sign_in(body: SessionCreate, request: Request, response: Response, resources: ResourcesDep) -> SessionOut:
    async with resources.sessions.begin() as session:
        key = await find_active_key(session=session, key=body.api_key)
        disabled = key is not None and await is_disabled(session=session, tenant_id=key.tenant_id)
        if key is not None and not disabled:
            token, opened = await open_session(session=session, key=key)
            actor = Actor(key_id=key.id, key_name=key.name, user_id=key.user_id, via="console")
            audit = Audit.for_actor(session, request, key.tenant_id, actor)
            await audit.record("console_session", key.id, "sign_in", after={"expires_at": opened.expires_at})
    if key is None:
        resources.guard.failed_authentication(request.scope)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "api_key: invalid, revoked or expired API key")
    if disabled:
        raise HTTPException(status.HTTP_403_FORBIDDEN, disabled_message(key.tenant_id))
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request, resources.settings),
    )
    principal = Principal(key.tenant_id, Role(key.role), key.id, key.name)
    return SessionOut(
        tenant=key.tenant_id,
        role=principal.role,
        actor=principal.actor,
        csrf_token=opened.csrf_token,
        expires_at=opened.expires_at,
        user_id=key.user_id,
    )


def _session_of(principal: Principal) -> str:
    if principal.session_id is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "no console session: sign in with POST /api/v1/session (a cookie)"
        )
    return principal.session_id


@router.get(
    "",
    response_model=SessionOut,
    responses=UNAUTHORIZED,
    summary="Who am I: the console session's tenant, role and CSRF token",
)
async def whoami(request: Request, principal: CurrentPrincipal, resources: ResourcesDep) -> SessionOut:
    _session_of(principal)
    async with resources.sessions() as session:
        found = await find_session(session=session, token=request.cookies[SESSION_COOKIE])
    if found is None:  # ended between the two reads
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "the console session has ended: sign in again")
    return SessionOut(
        tenant=principal.tenant_id,
        role=principal.role,
        actor=principal.actor,
        csrf_token=found.csrf_token,
        expires_at=found.expires_at,
        user_id=principal.user_id,
    )


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAUTHORIZED, 403: {"description": "`X-CSRF-Token` is missing or wrong"}},
    summary="Sign out: the session ends and its cookie is cleared",
)
async def sign_out(request: Request, principal: CurrentPrincipal, resources: ResourcesDep) -> Response:
    id_hash = _session_of(principal)
    async with resources.sessions.begin() as session:
        await revoke_session(session=session, id_hash=id_hash)
        audit = Audit.for_actor(session, request, principal.tenant_id, actor_of(principal))
        await audit.record("console_session", principal.key_id, "sign_out")
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request, resources.settings)
    )
    return response
