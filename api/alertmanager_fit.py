"""An Alertmanager alert's text fitted to Herald's caps, for the doors that speak Alertmanager's protocols
(`POST /api/v1/integrations/alertmanager`, `POST /api/v2/alerts`).

Alertmanager and Prometheus cap neither the number nor the length of annotations, and neither retries a
notification Herald answers with a 4xx: an alert refused for a cap of Herald's is a page lost. So these
doors keep what fits and say what they left out, as `channels.fit.cut` does for long text:

* a value over ANNOTATION_MAX characters is cut and ends with `… (N more characters not shown)`;
* past the annotation cap (`models.selectors.MAX_LABELS`, or less when the door needs places of its
  own) the first annotations are kept — `summary`, `description` and `runbook_url` before the others,
  then in the order received — and the last place holds `herald_annotations_left_out`: how many were
  left out and their names;
* the description (the `description` annotation) is cut at DESCRIPTION_MAX.

Names stay checked by the API (1 to 128 characters, no NUL): a name Herald cannot store is refused.
"""

from __future__ import annotations

from api.schemas.common import ANNOTATION_MAX, DESCRIPTION_MAX
from channels.fit import cut
from models.selectors import MAX_LABELS

LEFT_OUT = "herald_annotations_left_out"
FIRST = ("summary", "description", "runbook_url")


def fit_annotations(annotations: dict[str, str], room: int = MAX_LABELS) -> dict[str, str]:
    """At most `room` annotations (room ≥ 1), each value at most ANNOTATION_MAX characters."""
    values = {name: cut(value, ANNOTATION_MAX, say=True) for name, value in annotations.items()}
    if len(values) <= room:
        return values
    order = sorted(values, key=lambda name: FIRST.index(name) if name in FIRST else len(FIRST))
    kept, dropped = order[: room - 1], order[room - 1 :]
    note = f"{len(dropped)} more annotations not shown: " + ", ".join(dropped)
    return {name: values[name] for name in kept} | {LEFT_OUT: cut(note, ANNOTATION_MAX)}


def fit_description(text: str) -> str:
    return cut(text, DESCRIPTION_MAX, say=True)
