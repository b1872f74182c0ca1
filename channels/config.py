"""What every channel type's configuration shares: validated on write (422 naming
`config.<field>`), with secret fields sealed at rest.

Each provider's own configuration model sits in its module beside its sender (as Alertmanager
keeps each receiver's config with its code); `channels/registry.py` maps types to both.
Fields listed in a model's `SECRETS` are write-only: they are sealed with the tenant-wide
secret key, never returned (reads show `MASK`), and kept when an update omits them or sends
the mask back unchanged. `REQUIRED_SECRETS` lists groups of which one must be present once the
stored secrets are merged in.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints

MASK = "********"
STRICT = ConfigDict(extra="forbid")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+[1-9]\d{6,14}$")  # E.164
Secret = Annotated[str, StringConstraints(min_length=1, max_length=20000)]
E164 = Annotated[str, StringConstraints(pattern=PHONE.pattern)]
EmailAddress = Annotated[str, StringConstraints(pattern=EMAIL.pattern, max_length=320)]
ChannelType = Literal["webhook", "email", "slack", "discord", "teams", "sms", "push", "pagerduty"]


def https_base(default: str) -> AnyHttpUrl:
    return Field(AnyHttpUrl(default), description="Provider API base URL (self-hosted gateways and tests)")


class ChannelConfig(BaseModel):
    model_config = STRICT
    SECRETS: ClassVar[tuple[str, ...]] = ()
    REQUIRED_SECRETS: ClassVar[tuple[tuple[str, ...], ...]] = ()
    timeout_seconds: float = Field(10.0, gt=0, le=60, description="Per-request timeout")
