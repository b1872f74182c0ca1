"""Escalation lookups: which policy an alert follows (`models/policies.py`), and whom a level
reaches right now (`models/level_targets.py`).

Both are local activities (short database reads). Their answers are recorded in the
workflow's history, so a replay sees the same people even after the schedule changed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from models.level_targets import LevelResolver
from models.policies import choose_policy
from telemetry.metrics import ESCALATION_LATENESS
from workflows import activity_refs as refs
from workflows.payloads import (
    ChoosePolicyInput,
    PolicyChoice,
    ResolvedLevel,
    ResolveLevelInput,
)


class EscalationActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @activity.defn(name=refs.ESCALATION_POLICY.name)
    async def choose(self, request: ChoosePolicyInput) -> PolicyChoice:
        async with self._sessions() as session:
            return await choose_policy(session, request)

    @activity.defn(name=refs.ESCALATION_LEVEL.name)
    async def resolve_level(self, request: ResolveLevelInput) -> ResolvedLevel:
        """Whom the level reaches at `request.at`; observes how late past `request.due_at` it runs
        (`herald_escalation_lateness_seconds`: a timer fired late, a worker was down or busy)."""
        if request.due_at is not None:
            late = (datetime.now(UTC) - request.due_at).total_seconds()
            ESCALATION_LATENESS.observe(max(0.0, late))
        async with self._sessions() as session:
            return await LevelResolver(session, request).resolve()
