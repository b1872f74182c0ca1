"""Herald's configuration, read from the environment (and a `.env` file when present).

Production names follow the twelve-factor convention the operators already know
(`DATABASE_URL`, `TEMPORAL_ADDRESS`...); everything Herald-specific is `HERALD_*`.
Nothing is read at import time: call `get_settings()`.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflows.ids import check_tenant_id


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        "postgresql+asyncpg://postgres@127.0.0.1:5432/herald",
        validation_alias=AliasChoices("DATABASE_URL", "HERALD_DATABASE_URL"),
        description="SQLAlchemy URL; must use the postgresql+asyncpg scheme.",
    )
    temporal_address: str = Field("localhost:7233", validation_alias="TEMPORAL_ADDRESS")
    temporal_namespace: str = Field("default", validation_alias="TEMPORAL_NAMESPACE")
    temporal_task_queue: str = Field("herald", validation_alias="HERALD_TASK_QUEUE")
    temporal_api_key: SecretStr | None = Field(None, validation_alias="TEMPORAL_API_KEY")
    temporal_tls: bool = Field(False, validation_alias="TEMPORAL_TLS")
    temporal_tls_cert: str | None = Field(None, validation_alias="TEMPORAL_TLS_CERT")
    temporal_tls_key: str | None = Field(None, validation_alias="TEMPORAL_TLS_KEY")
    temporal_tls_ca: str | None = Field(None, validation_alias="TEMPORAL_TLS_CA")

    public_url: str = Field("http://127.0.0.1:8000", validation_alias="HERALD_PUBLIC_URL")
    temporal_ui_url: str = Field("http://127.0.0.1:8233", validation_alias="HERALD_TEMPORAL_UI_URL")
    secret_key: SecretStr | None = Field(
        None,
        validation_alias="HERALD_SECRET_KEY",
        description="Fernet key that encrypts channel secrets at rest (`herald secret-key` makes one).",
    )
    slack_signing_secret: SecretStr | None = Field(
        None,
        validation_alias="HERALD_SLACK_SIGNING_SECRET",
        description="The Slack app's signing secret; enables POST /api/v1/integrations/slack/actions.",
    )
    admin_api_key: SecretStr | None = Field(None, validation_alias="HERALD_ADMIN_API_KEY")
    default_tenant: str = Field("default", validation_alias="HERALD_DEFAULT_TENANT")

    egress_allow: str = Field(
        "",
        validation_alias="HERALD_EGRESS_ALLOW",
        description="Comma-separated CIDRs, addresses or host names that outbound calls (channels, data sources, "
        "SMTP) may reach although they are internal (loopback, private, link-local, CGNAT...); empty: none. "
        "`herald dev` defaults to loopback (127.0.0.0/8,::1).",
    )
    egress_deny_public: bool = Field(
        False,
        validation_alias="HERALD_EGRESS_DENY_PUBLIC",
        description="true: outbound calls reach only what HERALD_EGRESS_ALLOW names, public addresses included, "
        "and a host name it does not list (other than localhost) is not even looked up (a locked-down deployment, "
        "or a test that must not leave the machine)",
    )

    max_body_bytes: int = Field(4 * 1024 * 1024, validation_alias="HERALD_MAX_BODY_BYTES")
    # 64: what the gateway sends to Temporal at once (HERALD_INGEST_CONCURRENCY); a request beyond it
    # only waits, and the wait is latency. Measured in performance.md, "Load shedding".
    max_silence_days: int = Field(
        90,
        ge=1,
        le=3650,
        validation_alias="HERALD_MAX_SILENCE_DAYS",
        description="The longest a silence may last (a forgotten silence mutes for no longer than this)",
    )
    max_in_flight: int = Field(
        64,
        ge=1,
        validation_alias="HERALD_MAX_IN_FLIGHT",
        description="Requests one API process works on at once; more are answered 503 with Retry-After",
    )
    max_in_flight_per_key: int = Field(
        16,
        ge=1,
        validation_alias="HERALD_MAX_IN_FLIGHT_PER_KEY",
        description="Requests of one API key in progress at once, per API process; more are answered 429",
    )
    auth_failures_per_minute: int = Field(
        30,
        ge=1,
        validation_alias="HERALD_AUTH_FAILURES_PER_MINUTE",
        description="Failed authentications per client address per minute; beyond, its unknown keys get 429",
    )
    default_repeat_interval_seconds: int = Field(1800, ge=10, validation_alias="HERALD_DEFAULT_REPEAT_INTERVAL_SECONDS")
    notify_attempt_timeout_seconds: int = Field(30, ge=1, validation_alias="HERALD_NOTIFY_ATTEMPT_TIMEOUT_SECONDS")
    update_timeout_seconds: float = Field(10.0, gt=0, validation_alias="HERALD_UPDATE_TIMEOUT_SECONDS")
    ingest_concurrency: int = Field(64, ge=1, validation_alias="HERALD_INGEST_CONCURRENCY")

    metrics_max_batch: int = Field(
        10_000, ge=1, validation_alias="HERALD_METRICS_MAX_BATCH", description="Samples per POST /api/v1/metrics"
    )
    metrics_retention_hours: int = Field(
        48, ge=1, validation_alias="HERALD_METRICS_RETENTION_HOURS", description="Pushed samples older are deleted"
    )
    rule_tick_seconds: int = Field(
        10,
        ge=1,
        validation_alias="HERALD_RULE_TICK_SECONDS",
        description="How often the rule-evaluation schedule looks for due rules (a rule's own interval is >= 10 s)",
    )
    rule_batch_size: int = Field(500, ge=1, validation_alias="HERALD_RULE_BATCH_SIZE")
    retention_days: int = Field(
        90,
        ge=1,
        le=3650,
        validation_alias="HERALD_RETENTION_DAYS",
        description="Resolved alerts (timeline, deliveries, members) and idle metric series older are deleted, "
        "unless the tenant sets its own retention_days",
    )
    retention_interval_seconds: int = Field(
        3600,
        ge=60,
        validation_alias="HERALD_RETENTION_INTERVAL_SECONDS",
        description="How often the retention schedule (herald-retention/<task queue>) runs a pass",
    )

    worker_max_cached_workflows: int | None = Field(
        None,
        ge=0,
        validation_alias="HERALD_WORKER_MAX_CACHED_WORKFLOWS",
        description="Alert workflows a worker keeps in memory; unset: as many as HERALD_WORKER_MEMORY_MIB allows "
        "(worker.py, cache_size)",
    )
    worker_memory_mib: int | None = Field(
        None,
        ge=256,
        validation_alias="HERALD_WORKER_MEMORY_MIB",
        description="Memory a worker may use, which sizes its workflow cache; unset: the container's limit, else 1536",
    )
    worker_max_concurrent_activities: int = Field(200, ge=1, validation_alias="HERALD_WORKER_MAX_CONCURRENT_ACTIVITIES")
    # "shared": Herald's own workflow modules are imported once and shared by every run (half
    # the memory per cached alert), so the sandbox no longer checks their calls at run time;
    # "isolated": each run re-imports them in its own sandbox, which does. The ruff bans in
    # workflows/ and the replay tests (always isolated) keep the check either way.
    workflow_sandbox: Literal["shared", "isolated"] = Field("shared", validation_alias="HERALD_WORKFLOW_SANDBOX")

    metrics_enabled: bool = Field(
        True,
        validation_alias="HERALD_METRICS_ENABLED",
        description="Serve Herald's own Prometheus metrics at GET /metrics of the API (false: 404)",
    )
    metrics_token: SecretStr | None = Field(
        None,
        validation_alias="HERALD_METRICS_TOKEN",
        description="When set, GET /metrics needs `Authorization: Bearer <token>` (401 otherwise); unset: open",
    )
    worker_metrics_port: int | None = Field(
        None,
        ge=0,
        le=65535,
        validation_alias="HERALD_WORKER_METRICS_PORT",
        description="The worker serves its Prometheus metrics at http://<host>:<port>/metrics; unset: not served",
    )
    worker_metrics_host: str = Field("0.0.0.0", validation_alias="HERALD_WORKER_METRICS_HOST")
    worker_shutdown_seconds: int = Field(
        30,
        ge=0,
        le=3600,
        validation_alias="HERALD_WORKER_SHUTDOWN_SECONDS",
        description="On SIGTERM the worker stops polling and gives running activities (deliveries, rule "
        "batches) this long to finish before cancelling them (Temporal retries those on another worker); keep "
        "it below the orchestrator's grace period",
    )
    temporal_metrics_address: str | None = Field(
        None,
        validation_alias="HERALD_TEMPORAL_METRICS_ADDRESS",
        description="host:port where the worker's Temporal SDK runtime serves its own Prometheus metrics "
        "(schedule-to-start latency, sticky cache, slots); unset: not served",
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        validation_alias="HERALD_LOG_FORMAT",
        description="json: one JSON object per log line, with the request id and workflow id",
    )

    @field_validator("default_tenant")
    @classmethod
    def _tenant_id(cls, value: str) -> str:
        return check_tenant_id(value)

    @field_validator("database_url")
    @classmethod
    def _asyncpg_scheme(cls, value: str) -> str:
        if not value.startswith("postgresql+asyncpg://"):
            raise ValueError("DATABASE_URL must use the postgresql+asyncpg:// scheme")
        return value

    @property
    def notify_attempt_timeout(self) -> timedelta:
        return timedelta(seconds=self.notify_attempt_timeout_seconds)

    @property
    def metrics_retention(self) -> timedelta:
        return timedelta(hours=self.metrics_retention_hours)

    @property
    def worker_shutdown(self) -> timedelta:
        return timedelta(seconds=self.worker_shutdown_seconds)

    @property
    def default_repeat_interval(self) -> timedelta:
        return timedelta(seconds=self.default_repeat_interval_seconds)


@lru_cache
def get_settings() -> Settings:
    return Settings()
