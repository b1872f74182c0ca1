"""The Temporal worker process: Herald's workflows and activities on one task queue."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

from activities.channels.base import Sender
from activities.channels.webhook import WebhookSender
from activities.escalation import EscalationActivities
from activities.notify import NotifyActivities
from activities.projection import ProjectionActivities
from alerting.connect import connect
from models.db import create_engine, create_sessionmaker
from settings import Settings, get_settings
from workflows.alert import AlertWorkflow

log = logging.getLogger("herald.worker")


def build_senders(http: httpx.AsyncClient, settings: Settings) -> dict[str, Sender]:
    return {"webhook": WebhookSender(http, timeout=settings.webhook_timeout_seconds)}


@asynccontextmanager
async def build_worker(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings, *, task_queue: str | None = None
) -> AsyncIterator[Worker]:
    """A configured (not yet running) worker; its HTTP client closes on exit."""
    async with httpx.AsyncClient() as http:
        projection = ProjectionActivities(sessions)
        escalation = EscalationActivities(sessions)
        notify = NotifyActivities(
            sessions,
            build_senders(http, settings),
            public_url=settings.public_url,
            temporal_ui_url=settings.temporal_ui_url,
            namespace=settings.temporal_namespace,
        )
        yield Worker(
            client,
            task_queue=task_queue or settings.temporal_task_queue,
            workflows=[AlertWorkflow],
            activities=[
                projection.open_alert,
                projection.open_escalating,
                projection.record,
                escalation.choose,
                escalation.resolve_level,
                notify.send,
                notify.abandon,
            ],
            max_cached_workflows=settings.worker_max_cached_workflows,
            max_concurrent_activities=settings.worker_max_concurrent_activities,
        )


async def run_worker(settings: Settings) -> None:
    client = await connect(settings)
    engine = create_engine(settings.database_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with build_worker(client, create_sessionmaker(engine), settings) as worker:
            log.info("worker polling task queue %r on %s", settings.temporal_task_queue, settings.temporal_address)
            async with worker:
                await stop.wait()
    finally:
        await engine.dispose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(run_worker(get_settings()))


if __name__ == "__main__":
    main()
