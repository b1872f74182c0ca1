"""Reading a metrics push: a JSON batch or Prometheus's text exposition format, checked whole.

A batch is stored entirely or not at all: any bad sample is a 422 naming it, so a client never
has to guess which half of a batch arrived. The one exception is the text format's NaN / ±Inf
samples (client libraries emit them for empty summaries): they are skipped and counted in the answer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.errors import FieldErrors, check
from api.exposition import ExpositionError, parse_exposition
from api.schemas.metrics import MetricBatch
from models.metric_store import Sample
from models.selectors import MAX_METRIC_NAME, labels_problem, value_problem
from models.timestamps import utc_text

FUTURE_SLACK = timedelta(minutes=5)


class Parsed:
    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.skipped: list[str] = []


def _check_size(count: int, limit: int) -> None:
    if count > limit:
        raise FieldErrors([("samples", f"at most {limit} samples per request (got {count}); split the batch")])


class Accepted:
    """The times a sample may carry: not in the future (5 min slack), not older than the retention."""

    def __init__(self, now: datetime, retention: timedelta) -> None:
        self.latest = now + FUTURE_SLACK
        self.earliest = now - retention
        self.retention = retention

    def problem(self, ts: datetime) -> str | None:
        if ts > self.latest:
            return f"{utc_text(ts)} is in the future"
        if ts < self.earliest:
            return f"{utc_text(ts)} is older than the retention period ({self.retention})"
        return None


def parse_json(raw: bytes, *, now: datetime, limit: int, retention: timedelta) -> Parsed:
    try:
        batch = MetricBatch.model_validate_json(raw)
    except ValidationError as err:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in err.errors()]) from err
    _check_size(len(batch.samples), limit)
    parsed = Parsed()
    errors: list[tuple[str, str]] = []
    accepted = Accepted(now, retention)
    for index, sample in enumerate(batch.samples):
        ts = sample.timestamp or now
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=UTC)
        problem = accepted.problem(ts)
        if problem:
            errors.append((f"samples.{index}.timestamp", problem))
        parsed.samples.append(Sample(sample.name, sample.labels, sample.value, ts))
    check(errors[:50])
    return parsed


def parse_text(raw: bytes, *, now: datetime, limit: int, retention: timedelta) -> Parsed:
    try:
        samples = parse_exposition(raw.decode())
    except UnicodeDecodeError as err:
        raise FieldErrors([("body", f"not UTF-8 text: {err}")]) from err
    except ExpositionError as err:
        raise FieldErrors([("body", f"not Prometheus text exposition format: {err}")]) from err
    parsed = Parsed()
    errors: list[tuple[str, str]] = []
    accepted = Accepted(now, retention)
    for sample in samples:
        where = f"body.line {sample.line}"
        if len(sample.name) > MAX_METRIC_NAME:
            errors.append((where, f"metric name longer than {MAX_METRIC_NAME} characters"))
            continue
        problem = labels_problem(sample.labels)
        if problem:
            errors.append((where, f"{sample.name}: {problem}"))
            continue
        value_issue = value_problem(sample.value)
        if value_issue:
            parsed.skipped.append(f"line {sample.line} {sample.name}{sample.labels or ''}: {value_issue}")
            continue
        try:
            ts = datetime.fromtimestamp(sample.timestamp_ms / 1000, UTC) if sample.timestamp_ms is not None else now
        except (ValueError, OverflowError, OSError):
            errors.append((where, f"timestamp {sample.timestamp_ms} ms is not a date"))
            continue
        time_issue = accepted.problem(ts)
        if time_issue:
            errors.append((where, time_issue))
            continue
        parsed.samples.append(Sample(sample.name, sample.labels, sample.value, ts))
    check(errors[:50])
    _check_size(len(parsed.samples), limit)
    return parsed
