"""`create_app(settings)`: the FastAPI application with its resources built in the lifespan."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from temporalio.client import Client

from api import errors, openapi, self_metrics
from api.body_limit import BodyLimitMiddleware
from api.console import DIST, console_router
from api.deps import Resources
from api.live import AlertHub
from api.load_shedding import OPENAPI_RESPONSES, LoadSheddingMiddleware, RequestGuard
from api.observability import ObservabilityMiddleware
from api.routers import (
    alert_actions,
    alertmanager_in,
    alerts,
    am_v2_alerts,
    am_v2_silences,
    am_v2_status,
    api_keys,
    audit,
    channels,
    data_sources,
    events,
    health,
    heartbeats,
    inhibit_rules,
    integrations,
    maintenance_windows,
    metrics,
    notifications,
    pagerduty_in,
    policies,
    routes,
    rules,
    schedules,
    session,
    silences,
    slack,
    stream,
    templates,
    tenant,
    tenants,
    time_intervals,
    users,
)
from api.storable_text import StorableTextMiddleware
from api.strict_paths import StrictPathsMiddleware
from channels.registry import Senders
from egress.http import http_client
from egress.policy import EgressPolicy
from gateway.client import AlertingClient
from gateway.connect import connect
from models.db import create_engine, create_sessionmaker
from models.metric_store import SeriesCache
from models.secrets import secret_box
from settings import Settings

DESCRIPTION = """
Herald: alerting and on-call escalation where every alert is a durable Temporal workflow.

Authenticate with `Authorization: Bearer <api key>`. Roles: **viewer** reads;
**responder** also sends events, acknowledges and resolves; **admin** also configures.
Every error answers an `ErrorOut`: `{"detail": "<what was wrong>"}`; invalid input (422) adds
`errors: [{field, message}]`, a refused delete (409) `used_by`. Each operation lists the error
statuses it can return.
A 503 or 429 with `Retry-After` (seconds) was shed before anything was done: the process is at
its limit of requests in progress (503), or the key is at its own, or the address has failed
authentication too often (429). Send it again after the delay.
"""


def create_app(settings: Settings, *, temporal: Client | None = None, console_dist: Path = DIST) -> FastAPI:
    """The API, and the web console built in `console_dist` (api/console.py)."""
    box = secret_box(settings.secret_key)  # fail at start-up
    egress = EgressPolicy.parse(
        settings.egress_allow, public=not settings.egress_deny_public
    )  # fails early if malformed
    guard = RequestGuard(
        max_in_flight=settings.max_in_flight,
        max_in_flight_per_key=settings.max_in_flight_per_key,
        auth_failures_per_minute=settings.auth_failures_per_minute,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url, application_name="herald-api")
        client = temporal or await connect(settings, lazy=True)
        http = http_client(egress)  # every outbound call of the API: channel tests, Prometheus, Slack
        senders = Senders(http, egress)
        sessions = create_sessionmaker(engine)
        hub = AlertHub(settings.database_url, sessions)
        app.state.resources = Resources(
            settings=settings,
            sessions=sessions,
            alerting=AlertingClient(
                client,
                task_queue=settings.temporal_task_queue,
                update_timeout=settings.update_timeout_seconds,
                ingest_concurrency=settings.ingest_concurrency,
            ),
            secrets=box,
            http=http,
            senders=senders,
            series=SeriesCache(),
            guard=guard,
            hub=hub,
        )
        # Everything built so far lives as long as the process: moving it out of the cyclic GC's
        # generations stops every large request from re-scanning it (-22% API CPU per metrics batch).
        gc.freeze()
        try:
            yield
        finally:
            await hub.aclose()
            await senders.aclose()
            await http.aclose()
            await engine.dispose()

    app = FastAPI(title="Herald", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.add_middleware(StorableTextMiddleware)  # innermost: reads a body only once it is known to fit
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(StrictPathsMiddleware)
    app.add_middleware(LoadSheddingMiddleware, guard=guard)  # before the body is read
    app.add_middleware(ObservabilityMiddleware)  # outermost: request id and metrics of every answer, shed ones too
    errors.install(app)
    openapi.install(app)
    # First (before alerts: /api/v1/alerts/health is not an alert id) and without the shedding responses:
    # /healthz is never shed, and the readiness route documents them itself.
    app.include_router(health.router)
    app.include_router(self_metrics.router)  # GET /metrics: Herald's own, never shed (api/self_metrics.py)
    for router in (
        rules.router,  # before alerts: /api/v1/alerts/rules/ and /evaluate are not alert ids
        events.router,
        metrics.router,
        heartbeats.router,
        alerts.router,
        alert_actions.router,
        channels.router,
        data_sources.router,
        templates.router,
        notifications.router,
        api_keys.router,
        audit.router,
        users.users,
        schedules.user_calendar,
        schedules.secret_calendar,
        users.teams,
        policies.router,
        schedules.router,
        slack.router,
        silences.router,
        inhibit_rules.router,
        routes.router,
        time_intervals.router,
        maintenance_windows.router,
        tenant.router,
        tenants.router,
        alertmanager_in.router,  # before integrations: POST /alertmanager is not an integration id
        integrations.router,
        integrations.changes,
        pagerduty_in.router,
        am_v2_alerts.router,
        am_v2_silences.router,
        am_v2_status.router,
        session.router,
        stream.router,
    ):
        app.include_router(router, responses=OPENAPI_RESPONSES)
    app.include_router(console_router(console_dist))  # last: `/`, `/dashboard/...`, `/assets/...`
    return app
