"""Herald's telemetry pieces on their own: JSON log lines, tracing switched by the OTEL variables,
and the monitoring files in deploy/ (rules checked by Debian's promtool, the Grafana dashboard)."""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
from typing import Any

import pytest
import yaml
from temporalio import activity
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.testing import ActivityEnvironment

from telemetry.logs import REQUEST_ID, JsonFormatter
from telemetry.tracing import temporal_interceptors, tracer_provider, tracing_enabled
from tests.support.scrape import ROOT, TEMPORAL_SDK_METRICS, herald_sample_names, names_in

RULES = ROOT / "deploy" / "prometheus" / "herald-rules.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "herald-dashboard.json"


def _json_lines(run: Any) -> list[dict[str, Any]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("herald.test-json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        run(logger)
    finally:
        logger.removeHandler(handler)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_carry_the_request_id_and_extra_fields() -> None:
    def log(logger: logging.Logger) -> None:
        token = REQUEST_ID.set("req-7")
        try:
            logger.warning("attempt %d failed:\n%s", 2, "503", extra={"channel_type": "webhook", "attempt_no": 2})
        finally:
            REQUEST_ID.reset(token)
        logger.info("outside a request")

    first, second = _json_lines(log)
    assert first["message"] == "attempt 2 failed:\n503" and first["level"] == "WARNING"
    assert first["request_id"] == "req-7" and first["channel_type"] == "webhook" and first["attempt_no"] == 2
    assert first["logger"] == "herald.test-json" and first["time"].endswith("Z")
    assert "request_id" not in second and "workflow_id" not in second


async def test_json_lines_inside_an_activity_carry_its_workflow_id() -> None:
    @activity.defn(name="test.logs")
    async def logs() -> None:
        logging.getLogger("herald.test-json").warning("delivery failed", extra={"outcome": "retrying"})

    lines: list[dict[str, Any]] = []

    async def run() -> None:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JsonFormatter())
        logger = logging.getLogger("herald.test-json")
        logger.addHandler(handler)
        try:
            await ActivityEnvironment().run(logs)
        finally:
            logger.removeHandler(handler)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())

    await run()
    [line] = lines
    assert line["workflow_id"] == "test" and line["activity"] == "unknown" and line["outcome"] == "retrying"


@pytest.mark.parametrize(
    "env",
    [{}, {"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, {"OTEL_X": "1"}],
)
def test_tracing_is_off_without_the_otel_variables(env: dict[str, str]) -> None:
    assert not tracing_enabled(env)
    assert tracer_provider("herald-test-off", env) is None
    assert temporal_interceptors("herald-test-off", env) == []


@pytest.mark.parametrize(
    ("service", "env"),
    [
        ("herald-test-console", {"OTEL_TRACES_EXPORTER": "console"}),
        ("herald-test-otlp", {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}),  # nothing sent: no spans
    ],
)
def test_tracing_is_on_with_the_otel_variables(service: str, env: dict[str, str]) -> None:
    [interceptor] = temporal_interceptors(service, env)
    assert isinstance(interceptor, TracingInterceptor)
    provider = tracer_provider(service, env)
    assert provider is not None and provider.resource.attributes["service.name"] == service
    named = tracer_provider(f"{service}-named", {**env, "OTEL_SERVICE_NAME": "herald-eu"})
    assert named is not None and named.resource.attributes["service.name"] == "herald-eu"


def test_promtool_accepts_the_alerting_rules() -> None:
    promtool = shutil.which("promtool") or "/usr/bin/promtool"
    checked = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 8 rules found" in checked.stdout


def test_the_rules_and_the_dashboard_use_only_metrics_herald_exports() -> None:
    exported = herald_sample_names() | TEMPORAL_SDK_METRICS
    rules = yaml.safe_load(RULES.read_text())["groups"][0]["rules"]
    alerts = {rule["alert"] for rule in rules}
    assert {"HeraldWorkerDown", "HeraldDeliveriesFailing", "HeraldEscalationsLate", "HeraldRulesInError"} <= alerts
    rule_names = set().union(*(names_in(rule["expr"]) for rule in rules))
    assert rule_names and rule_names <= exported, rule_names - exported

    dashboard = json.loads(DASHBOARD.read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert len(expressions) >= 13
    used = set().union(*(names_in(expr) for expr in expressions))
    assert used <= exported, used - exported
    for needed in ("herald_http_requests_total", "herald_notifications_total", "herald_open_alerts"):
        assert needed in used
    assert TEMPORAL_SDK_METRICS <= used
