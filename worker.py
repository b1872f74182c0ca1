"""The Temporal worker process: Herald's workflows and activities on one task queue."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity as temporal_activity
from temporalio.client import Client
from temporalio.worker import Worker

from activities.escalation import EscalationActivities
from activities.heartbeats import HeartbeatActivities
from activities.inbox import InboxActivities
from activities.notify import NotifyActivities
from activities.projection import ProjectionActivities
from activities.retention import RetentionActivities
from activities.rules import RuleActivities
from channels.registry import Senders
from egress.http import http_client
from egress.policy import EgressPolicy
from gateway.client import AlertingClient
from gateway.connect import connect, metrics_runtime
from gateway.retention_schedule import ensure_retention_schedule
from gateway.rule_schedule import ensure_rule_schedule
from gateway.sandbox import workflow_runner
from models.db import create_engine, create_sessionmaker
from models.secrets import secret_box
from settings import Settings, get_settings
from telemetry.logs import configure_logging
from telemetry.metrics import serve_worker_metrics
from workflows.alert import AlertWorkflow
from workflows.heartbeat import HeartbeatWorkflow
from workflows.inbox import InboxDrainWorkflow
from workflows.retention import RetentionWorkflow
from workflows.rule_evaluation import RuleEvaluationWorkflow

log = logging.getLogger("herald.worker")

# Every class whose @activity.defn methods the worker registers (tests/unit/test_activity_refs.py
# checks that together they define exactly the names in workflows/activity_refs.py).
ACTIVITY_CLASSES = (
    ProjectionActivities,
    EscalationActivities,
    NotifyActivities,
    RuleActivities,
    HeartbeatActivities,
    InboxActivities,
    RetentionActivities,
)


def activity_names(cls: type) -> dict[str, str]:
    """The @activity.defn methods of an activity class: method name -> activity name."""
    found: dict[str, str] = {}
    for attribute in dir(cls):
        definition = temporal_activity._Definition.from_callable(getattr(cls, attribute))
        if definition is not None and definition.name is not None:
            found[attribute] = definition.name
    return found


def activities_of(*instances: object) -> list[Callable[..., Any]]:
    """The bound @activity.defn methods of the given activity objects, all of them."""
    return [getattr(obj, method) for obj in instances for method in activity_names(type(obj))]


@asynccontextmanager
async def build_worker(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings, *, task_queue: str | None = None
) -> AsyncIterator[Worker]:
    """A configured (not yet running) worker; its HTTP client closes on exit. Every outbound call
    (deliveries, pages, Prometheus) goes through the egress policy of `settings.egress_allow`."""
    box = secret_box(settings.secret_key)
    egress = EgressPolicy.parse(settings.egress_allow, public=not settings.egress_deny_public)
    async with http_client(egress) as http:
        senders = Senders(http, egress)
        projection = ProjectionActivities(sessions)
        escalation = EscalationActivities(sessions)
        notify = NotifyActivities(
            sessions,
            senders,
            box,
            public_url=settings.public_url,
            temporal_ui_url=settings.temporal_ui_url,
            namespace=settings.temporal_namespace,
        )
        queue = task_queue or settings.temporal_task_queue
        alerting = AlertingClient(
            client,
            task_queue=queue,
            update_timeout=settings.update_timeout_seconds,
            ingest_concurrency=settings.ingest_concurrency,
        )
        rules = RuleActivities(sessions, http, box, alerting, settings)
        heartbeats = HeartbeatActivities(sessions, alerting, settings)
        inbox = InboxActivities(sessions, alerting)
        retention = RetentionActivities(sessions, settings)
        worker = Worker(
            client,
            task_queue=queue,
            workflows=[AlertWorkflow, RuleEvaluationWorkflow, HeartbeatWorkflow, InboxDrainWorkflow, RetentionWorkflow],
            workflow_runner=workflow_runner(settings.workflow_sandbox, client.data_converter),
            activities=activities_of(projection, escalation, notify, rules, heartbeats, inbox, retention),
            max_cached_workflows=settings.worker_max_cached_workflows,
            max_concurrent_activities=settings.worker_max_concurrent_activities,
            graceful_shutdown_timeout=settings.worker_shutdown,
        )
        try:
            yield worker
        finally:
            await senders.aclose()


async def run_worker(settings: Settings) -> None:
    secret_box(settings.secret_key)  # a missing key is a configuration error: say so before connecting
    EgressPolicy.parse(settings.egress_allow)  # so is a malformed allow-list
    runtime = metrics_runtime(settings.temporal_metrics_address) if settings.temporal_metrics_address else None
    client = await connect(settings, service="herald-worker", runtime=runtime)
    if settings.worker_metrics_port is not None:
        serve_worker_metrics(settings.worker_metrics_port, settings.worker_metrics_host)
        log.info("worker metrics at http://%s:%s/metrics", settings.worker_metrics_host, settings.worker_metrics_port)
    engine = create_engine(settings.database_url, pre_ping=False, application_name="herald-worker")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        done = await ensure_rule_schedule(client, settings)
        log.info("rule-evaluation schedule %s (every %s s)", done, settings.rule_tick_seconds)
        done = await ensure_retention_schedule(client, settings)
        log.info("retention schedule %s (every %s s)", done, settings.retention_interval_seconds)
        await AlertingClient(
            client, task_queue=settings.temporal_task_queue, update_timeout=5, ingest_concurrency=1
        ).wake_inbox()  # events a crash left in the inbox go on at once
        async with build_worker(client, create_sessionmaker(engine), settings) as worker:
            gc.freeze()  # long-lived start-up objects out of the cyclic GC's way (as in the API)
            log.info("worker polling task queue %r on %s", settings.temporal_task_queue, settings.temporal_address)
            async with worker:
                await stop.wait()
    finally:
        await engine.dispose()


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_format)
    asyncio.run(run_worker(settings))


if __name__ == "__main__":
    main()
