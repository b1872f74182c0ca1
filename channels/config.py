"""What every channel type's configuration shares: validated on write (422 naming
`config.<field>`), with secret fields sealed at rest.

Each provider's own configuration model sits in its module beside its sender (as Alertmanager
keeps each receiver's config with its code); `channels/registry.py` maps types to both.
Fields listed in a model's `SECRETS` are write-only: they are sealed with the tenant-wide
secret key, never returned (reads show `MASK`), and kept when an update omits them or sends
the mask back unchanged. A field in `SECRET_MAPS` too is a map whose names are shown and whose
values are masked one by one (stored as JSON). `REQUIRED_SECRETS` lists groups of which one must be present once the
stored secrets are merged in.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

import httpx
from pydantic import AfterValidator, AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints

MASK = "********"
STRICT = ConfigDict(extra="forbid")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+[1-9]\d{6,14}$")  # E.164
Secret = Annotated[str, StringConstraints(min_length=1, max_length=20000)]
E164 = Annotated[str, StringConstraints(pattern=PHONE.pattern)]
EmailAddress = Annotated[str, StringConstraints(pattern=EMAIL.pattern, max_length=320)]
ChannelType = Literal["webhook", "email", "slack", "discord", "teams", "sms", "push", "pagerduty"]


def _sendable(url: AnyHttpUrl) -> AnyHttpUrl:
    """The URL as the sender will use it: httpx must parse it and find a host (pydantic accepts
    some that httpx refuses, e.g. a host that IDNA 2008 forbids)."""
    try:
        parsed = httpx.URL(str(url))
    except httpx.InvalidURL as err:
        raise ValueError(f"not a URL the sender can use: {err}") from err
    if not parsed.host:
        raise ValueError("the URL has no host")
    return url


def _header_text(value: str) -> str:
    """Text that travels in an HTTP header: visible ASCII, spaces and tabs; no CR, LF or NUL."""
    if not all(c == "\t" or " " <= c <= "~" for c in value):
        raise ValueError("must be ASCII without control characters (it is sent in an HTTP header)")
    return value


def _token(value: str) -> str:
    if not all("!" <= c <= "~" for c in value):
        raise ValueError("must be printable ASCII without spaces (it is sent in an HTTP header or path)")
    return value


SendableUrl = Annotated[AnyHttpUrl, AfterValidator(_sendable)]
HeaderText = Annotated[str, AfterValidator(_header_text)]
Token = Annotated[str, AfterValidator(_token)]


def https_base(default: str) -> SendableUrl:
    return Field(AnyHttpUrl(default), description="Provider API base URL (self-hosted gateways and tests)")


class ChannelConfig(BaseModel):
    model_config = STRICT
    SECRETS: ClassVar[tuple[str, ...]] = ()
    SECRET_MAPS: ClassVar[tuple[str, ...]] = ()  # secret fields that are name -> value maps (names stay visible)
    REQUIRED_SECRETS: ClassVar[tuple[tuple[str, ...], ...]] = ()
    timeout_seconds: float = Field(10.0, gt=0, le=60, description="Per-request timeout")
