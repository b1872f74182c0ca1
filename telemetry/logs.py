"""Log lines as JSON objects (`HERALD_LOG_FORMAT=json`), carrying the request id and the workflow id.

A line: `{"time": "2026-...Z", "level": "WARNING", "logger": "herald.notify", "message": "...",
"request_id": "...", "workflow_id": "...", "activity": "notify.send", ...}` plus every `extra=`
field the call gave (`channel_type`, `attempt`, `outcome`...). `request_id` is set by the API's
middleware for the request being served (`X-Request-ID`); `workflow_id` and `activity` inside an
activity (from `temporalio.activity.info()`).
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal

from temporalio import activity

REQUEST_ID: ContextVar[str | None] = ContextVar("herald_request_id", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The attributes every LogRecord has: anything else came from `extra=` and is written out.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line; never raises on odd values (they are written with `str`)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            line["request_id"] = request_id
        if activity.in_activity():
            info = activity.info()
            line["workflow_id"] = info.workflow_id
            line["activity"] = info.activity_type
            line["attempt"] = info.attempt
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure_logging(log_format: Literal["text", "json"], level: int = logging.INFO) -> None:
    """The root logger's one handler (stderr), in `log_format`; replaces any handler set before."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
