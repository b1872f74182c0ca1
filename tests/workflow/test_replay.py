"""Committed workflow histories (alerts, rule evaluation passes, heartbeat monitors) must replay on the current code (determinism check).

Refresh them after an intentional, `workflow.patched`-guarded change with:
    HERALD_RECORD_HISTORIES=1 .venv/bin/pytest tests/workflow/test_alert_lifecycle.py
and commit the new files next to the old ones (old ones must keep replaying).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from gateway.data_converter import herald_data_converter
from gateway.sandbox import workflow_runner
from workflows.alert import AlertWorkflow
from workflows.heartbeat import HeartbeatWorkflow
from workflows.retention import RetentionWorkflow
from workflows.rule_evaluation import RuleEvaluationWorkflow

HISTORIES = sorted((Path(__file__).resolve().parents[1] / "histories").glob("*.json"))


def test_histories_are_committed() -> None:
    assert len(HISTORIES) >= 5, "tests/histories lost its recorded AlertWorkflow histories"


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())  # noqa: ASYNC240 (small local file)
    # The default runner re-imports workflows.* in an isolated sandbox per run, so replay also
    # checks, at run time, the determinism that a "shared" production worker no longer checks.
    replayer = Replayer(
        workflows=[AlertWorkflow, RuleEvaluationWorkflow, HeartbeatWorkflow, RetentionWorkflow],
        data_converter=herald_data_converter,
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None


async def test_every_history_replays_in_the_workers_own_sandbox() -> None:
    # The worker's runner (gateway/sandbox.py: shared workflow modules, serialization context answered
    # outside the sandbox) must reach the same commands as the SDK's on every recorded history.
    histories = [WorkflowHistory.from_json(path.stem, path.read_text()) for path in HISTORIES]
    replayer = Replayer(
        workflows=[AlertWorkflow, RuleEvaluationWorkflow, HeartbeatWorkflow, RetentionWorkflow],
        data_converter=herald_data_converter,
        workflow_runner=workflow_runner("shared", herald_data_converter),
    )
    replayed = 0
    async with replayer.workflow_replay_iterator(_each(histories)) as results:
        async for result in results:
            assert result.replay_failure is None, result.history.workflow_id
            replayed += 1
    assert replayed == len(HISTORIES)


async def _each(histories: list[WorkflowHistory]) -> AsyncIterator[WorkflowHistory]:
    for history in histories:
        yield history
