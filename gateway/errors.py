"""Domain errors raised by the alerting client; `api/errors.py` maps them to HTTP.

AlertingError
├── AlertNotFound        no such alert (or no longer running)      → 404
├── TransitionRejected   the workflow refused the change           → 409
│   └── AlertClosing     the incident is sending its resolution notices (create retries it)
└── EngineUnavailable    Temporal or its workers did not answer    → 503
"""


class AlertingError(Exception):
    pass


class AlertNotFound(AlertingError):
    pass


class TransitionRejected(AlertingError):
    pass


class EngineUnavailable(AlertingError):
    pass


class AlertClosing(TransitionRejected):
    pass
