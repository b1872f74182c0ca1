"""InboxDrainWorkflow: hands the events waiting in the ingest inbox (models/inbox.py) to their
incidents, one drain cycle at a time.

One per task queue (`inbox-drain/<task queue>`), so each key's events keep their order. The API
wakes it (signal `wake`, signal-with-start: it starts it if it is not running) after each batch
it commits; it also looks every `IDLE_CHECK` by itself, so events whose wake was lost (the API
died between its commit and the signal) wait at most that long. A cycle is an activity retried
until it gets through (Temporal down, a worker killed mid-cycle): it re-sends the same events
under the same cycle number, which the incidents that took them already skip.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows import activity_refs as refs

INBOX_DRAIN_WORKFLOW = "InboxDrainWorkflow"
IDLE_CHECK = timedelta(seconds=10)
CYCLES_PER_RUN = 500  # then continue-as-new, so the history stays short
DRAIN_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=500), maximum_interval=timedelta(seconds=10))


@workflow.defn(name=INBOX_DRAIN_WORKFLOW)
class InboxDrainWorkflow:
    def __init__(self) -> None:
        self._woken = False

    @workflow.run
    async def run(self) -> None:
        for _ in range(CYCLES_PER_RUN):
            try:
                await workflow.wait_condition(lambda: self._woken, timeout=IDLE_CHECK)
            except TimeoutError:
                pass
            self._woken = False
            while True:
                drained = await refs.run(
                    refs.INBOX_DRAIN,
                    refs.NoInput(),
                    start_to_close_timeout=timedelta(minutes=2),
                    retry_policy=DRAIN_RETRY,
                    summary="hand the waiting events to their incidents",
                )
                if not drained.more:
                    break
            if workflow.info().is_continue_as_new_suggested():
                break
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new()

    @workflow.signal
    def wake(self) -> None:
        self._woken = True
