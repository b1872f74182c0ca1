"""Reading a metrics push: a JSON batch or Prometheus's text exposition format, checked whole.

A batch is stored entirely or not at all: any bad sample is a 422 naming it, so a client never
has to guess which half of a batch arrived. Two samples of one series at one instant are such a
sample (a rate would read the second as a counter reset). The one exception is the text format's NaN / ±Inf
samples (client libraries emit them for empty summaries): they are skipped and counted in the answer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.errors import FieldErrors, check
from api.exposition import ExpositionError, parse_exposition
from api.schemas.metrics import MetricBatch
from models.metric_store import DuplicateSamples, Sample
from models.selectors import MAX_METRIC_NAME, labels_problem, value_problem
from models.timestamps import utc_text
from workflows.ids import canonical_labels

FUTURE_SLACK = timedelta(minutes=5)


class Parsed:
    """The samples to store, where each came from (`samples.3`, `body.line 7`), what was skipped."""

    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.where: list[str] = []
        self.skipped: list[str] = []
        self._instants: dict[tuple[str, tuple[tuple[str, str], ...], datetime], str] = {}

    def add(self, sample: Sample, where: str) -> str | None:
        """Keep `sample`; or, if the batch already has its series at its instant, say which (nothing kept)."""
        sample = Sample(sample.name, canonical_labels(sample.labels), sample.value, sample.ts)
        instant = (sample.name, tuple(sorted(sample.labels.items())), sample.ts)
        first = self._instants.setdefault(instant, where)
        if first != where:
            return f"duplicate sample for timestamp {utc_text(sample.ts)}: {first} is the same series at the same time"
        self.samples.append(sample)
        self.where.append(where)
        return None


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
            continue
        duplicate = parsed.add(Sample(sample.name, sample.labels, sample.value, ts), f"samples.{index}")
        if duplicate:
            errors.append((f"samples.{index}", duplicate))
    check(errors[:50])
    return parsed


def parse_text(raw: bytes, *, now: datetime, limit: int, retention: timedelta) -> Parsed:
    try:
        samples = parse_exposition(raw.decode())
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise FieldErrors([(f"body.line {line}", f"not UTF-8 text (byte {err.start}): {err.reason}")]) from err
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
        duplicate = parsed.add(Sample(sample.name, sample.labels, sample.value, ts), where)
        if duplicate:
            errors.append((where, duplicate))
    check(errors[:50])
    _check_size(len(parsed.samples), limit)
    return parsed


def duplicate_errors(parsed: Parsed, error: DuplicateSamples) -> FieldErrors:
    """The 422 for samples whose instants the store already holds with another value."""
    return FieldErrors(
        [
            (
                parsed.where[index],
                f"duplicate sample for timestamp {utc_text(parsed.samples[index].ts)}: the series already "
                f"holds {stored!r} there (a stored instant keeps its value; the same value again is ignored)",
            )
            for index, stored in error.clashes[:50]
        ]
    )
