"""The time-skipping test server's sleep, steady against a cancelled call.

Now and then on a loaded 2-core machine the Java test server resets one `UnlockTimeSkippingWithSleep`
stream: the SDK raises `RPCError` CANCELLED, "h2 protocol error: http2 error" (seen in full suite
runs at stops 23 and 25, in `time_env.sleep` of different tests), and the test fails though nothing of
Herald's ran wrong. The server schedules the re-lock at the sleep's end before it unlocks time skipping
(temporal-test-server `TestService.unlockTimeSkippingWhileSleep`: `schedule(duration, lock)`, then
`unlockTimeSkipping`), so a call cut after it arrived still takes the clock to its end and re-locks, and
one cut before it arrived did nothing: `steady_sleep` reads the clock and sleeps only what is left, so a
sleep ends at its own instant either way, and the lock counter stays balanced (each unlock has its
scheduled lock).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

ATTEMPTS = 3


def steady_sleep(env: WorkflowEnvironment) -> Callable[[timedelta | float], Coroutine[Any, Any, None]]:
    """`env.sleep`, retried on a cancelled stream for what is left of the sleep (other errors raise)."""
    sleep = env.sleep

    async def steady(duration: timedelta | float) -> None:
        wanted = duration if isinstance(duration, timedelta) else timedelta(seconds=duration)
        end = await env.get_current_time() + wanted
        left = wanted
        for attempt in range(ATTEMPTS):
            try:
                await sleep(left)
                return
            except RPCError as err:
                if err.status != RPCStatusCode.CANCELLED or attempt == ATTEMPTS - 1:
                    raise
            left = end - await env.get_current_time()
            if left <= timedelta(0):
                return

    return steady
