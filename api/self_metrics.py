"""`GET /metrics`: Herald's own metrics in Prometheus' text exposition (docs/operations.md,
"Monitoring Herald"), not the pushed samples of `/api/v1/metrics`.

Besides the process's counters and histograms (telemetry/metrics.py), two gauges read from the
projection at scrape time, with one bounded GROUP BY each, cached `CACHE_SECONDS` so that several
scrapers cost one query: `herald_open_alerts{tenant,status,severity}` (at most tenants × 2 statuses
× 5 severities series, capped at `MAX_SERIES`) and `herald_rules_in_error{tenant}`.

Open by default (as `/healthz`, and never shed); `HERALD_METRICS_ENABLED=false` removes it (404),
`HERALD_METRICS_TOKEN` requires `Authorization: Bearer <token>` (401 otherwise).
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field

from fastapi import APIRouter, HTTPException, Request, Response, status
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import ResourcesDep
from models.rule_tables import Rule
from models.tables import Alert
from telemetry.metrics import exposition

PATH = "/metrics"
CACHE_SECONDS = 5.0
MAX_SERIES = 10_000  # (tenant, status, severity) rows read per scrape; beyond, the gauge is cut and says so


@dataclass
class ProjectionGauges:
    """The projection's gauges as of `at` (time.monotonic)."""

    open_alerts: list[tuple[str, str, str, int]] = field(default_factory=list)
    rules_in_error: list[tuple[str, int]] = field(default_factory=list)
    truncated: bool = False
    at: float = float("-inf")

    def collect(self) -> list[GaugeMetricFamily]:
        alerts = GaugeMetricFamily(
            "herald_open_alerts",
            "Alerts not resolved, by tenant, status (triggered, acknowledged) and severity",
            labels=["tenant", "status", "severity"],
        )
        for tenant, state, severity, count in self.open_alerts:
            alerts.add_metric([tenant, state, severity], count)
        cut = GaugeMetricFamily(
            "herald_open_alerts_truncated", f"1 when herald_open_alerts omits series past {MAX_SERIES}"
        )
        cut.add_metric([], int(self.truncated))
        rules = GaugeMetricFamily(
            "herald_rules_in_error", "Enabled rules whose last evaluation failed, by tenant", labels=["tenant"]
        )
        for tenant, count in self.rules_in_error:
            rules.add_metric([tenant], count)
        return [alerts, cut, rules]


async def read_gauges(session: AsyncSession) -> ProjectionGauges:
    """The two GROUP BY reads (indexes: ix_alerts_tenant_status; rules are few per tenant)."""
    by = (Alert.tenant_id, Alert.status, Alert.severity)
    open_rows = (
        await session.execute(
            select(*by, func.count())
            .where(Alert.status != "resolved")
            .group_by(*by)
            .order_by(*by)
            .limit(MAX_SERIES + 1)
        )
    ).all()
    error_rows = (
        await session.execute(
            select(Rule.tenant_id, func.count())
            .where(Rule.enabled.is_(True), Rule.health == "error")
            .group_by(Rule.tenant_id)
            .order_by(Rule.tenant_id)
            .limit(MAX_SERIES)
        )
    ).all()
    return ProjectionGauges(
        open_alerts=[(t, s, v, int(n)) for t, s, v, n in open_rows[:MAX_SERIES]],
        rules_in_error=[(t, int(n)) for t, n in error_rows],
        truncated=len(open_rows) > MAX_SERIES,
        at=time.monotonic(),
    )


class _Gauges(Collector):
    def __init__(self, gauges: ProjectionGauges) -> None:
        self._gauges = gauges

    def collect(self) -> list[GaugeMetricFamily]:
        return self._gauges.collect()


router = APIRouter(tags=["health"])


@router.get(PATH, include_in_schema=False)
async def metrics(request: Request, resources: ResourcesDep) -> Response:
    """The exposition; 404 when disabled, 401 without the configured token."""
    settings = resources.settings
    if not settings.metrics_enabled:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    if settings.metrics_token is not None:
        expected = f"Bearer {settings.metrics_token.get_secret_value()}"
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "GET /metrics needs Authorization: Bearer <HERALD_METRICS_TOKEN>",
                headers={"WWW-Authenticate": "Bearer"},
            )
    state = request.app.state
    gauges: ProjectionGauges = getattr(state, "projection_gauges", ProjectionGauges())
    if time.monotonic() - gauges.at > CACHE_SECONDS:
        async with resources.sessions() as session:
            gauges = await read_gauges(session)
        state.projection_gauges = gauges
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Gauges(gauges))
    return Response(exposition(registry), media_type=CONTENT_TYPE_LATEST)
