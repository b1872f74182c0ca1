"""Channel bodies. The secret is write-only: it is accepted, stored, and never returned."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints, field_validator

STRICT = ConfigDict(extra="forbid")
ChannelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
RESERVED_HEADERS = {"content-type", "idempotency-key", "x-herald-signature", "x-herald-timestamp", "x-herald-event"}


class WebhookConfig(BaseModel):
    model_config = STRICT
    url: AnyHttpUrl = Field(description="http(s) URL that receives a POST per notification")
    secret: Annotated[str, StringConstraints(min_length=8, max_length=500)] | None = Field(
        None, description="HMAC key for X-Herald-Signature; write-only"
    )
    headers: dict[str, Annotated[str, StringConstraints(max_length=2000)]] = Field(default_factory=dict, max_length=20)

    @field_validator("headers")
    @classmethod
    def _headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name in headers:
            if name.lower() in RESERVED_HEADERS:
                raise ValueError(f"header {name!r} is set by Herald and cannot be overridden")
            if not name or not all(c.isalnum() or c in "-_" for c in name):
                raise ValueError(f"header name {name!r} is not a valid HTTP header name")
        return headers


class ChannelCreate(BaseModel):
    model_config = STRICT
    name: ChannelName
    type: Literal["webhook"]
    config: WebhookConfig
    is_default: bool = Field(False, description="Notify this channel for alerts that list no channels")


class ChannelUpdate(ChannelCreate):
    """Full replacement. Omit `config.secret` to keep the stored one; send null to remove it."""


class ChannelOut(BaseModel):
    id: str
    name: str
    type: str
    config: dict[str, object] = Field(description="Configuration without the secret")
    has_secret: bool
    is_default: bool
    created_at: datetime
    updated_at: datetime
