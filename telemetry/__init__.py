"""Herald's own telemetry: Prometheus metrics, JSON logs, OpenTelemetry tracing (a leaf: no Herald imports)."""
