"""Per-type channel configuration, validated on write (422 naming `config.<field>`).

Fields listed in a model's `SECRETS` are write-only: they are sealed with the tenant-wide
secret key, never returned (reads show `MASK`), and kept when an update omits them or sends
the mask back unchanged.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from api.schemas.responders import EMAIL, PHONE

MASK = "********"
STRICT = ConfigDict(extra="forbid")
RESERVED_HEADERS = {"content-type", "idempotency-key", "x-herald-signature", "x-herald-timestamp", "x-herald-event"}
Secret = Annotated[str, StringConstraints(min_length=1, max_length=20000)]
E164 = Annotated[str, StringConstraints(pattern=PHONE.pattern)]
EmailAddress = Annotated[str, StringConstraints(pattern=EMAIL.pattern, max_length=320)]


def _https_base(default: str) -> AnyHttpUrl:
    return Field(AnyHttpUrl(default), description="Provider API base URL (self-hosted gateways and tests)")


class ChannelConfig(BaseModel):
    model_config = STRICT
    SECRETS: ClassVar[tuple[str, ...]] = ()
    timeout_seconds: float = Field(10.0, gt=0, le=60, description="Per-request timeout")


class WebhookConfig(ChannelConfig):
    SECRETS = ("secret",)
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


class EmailConfig(ChannelConfig):
    SECRETS = ("password",)
    host: Annotated[str, StringConstraints(min_length=1, max_length=255)] = Field(description="SMTP server")
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="starttls: upgrade a plain connection (port 587); tls: implicit TLS (port 465)"
    )
    username: str | None = Field(None, max_length=255)
    password: Secret | None = Field(None, description="SMTP password; write-only")
    from_address: EmailAddress
    to: list[EmailAddress] = Field(default_factory=list, max_length=100, description="Recipients of channel mail")
    verify_tls: bool = Field(True, description="Check the server's certificate (turn off only for a test relay)")


class SlackConfig(ChannelConfig):
    """A bot token (chat.postMessage, later events update the message in place) or an incoming webhook."""

    SECRETS = ("bot_token", "webhook_url")
    bot_token: Annotated[str, StringConstraints(pattern=r"^xox[bp]-")] | None = Field(
        None, description="Bot token (xoxb-...); write-only"
    )
    channel: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = Field(
        None, description="Channel id (C...) for the bot token"
    )
    webhook_url: AnyHttpUrl | None = Field(None, description="Incoming webhook URL; write-only (it holds a token)")
    api_base_url: AnyHttpUrl = _https_base("https://slack.com/api")


class DiscordConfig(ChannelConfig):
    SECRETS = ("webhook_url",)
    webhook_url: AnyHttpUrl = Field(description="Discord webhook URL; write-only (it holds a token)")
    username: str | None = Field(None, max_length=80)


class TeamsConfig(ChannelConfig):
    SECRETS = ("webhook_url",)
    webhook_url: AnyHttpUrl = Field(
        description="Teams incoming webhook or Power Automate Workflows URL; write-only (it is signed)"
    )


class SmsConfig(ChannelConfig):
    SECRETS = ("auth_token",)
    account_sid: Annotated[str, StringConstraints(pattern=r"^AC[0-9a-fA-F]{32}$")]
    auth_token: Secret | None = Field(None, description="Twilio auth token; write-only")
    from_number: E164
    to: list[E164] = Field(default_factory=list, max_length=50)
    api_base_url: AnyHttpUrl = _https_base("https://api.twilio.com")


class PushConfig(ChannelConfig):
    """FCM HTTP v1 (service-account JSON) or APNs token auth (.p8 key); device tokens per channel."""

    SECRETS = ("service_account_json", "apns_private_key")
    provider: Literal["fcm", "apns"]
    device_tokens: list[Annotated[str, StringConstraints(min_length=1, max_length=4096)]] = Field(
        default_factory=list, max_length=100
    )
    service_account_json: Secret | None = Field(None, description="FCM: the service account key file; write-only")
    fcm_base_url: AnyHttpUrl = _https_base("https://fcm.googleapis.com")
    apns_team_id: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{10}$")] | None = None
    apns_key_id: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{10}$")] | None = None
    apns_topic: str | None = Field(None, max_length=255, description="APNs: the app's bundle id")
    apns_private_key: Secret | None = Field(None, description="APNs: the .p8 signing key (PEM); write-only")
    apns_base_url: AnyHttpUrl = _https_base("https://api.push.apple.com")
    verify_tls: bool = True


class PagerDutyConfig(ChannelConfig):
    SECRETS = ("routing_key",)
    routing_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{32}$")] | None = Field(
        None, description="Events API v2 integration key; write-only"
    )
    api_base_url: AnyHttpUrl = _https_base("https://events.pagerduty.com")


ChannelType = Literal["webhook", "email", "slack", "discord", "teams", "sms", "push", "pagerduty"]
CONFIGS: dict[str, type[ChannelConfig]] = {
    "webhook": WebhookConfig,
    "email": EmailConfig,
    "slack": SlackConfig,
    "discord": DiscordConfig,
    "teams": TeamsConfig,
    "sms": SmsConfig,
    "push": PushConfig,
    "pagerduty": PagerDutyConfig,
}
# What must be present once stored secrets are merged in (a field error otherwise).
REQUIRED_SECRETS: dict[str, list[tuple[str, ...]]] = {
    "slack": [("bot_token", "webhook_url")],
    "sms": [("auth_token",)],
    "pagerduty": [("routing_key",)],
}
