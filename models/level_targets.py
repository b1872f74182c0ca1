"""Whom one escalation level reaches right now: its targets (users, teams, on-call schedules,
managers of the previous level, channels) turned into people with their personal notification
rules, and every empty slot said in words (`ResolvedLevel.gaps`); a level that reaches nobody
carries the tenant's default channels (`fallback_channels`) for the workflow to tell instead.
Callers own the session.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from models import oncall
from models.channels import channels_for_alert
from models.crud import get_row, rows_by_id
from models.schedules import overrides_for, spec_of
from models.tables import Channel, Schedule, Team, User
from workflows.payloads import ChannelRef, PagedUser, PageRule, ResolvedLevel, ResolveLevelInput


def page_rules(user: User) -> list[PageRule]:
    """The user's personal notification rules; without any, every contact method at once."""
    methods = {method["id"]: method for method in user.contact_methods}
    rules = [
        PageRule(
            contact_method_id=rule["contact_method_id"],
            type=methods[rule["contact_method_id"]]["type"],
            delay=timedelta(minutes=rule.get("delay_minutes", 0)),
        )
        for rule in user.notification_rules
        if rule["contact_method_id"] in methods
    ]
    if not rules:
        rules = [PageRule(contact_method_id=m["id"], type=m["type"]) for m in user.contact_methods]
    return rules


class LevelResolver:
    """Turns one level's targets into people and channels, noting every empty slot."""

    def __init__(self, session: AsyncSession, request: ResolveLevelInput) -> None:
        self._session = session
        self._request = request
        self._tenant = request.tenant_id
        self.result = ResolvedLevel()
        self._seen: set[str] = set()

    async def resolve(self) -> ResolvedLevel:
        for target in self._request.level.targets:
            if target.type == "manager":
                await self._managers()
                continue
            assert target.id is not None
            if target.type == "user":
                await self._user(target.id, "user")
            elif target.type == "team":
                await self._team(target.id)
            elif target.type == "schedule":
                await self._schedule(target.id)
            else:
                await self._channel(target.id)
        if not self.result.channels and not any(user.rules for user in self.result.users):
            defaults = await channels_for_alert(session=self._session, tenant_id=self._tenant, channel_ids=None)
            self.result.fallback_channels = [ChannelRef(id=c.id, name=c.name, type=c.type) for c in defaults]
        return self.result

    def _gap(self, message: str) -> None:
        self.result.gaps.append(message)

    def _add(self, user: User, via: str) -> None:
        if not user.enabled:
            self._gap(f"{user.name} ({via}) is disabled")
            return
        if user.id in self._seen:
            return
        self._seen.add(user.id)
        rules = page_rules(user)
        if not rules:
            self._gap(f"{user.name} ({via}) has no contact methods")
        self.result.users.append(PagedUser(id=user.id, name=user.name, via=via, rules=rules))

    async def _user(self, user_id: str, via: str) -> None:
        user = await get_row(self._session, User, self._tenant, user_id)
        if user is None:
            self._gap(f"user {user_id} no longer exists")
        else:
            self._add(user, via)

    async def _team(self, team_id: str) -> None:
        team = await get_row(self._session, Team, self._tenant, team_id)
        if team is None:
            self._gap(f"team {team_id} no longer exists")
            return
        members = await rows_by_id(self._session, User, self._tenant, team.member_ids)
        if not members:
            self._gap(f"team '{team.name}' has no members")
        for member_id in team.member_ids:
            if member_id in members:
                self._add(members[member_id], f"team {team.name}")

    async def _schedule(self, schedule_id: str) -> None:
        schedule = await get_row(self._session, Schedule, self._tenant, schedule_id)
        if schedule is None:
            self._gap(f"schedule {schedule_id} no longer exists")
            return
        overrides = await overrides_for(self._session, schedule.id)
        try:
            who = oncall.on_call(spec_of(schedule), overrides, self._request.at)
        except (ValueError, OverflowError) as err:  # a stored spec the current rules reject: say so, page on
            self._gap(f"schedule '{schedule.name}' could not be evaluated: {err}")
            return
        if who.user_id is None:
            self._gap(f"schedule '{schedule.name}' has nobody on call")
            return
        await self._user(who.user_id, f"on call: {schedule.name}")

    async def _managers(self) -> None:
        previous = await rows_by_id(self._session, User, self._tenant, self._request.previous_user_ids)
        if not previous:
            self._gap("manager: nobody was paged at the previous level")
        for user_id in self._request.previous_user_ids:
            user = previous.get(user_id)
            if user is None:
                continue
            if user.manager_id is None:
                self._gap(f"{user.name} has no manager")
            else:
                await self._user(user.manager_id, f"manager of {user.name}")

    async def _channel(self, channel_id: str) -> None:
        channel = await get_row(self._session, Channel, self._tenant, channel_id)
        if channel is None:
            self._gap(f"channel {channel_id} no longer exists")
        else:
            self.result.channels.append(ChannelRef(id=channel.id, name=channel.name, type=channel.type))
