"""The JSON shapes of Alertmanager's API v2 (`api/v2/openapi.yaml`), named as Alertmanager names them.

Read models (`PostableAlert`, `PostableSilence`) accept what Alertmanager accepts; written models
(`GettableAlert`, `AlertGroup`, `GettableSilence`, `AlertmanagerStatus`, ...) carry every field the
document marks required, because amtool (generated from that document) refuses an answer without
them. Times are written as Alertmanager writes them: RFC 3339, milliseconds, `Z`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer


def am_time(value: datetime) -> str:
    """`2026-12-01T04:49:19.001Z`: UTC, milliseconds."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


AmTime = Annotated[datetime, PlainSerializer(am_time, return_type=str)]


class PostableAlert(BaseModel):
    """One alert as Prometheus posts it. `labels` is required; unknown fields are ignored (as go-swagger does)."""

    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: datetime | None = None  # Alertmanager's names, in its case
    endsAt: datetime | None = None
    generatorURL: str = ""


class Receiver(BaseModel):
    name: str


class AlertmanagerAlertStatus(BaseModel):
    """Alertmanager's `alertStatus` (named apart from Herald's own AlertStatus in the OpenAPI document)."""

    state: Literal["unprocessed", "active", "suppressed"]
    silencedBy: list[str]
    inhibitedBy: list[str]


class GettableAlert(BaseModel):
    labels: dict[str, str]
    annotations: dict[str, str]
    startsAt: AmTime
    endsAt: AmTime
    updatedAt: AmTime
    generatorURL: str = ""
    fingerprint: str
    receivers: list[Receiver]
    status: AlertmanagerAlertStatus


class AlertGroup(BaseModel):
    labels: dict[str, str]
    receiver: Receiver
    alerts: list[GettableAlert]


class Matcher(BaseModel):
    name: str
    value: str
    isRegex: bool
    isEqual: bool = True  # absent in older clients: equality


class PostableSilence(BaseModel):
    """A new silence, or (with `id`) the replacement of an existing one."""

    model_config = ConfigDict(extra="ignore")
    id: str | None = None
    matchers: list[Matcher] = Field(min_length=1)
    startsAt: datetime
    endsAt: datetime
    createdBy: str
    comment: str


class SilenceStatus(BaseModel):
    state: Literal["expired", "active", "pending"]


class GettableSilence(BaseModel):
    id: str
    status: SilenceStatus
    updatedAt: AmTime
    matchers: list[Matcher]
    startsAt: AmTime
    endsAt: AmTime
    createdBy: str
    comment: str


class PostSilenceOk(BaseModel):
    silenceID: str


class ClusterStatus(BaseModel):
    status: Literal["ready", "settling", "disabled"]
    peers: list[dict[str, str]] = Field(default_factory=list)


class VersionInfo(BaseModel):
    branch: str
    buildDate: str
    buildUser: str
    goVersion: str
    revision: str
    version: str


class AlertmanagerConfig(BaseModel):
    original: str


class AlertmanagerStatus(BaseModel):
    cluster: ClusterStatus
    versionInfo: VersionInfo
    config: AlertmanagerConfig
    uptime: AmTime
