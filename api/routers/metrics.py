"""`/api/v1/metrics`: push samples (JSON or Prometheus text format) and read them back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from api.deps import ResourcesDep, Responder, SessionDep, Viewer
from api.errors import FieldErrors
from api.metric_input import duplicate_errors, parse_json, parse_text
from api.schemas.metrics import IngestResult, MetricBatch, QueryResult, SeriesOut
from models.metric_store import DuplicateSamples, read_series, store_samples
from models.selectors import SelectorError, parse_selector
from rules.aggregate import Aggregation, aggregate

router = APIRouter(prefix="/api/v1/metrics", tags=["metrics"])
TEXT_TYPES = ("text/plain", "application/openmetrics-text")


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """The JSON schema with its `$defs` references replaced by the definitions (for a hand-written body)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
        return {key: _inline(value, defs) for key, value in schema.items() if key != "$defs"}
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    return schema


_BATCH_SCHEMA = MetricBatch.model_json_schema()
PUSH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _inline(_BATCH_SCHEMA, _BATCH_SCHEMA.get("$defs", {}))},
            "text/plain": {
                "schema": {"type": "string"},
                "example": '# TYPE cpu_usage_percent gauge\ncpu_usage_percent{host="db1"} 93.5\n',
            },
        },
    }
}


@router.post(
    "",
    response_model=IngestResult,
    summary="Push metric samples",
    description=(
        '`Content-Type: application/json`: `{"samples": [{name, labels, value, timestamp?}]}`. '
        "`Content-Type: text/plain`: Prometheus text exposition format (what `/metrics` endpoints serve; "
        "timestamps in milliseconds). A batch is stored whole or refused whole with a 422 naming the bad sample; "
        "text-format NaN / infinite samples are skipped and counted. A series has one value per instant: two "
        "samples of one series and timestamp in a batch, or a sample for a stored instant with another value, "
        "is a 422 naming it; the same value again (a retried push) is accepted, stored once and counted in `repeated`."
    ),
    responses={
        422: {"description": "A bad sample, label name, value or timestamp, a duplicate sample, or too many samples"},
        409: {"description": "Concurrent pushes kept writing the same instants: send it again"},
    },
    openapi_extra=PUSH_BODY,
)
async def push_metrics(request: Request, principal: Responder, resources: ResourcesDep) -> IngestResult:
    raw = await request.body()
    settings = resources.settings
    options = {"now": datetime.now(UTC), "limit": settings.metrics_max_batch, "retention": settings.metrics_retention}
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    parsed = parse_text(raw, **options) if content_type in TEXT_TYPES else parse_json(raw, **options)  # type: ignore[arg-type]
    try:
        async with resources.sessions.begin() as session:
            repeated = await store_samples(session, principal.tenant_id, parsed.samples, resources.series)
    except Exception as err:
        resources.series.clear()  # series ids created in a rolled-back transaction do not exist
        if isinstance(err, DuplicateSamples):
            raise duplicate_errors(parsed, err) from err
        raise
    return IngestResult(
        accepted=len(parsed.samples),
        repeated=repeated,
        skipped=len(parsed.skipped),
        skipped_reasons=parsed.skipped[:20],
    )


def aware(moment: datetime) -> datetime:
    """A time without a zone is UTC, as sample timestamps are."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@router.get("/query", response_model=QueryResult, summary="Read pushed samples back")
async def query_metrics(
    principal: Viewer,
    session: SessionDep,
    query: Annotated[str, Query(description='A selector: `cpu_usage_percent{host="db1"}`')],
    start: Annotated[datetime | None, Query(description="Default: `end` minus one hour")] = None,
    end: Annotated[datetime | None, Query(description="Default: now")] = None,
    aggregation: Annotated[
        Aggregation | None, Query(description="Also give each series' value over the window")
    ] = None,
    max_series: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> QueryResult:
    try:
        selector = parse_selector(query)
    except SelectorError as err:
        raise FieldErrors([("query", str(err))]) from err
    until = aware(end) if end else datetime.now(UTC)
    since = aware(start) if start else until - timedelta(hours=1)
    if since >= until:
        raise FieldErrors([("start", "must be before end")])
    found = await read_series(session, principal.tenant_id, [selector], since, until, max_series=max_series)
    series = [
        SeriesOut(
            name=s.name,
            labels=s.labels,
            points=s.points,
            value=aggregate(s.points, aggregation) if aggregation else None,
        )
        for s in found[selector]
    ]
    return QueryResult(query=query, start=since, end=until, series=series)
