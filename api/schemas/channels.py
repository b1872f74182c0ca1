"""Channel bodies. Secret config fields are write-only: stored sealed, read back masked."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from channels.config import ChannelType

STRICT = ConfigDict(extra="forbid")
ChannelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
CONFIG_HELP = (
    "Per type (docs/api.md lists every field): webhook {url, secret?, headers?}; email {host, port, security, "
    "username?, password?, from_address, to}; slack {bot_token + channel | webhook_url}; discord {webhook_url}; "
    "teams {webhook_url}; sms {account_sid, auth_token, from_number, to}; push {provider: fcm | apns, "
    "device_tokens, ...}; pagerduty {routing_key}. Every type takes timeout_seconds; providers take a base URL. "
    "Secret fields are write-only and read back as `********`."
)


class ChannelCreate(BaseModel):
    model_config = STRICT
    name: ChannelName
    type: ChannelType
    config: dict[str, Any] = Field(description=CONFIG_HELP)
    is_default: bool = Field(False, description="Notify this channel for alerts that list no channels")


class ChannelUpdate(ChannelCreate):
    """Full replacement. A secret field omitted or sent as `********` keeps the stored value; null removes it."""


class ChannelOut(BaseModel):
    id: str
    name: str
    type: str
    config: dict[str, object] = Field(description="Configuration with secret fields masked")
    has_secret: bool
    is_default: bool
    created_at: datetime
    updated_at: datetime


class ChannelTestResult(BaseModel):
    delivered: bool
    provider_status: int | None = Field(None, description="The provider's HTTP status (250 for an SMTP accept)")
    provider_message_id: str | None = None
    detail: str = Field(description="The provider's answer, or why the send failed")
