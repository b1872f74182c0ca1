"""The Temporal worker process: Herald's workflows and activities on one task queue."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
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
from models.text import ascii_int
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


# The workflow cache, sized by memory unless told a count. A cached escalating alert costs ~146 KB of
# worker memory and the worker itself ~250 MiB (docs/performance.md, "The cost of one alert"). Alerts wake
# in the order they opened, so a least-recently-used cache smaller than the set of open alerts misses on
# every wake and each escalation replays its history first (docs/operations.md, "Sizing"): the cache should
# be as large as memory allows. `HERALD_WORKER_MAX_CACHED_WORKFLOWS` still sets a count outright.
PER_CACHED_WORKFLOW_KIB = 150
"""Memory of one cached escalating alert workflow (measured 141-150 KB; docs/performance.md)."""
WORKER_BASE_MIB = 320
"""The worker without its cache (measured ~235-250 MiB), plus room for a burst of deliveries in flight."""
DEFAULT_MEMORY_MIB = 1536
"""The budget when neither `HERALD_WORKER_MEMORY_MIB` nor a container limit says otherwise (the Helm chart's limit)."""
MINIMUM_CACHED_WORKFLOWS = 100

CGROUP_LIMIT_FILES = (
    Path("/sys/fs/cgroup/memory.max"),  # cgroup v2: a byte count or "max"
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),  # cgroup v1: a byte count, huge when unlimited
)
UNLIMITED_BYTES = 1 << 60  # cgroup v1 writes ~2**63 for "no limit"


@dataclass(frozen=True)
class CacheSize:
    workflows: int
    reason: str  # for the worker's start-up log line


def container_memory_limit(files: tuple[Path, ...] = CGROUP_LIMIT_FILES) -> int | None:
    """The memory limit of the container this process runs in, in bytes; None when there is none or it
    cannot be read."""
    for file in files:
        try:
            text = file.read_text().strip()
        except OSError:
            continue
        limit = ascii_int(text)
        if limit is not None and 0 < limit < UNLIMITED_BYTES:
            return limit
        return None  # "max", or v1's "unlimited": the first file that exists decides
    return None


def cache_size(
    max_cached_workflows: int | None, memory_mib: int | None, container_limit_bytes: int | None
) -> CacheSize:
    """The worker's `max_cached_workflows`: the count if one is set; else what fits the memory budget
    (`memory_mib`, else the container's limit, else `DEFAULT_MEMORY_MIB`) after the worker's own base,
    at `PER_CACHED_WORKFLOW_KIB` per workflow, and never below `MINIMUM_CACHED_WORKFLOWS`."""
    if max_cached_workflows is not None:
        return CacheSize(max_cached_workflows, "HERALD_WORKER_MAX_CACHED_WORKFLOWS")
    if memory_mib is not None:
        budget, source = memory_mib, "HERALD_WORKER_MEMORY_MIB"
    elif container_limit_bytes is not None:
        budget, source = container_limit_bytes // 2**20, "the container's memory limit"
    else:
        budget, source = DEFAULT_MEMORY_MIB, "the default budget"
    fits = (budget - WORKER_BASE_MIB) * 1024 // PER_CACHED_WORKFLOW_KIB
    workflows = max(MINIMUM_CACHED_WORKFLOWS, fits)
    return CacheSize(workflows, f"{budget} MiB from {source}, {PER_CACHED_WORKFLOW_KIB} KB per cached alert")


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
        cache = cache_size(settings.worker_max_cached_workflows, settings.worker_memory_mib, container_memory_limit())
        log.info("caching up to %d alert workflows (%s)", cache.workflows, cache.reason)
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
            max_cached_workflows=cache.workflows,
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
