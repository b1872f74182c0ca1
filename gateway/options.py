"""The options an alert opens with, from the deployment's settings: one place for API events, rules and heartbeats."""

from __future__ import annotations

from datetime import timedelta

from settings import Settings
from workflows.payloads import AlertOptions


def alert_options(
    settings: Settings,
    *,
    channel_ids: list[str] | None,
    policy_id: str | None,
    repeat_interval: timedelta | None = None,
) -> AlertOptions:
    return AlertOptions(
        channel_ids=channel_ids,
        repeat_interval=repeat_interval or settings.default_repeat_interval,
        notify_attempt_timeout=settings.notify_attempt_timeout,
        policy_id=policy_id,
    )
