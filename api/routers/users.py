"""`/api/v1/users` and `/api/v1/teams`: the people Herald pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import AuditDep
from api.deps import Admin, SessionDep, Viewer
from api.errors import FieldErrors, InUse, check
from api.schemas.responders import TeamIn, TeamOut, UserIn, UserOut
from models.crud import check_name, get_row, list_rows, require_row, rows_by_id, save_row
from models.errors import Conflict
from models.references import references
from models.tables import Team, User
from models.users import user_id_with_email

users = APIRouter(prefix="/api/v1/users", tags=["users"])
teams = APIRouter(prefix="/api/v1/teams", tags=["teams"])
IN_USE: dict[int | str, dict[str, Any]] = {409: {"description": "Still used; the answer lists by what"}}


def user_out(row: User) -> UserOut:
    return UserOut.model_validate(row, from_attributes=True)


async def _user(session: AsyncSession, tenant_id: str, user_id: str) -> User:
    return await require_row(session, User, tenant_id, user_id, "user")


async def _check_user(session: SessionDep, tenant_id: str, body: UserIn, user_id: str | None) -> None:
    errors: list[tuple[str, str]] = []
    same_email = await user_id_with_email(session=session, tenant_id=tenant_id, email=body.email)
    if same_email is not None and same_email != user_id:
        errors.append(("email", f"a user with email {body.email} already exists"))
    if body.manager_id is not None:
        if body.manager_id == user_id:
            errors.append(("manager_id", "a user cannot be their own manager"))
        else:
            chain = await _management_chain(session, tenant_id, body.manager_id)
            if chain is None:
                errors.append(("manager_id", f"unknown user {body.manager_id}"))
            elif user_id is not None and user_id in chain:
                errors.append(("manager_id", "this would make a management cycle"))
    check(errors)


async def _store_user(session: AsyncSession, tenant_id: str, body: UserIn, row: User | None) -> User:
    duplicate = Conflict(f"email: a user with email {body.email} already exists")
    return await save_row(session, User, tenant_id, body.stored(), row, duplicate=duplicate)


async def _management_chain(session: SessionDep, tenant_id: str, user_id: str) -> list[str] | None:
    """The user and everyone above them; None if the user does not exist."""
    chain: list[str] = []
    current: str | None = user_id
    while current is not None and current not in chain:
        row = await get_row(session, User, tenant_id, current)
        if row is None:
            return None if not chain else chain
        chain.append(row.id)
        current = row.manager_id
    return chain


@users.get("", response_model=list[UserOut], summary="List users")
async def list_users(principal: Viewer, session: SessionDep) -> list[UserOut]:
    return [user_out(row) for row in await list_rows(session, User, principal.tenant_id)]


@users.post("", response_model=UserOut, status_code=status.HTTP_201_CREATED, summary="Create a user")
async def create_user(body: UserIn, principal: Admin, session: SessionDep, audit: AuditDep) -> UserOut:
    await _check_user(session, principal.tenant_id, body, None)
    out = user_out(await _store_user(session, principal.tenant_id, body, None))
    await audit.record("user", out.id, "create", after=out)
    return out


@users.get("/{user_id}", response_model=UserOut, summary="Read a user")
async def get_user(user_id: str, principal: Viewer, session: SessionDep) -> UserOut:
    return user_out(await _user(session, principal.tenant_id, user_id))


@users.put("/{user_id}", response_model=UserOut, summary="Replace a user")
async def update_user(user_id: str, body: UserIn, principal: Admin, session: SessionDep, audit: AuditDep) -> UserOut:
    row = await _user(session, principal.tenant_id, user_id)
    await _check_user(session, principal.tenant_id, body, row.id)
    before = user_out(row)
    out = user_out(await _store_user(session, principal.tenant_id, body, row))
    await audit.record("user", out.id, "update", before=before, after=out)
    return out


@users.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=IN_USE, summary="Delete a user")
async def delete_user(user_id: str, principal: Admin, session: SessionDep, audit: AuditDep) -> Response:
    row = await _user(session, principal.tenant_id, user_id)
    used_by = await references(session, principal.tenant_id, "user", row.id)
    if used_by:
        raise InUse(f"user '{row.name}'", used_by)
    await audit.record("user", row.id, "delete", before=user_out(row))
    await session.delete(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------------- teams


def team_out(row: Team) -> TeamOut:
    return TeamOut.model_validate(row, from_attributes=True)


async def _team(session: AsyncSession, tenant_id: str, team_id: str) -> Team:
    return await require_row(session, Team, tenant_id, team_id, "team")


async def _check_team(session: SessionDep, tenant_id: str, body: TeamIn, team_id: str | None) -> None:
    await check_name(session, Team, tenant_id, body.name, team_id, "team")
    found = await rows_by_id(session, User, tenant_id, body.member_ids)
    errors = [(f"member_ids.{i}", f"unknown user {uid}") for i, uid in enumerate(body.member_ids) if uid not in found]
    if errors:
        raise FieldErrors(errors)


async def _store_team(session: AsyncSession, tenant_id: str, body: TeamIn, row: Team | None) -> Team:
    return await save_row(session, Team, tenant_id, body.model_dump(), row, duplicate=Conflict.named("team", body.name))


@teams.get("", response_model=list[TeamOut], summary="List teams")
async def list_teams(principal: Viewer, session: SessionDep) -> list[TeamOut]:
    return [team_out(row) for row in await list_rows(session, Team, principal.tenant_id)]


@teams.post("", response_model=TeamOut, status_code=status.HTTP_201_CREATED, summary="Create a team")
async def create_team(body: TeamIn, principal: Admin, session: SessionDep, audit: AuditDep) -> TeamOut:
    await _check_team(session, principal.tenant_id, body, None)
    out = team_out(await _store_team(session, principal.tenant_id, body, None))
    await audit.record("team", out.id, "create", after=out)
    return out


@teams.get("/{team_id}", response_model=TeamOut, summary="Read a team")
async def get_team(team_id: str, principal: Viewer, session: SessionDep) -> TeamOut:
    return team_out(await _team(session, principal.tenant_id, team_id))


@teams.put("/{team_id}", response_model=TeamOut, summary="Replace a team (members included)")
async def update_team(team_id: str, body: TeamIn, principal: Admin, session: SessionDep, audit: AuditDep) -> TeamOut:
    row = await _team(session, principal.tenant_id, team_id)
    await _check_team(session, principal.tenant_id, body, row.id)
    before = team_out(row)
    out = team_out(await _store_team(session, principal.tenant_id, body, row))
    await audit.record("team", out.id, "update", before=before, after=out)
    return out


@teams.delete("/{team_id}", status_code=status.HTTP_204_NO_CONTENT, responses=IN_USE, summary="Delete a team")
async def delete_team(team_id: str, principal: Admin, session: SessionDep, audit: AuditDep) -> Response:
    row = await _team(session, principal.tenant_id, team_id)
    used_by = await references(session, principal.tenant_id, "team", row.id)
    if used_by:
        raise InUse(f"team '{row.name}'", used_by)
    await audit.record("team", row.id, "delete", before=team_out(row))
    await session.delete(row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
