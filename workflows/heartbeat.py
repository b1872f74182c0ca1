"""HeartbeatWorkflow: a dead man's switch, one per monitor (`heartbeat/<tenant>/<heartbeat id>`).

A ping moves the deadline to `interval + grace` after it. When the deadline passes, the
workflow raises an alert (through an activity that signal-with-starts the alert workflow,
keyed `heartbeat/<id>`) and waits; the next ping resolves it and re-arms the deadline. The
deadline is a durable timer: a worker crash or restart neither loses a late ping's alert
nor raises it twice. Pings are signals (persisted in milliseconds, no worker needed), so a
cron job's `curl` is answered even while workers restart.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows import activity_refs as refs
    from workflows.rule_payloads import HeartbeatAlert, HeartbeatPing, HeartbeatStart, HeartbeatTiming

PINGS_PER_RUN = 500  # continue-as-new after this many pings keeps the history short
ALERT_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@workflow.defn(name="HeartbeatWorkflow")
class HeartbeatWorkflow:
    def __init__(self) -> None:
        self._pinged_at: datetime | None = None
        self._timing: HeartbeatTiming | None = None
        self._stopped = False

    @workflow.signal
    def ping(self, ping: HeartbeatPing) -> None:
        self._pinged_at = ping.at

    @workflow.signal
    def configure(self, timing: HeartbeatTiming) -> None:
        self._timing = timing

    @workflow.signal
    def stop(self) -> None:
        self._stopped = True

    def _pending(self) -> bool:
        """A signal not yet taken in (it may arrive during any await: the loop looks again before sleeping)."""
        return self._stopped or self._timing is not None or self._pinged_at is not None

    @workflow.run
    async def run(self, start: HeartbeatStart) -> str:
        state = start.model_copy()
        # The deadline counts from the last ping, else from when the monitor started watching.
        since = state.since or state.last_ping_at or workflow.now()
        runs_pings = 0
        while True:
            if self._stopped:
                if state.alerting:
                    await self._alert(state, "resolve")
                return "stopped"
            if self._timing is not None:
                timing, self._timing = self._timing, None
                state.interval, state.grace, state.enabled = timing.interval, timing.grace, timing.enabled
            if self._pinged_at is not None:
                state.last_ping_at, self._pinged_at = self._pinged_at, None
                since = workflow.now()
                runs_pings += 1
                if state.alerting:
                    await self._alert(state, "resolve")
                    state.alerting = False
            if self._pending():
                continue
            if runs_pings >= PINGS_PER_RUN or workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self._pending():
                    state.since = since
                    workflow.continue_as_new(state)
                continue
            if state.alerting or not state.enabled:
                await workflow.wait_condition(self._pending)
                continue
            remaining = since + state.interval + state.grace - workflow.now()
            if remaining > timedelta(0):
                try:
                    await workflow.wait_condition(self._pending, timeout=remaining)
                    continue
                except TimeoutError:
                    pass
            if self._pending():
                continue
            if await self._alert(state, "trigger") == "deleted":
                return "deleted"  # the monitor was deleted: nothing is left to watch
            state.alerting = True

    async def _alert(self, state: HeartbeatStart, action: Literal["trigger", "resolve"]) -> str:
        return await refs.run(
            refs.HEARTBEAT_ALERT,
            HeartbeatAlert(
                tenant_id=state.tenant_id,
                heartbeat_id=state.heartbeat_id,
                action=action,
                at=workflow.now(),
                last_ping_at=state.last_ping_at,
            ),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=ALERT_RETRY,
        )
