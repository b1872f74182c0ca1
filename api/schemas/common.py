"""Field types shared by several schemas."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from models.keys import DEDUP_KEY
from models.selectors import MAX_LABEL_NAME, MAX_LABELS, label_name_problem, labels_problem
from workflows.ids import canonical_labels


def _no_nul(text: str) -> str:
    """PostgreSQL text cannot hold NUL: refuse it here (a 422), not in an activity that would retry for ever."""
    if "\x00" in text:
        raise ValueError("NUL characters are not accepted")
    return text


def _check_labels(labels: dict[str, str]) -> dict[str, str]:
    """Checked, then canonical: a label with an empty value is an absent label (as in Prometheus)."""
    problem = labels_problem(labels, reserved_allowed=True)
    if problem:
        raise ValueError(problem)
    return canonical_labels(labels)


def _check_matchers(labels: dict[str, str]) -> dict[str, str]:
    """Label equality matchers: checked as labels, but `env: ""` is kept (it matches alerts without `env`)."""
    problem = labels_problem(labels, reserved_allowed=True)
    if problem:
        raise ValueError(problem)
    return labels


ANNOTATION_MAX = 10_000  # characters of one annotation's value
DESCRIPTION_MAX = 20_000  # characters of a description


def _check_annotations(annotations: dict[str, str]) -> dict[str, str]:
    if len(annotations) > MAX_LABELS:
        raise ValueError(f"at most {MAX_LABELS} annotations")
    for name, value in annotations.items():
        if not 0 < len(name) <= MAX_LABEL_NAME:
            raise ValueError(f"annotation names are 1 to {MAX_LABEL_NAME} characters")
        if len(value) > ANNOTATION_MAX:
            raise ValueError(f"annotation {name!r} is longer than {ANNOTATION_MAX} characters")
        _no_nul(name)
        _no_nul(value)
    return annotations


Labels = Annotated[dict[str, str], AfterValidator(_check_labels)]
LabelMatchers = Annotated[dict[str, str], AfterValidator(_check_matchers)]
Annotations = Annotated[dict[str, str], AfterValidator(_check_annotations)]
DedupKey = Annotated[str, StringConstraints(pattern=DEDUP_KEY.pattern)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), AfterValidator(_no_nul)]
Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX), AfterValidator(_no_nul)]
Source = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), AfterValidator(_no_nul)]
Note = Annotated[str, StringConstraints(max_length=5_000), AfterValidator(_no_nul)]
RepeatSeconds = Annotated[int, Field(ge=10, le=7 * 24 * 3600, description="Renotify interval (10 s to 7 days).")]


def _label_names(names: list[str]) -> list[str]:
    for name in names:
        problem = label_name_problem(name)
        if problem:
            raise ValueError(problem)
    if len(set(names)) != len(names):
        raise ValueError("a label is named twice")
    return names


LabelNames = Annotated[list[str], AfterValidator(_label_names)]
"""Label names (group_by, equal): each a valid label name, none twice."""
