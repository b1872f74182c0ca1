"""Liveness (`/healthz`, no auth), the API's readiness (`/readyz`, no auth: the database and Temporal answer) and
the health of every dependency, worker pollers included (`/api/v1/alerts/health`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import AlertingDep, Resources, ResourcesDep, Viewer
from api.load_shedding import OPENAPI_RESPONSES

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the API process answers", include_in_schema=True)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _database_check(resources: Resources) -> dict[str, Any]:
    try:
        async with resources.sessions() as session:
            await session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as err:
        return {"ok": False, "message": f"database unreachable: {type(err).__name__}"}
    return {"ok": True}


@router.get(
    "/readyz",
    summary="Readiness: this API process can serve (its database and Temporal answer)",
    description="No authentication; never shed. Worker pollers are not checked (ingest needs none): "
    "`/api/v1/alerts/health` reports them. 200 `{status: ready}`; 503 `{status: unready, checks}` "
    "when the database or Temporal does not answer (a Kubernetes readiness probe takes the pod out of rotation).",
    responses={503: {"description": "The database or Temporal does not answer; `checks` says which"}},
)
async def readyz(resources: ResourcesDep, alerting: AlertingDep) -> JSONResponse:
    engine = await alerting.health()
    checks: dict[str, dict[str, Any]] = {
        "database": await _database_check(resources),
        # The reason stays in the logs of an authenticated check: an unauthenticated caller learns only which.
        "temporal": {"ok": engine.temporal_ok} | ({} if engine.temporal_ok else {"message": "Temporal unreachable"}),
    }
    ok = all(check["ok"] for check in checks.values())
    body = {"status": "ready" if ok else "unready", "checks": checks}
    return JSONResponse(body, status_code=status.HTTP_200_OK if ok else status.HTTP_503_SERVICE_UNAVAILABLE)


@router.get(
    "/api/v1/alerts/health",
    summary="Database, Temporal and worker pollers",
    responses={
        429: OPENAPI_RESPONSES[429],
        503: {"description": "Something Herald needs is down (the body says what), or the process is at its limit"},
    },
)
async def health(principal: Viewer, resources: ResourcesDep, alerting: AlertingDep) -> JSONResponse:
    checks: dict[str, Any] = {"database": await _database_check(resources)}
    worker = await alerting.health()
    checks["temporal"] = {"ok": worker.temporal_ok, "namespace": resources.settings.temporal_namespace}
    if worker.message:
        checks["temporal"]["message"] = worker.message
    checks["workers"] = {
        "ok": worker.workflow_pollers > 0 and worker.activity_pollers > 0,
        "task_queue": resources.settings.temporal_task_queue,
        "workflow_pollers": worker.workflow_pollers,
        "activity_pollers": worker.activity_pollers,
    }
    if not checks["workers"]["ok"]:
        checks["workers"]["message"] = "no worker is polling the task queue: start `herald worker`"
    ok = all(check["ok"] for check in checks.values())
    body = {"status": "ok" if ok else "degraded", "checks": checks}
    return JSONResponse(body, status_code=status.HTTP_200_OK if ok else status.HTTP_503_SERVICE_UNAVAILABLE)
