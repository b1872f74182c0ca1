"""Pushed metric samples: the JSON batch, the ingest answer and query results."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from models.selectors import MAX_METRIC_NAME, METRIC_NAME, labels_problem, value_problem
from workflows.ids import canonical_labels

STRICT = ConfigDict(extra="forbid")


def _check_metric_labels(labels: dict[str, str]) -> dict[str, str]:
    """Checked, then canonical: a label with an empty value is an absent label (as in Prometheus)."""
    problem = labels_problem(labels)
    if problem:
        raise ValueError(problem)
    return canonical_labels(labels)


def _check_value(value: float) -> float:
    problem = value_problem(value)
    if problem:
        raise ValueError(problem)
    return value


MetricName = Annotated[str, StringConstraints(pattern=METRIC_NAME.pattern, max_length=MAX_METRIC_NAME)]
MetricLabels = Annotated[dict[str, str], AfterValidator(_check_metric_labels)]
SampleValue = Annotated[float, AfterValidator(_check_value)]


class SampleIn(BaseModel):
    model_config = STRICT
    name: MetricName = Field(description="Prometheus metric name: [a-zA-Z_:][a-zA-Z0-9_:]*")
    labels: MetricLabels = Field(default_factory=dict)
    value: SampleValue = Field(description="A finite number (NaN and infinities are refused)")
    timestamp: datetime | None = Field(
        None, description="ISO 8601 or Unix seconds; default: when Herald received it. Not in the future (5 min slack)."
    )


class MetricBatch(BaseModel):
    model_config = STRICT
    samples: list[SampleIn] = Field(description="At most HERALD_METRICS_MAX_BATCH samples (default 10,000)")


class IngestResult(BaseModel):
    accepted: int = Field(description="Samples stored (those in `repeated` included)")
    repeated: int = Field(
        0, description="Samples the store already held with the same value (a retried push): left as they were"
    )
    skipped: int = Field(0, description="Text-format samples not stored (NaN or infinite values), with reasons")
    skipped_reasons: list[str] = Field(default_factory=list, description="The first 20 reasons")


class SeriesOut(BaseModel):
    name: str
    labels: dict[str, str]
    points: list[tuple[datetime, float]] = Field(description="[timestamp, value] pairs, oldest first")
    value: float | None = Field(None, description="The aggregation over the window, when one was asked for")


class QueryResult(BaseModel):
    query: str
    start: datetime
    end: datetime
    series: list[SeriesOut]
