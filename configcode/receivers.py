"""One Alertmanager receiver config (`slack_configs[0]`, ...) as a Herald channel's `config`, field by field.

`channel_config(kind, config, global_, where, unmapped)` answers the channel config (not yet validated: the
caller checks it with the channel type's model) or None when nothing usable is left, and appends
`(path, reason)` to `unmapped` for each field Herald does not honour. Alertmanager's `global` defaults
(`smtp_*`, `slack_api_url`, `pagerduty_url`) fill what a config leaves out, as Alertmanager does.
"""

from __future__ import annotations

from typing import Any

from models.text import ascii_int
from noise.durations import DurationError, parse_duration

Problem = tuple[str, str]
TEMPLATED = "a message template: Herald renders its own messages (templates: /api/v1/templates)"
RESOLVED = "Herald always sends resolved notices to a channel that heard the alert"
FILES = "secrets read from a file: put the secret itself in the channel (it is stored sealed)"
# Message fields of each type: Herald's templates render the message instead.
MESSAGE_FIELDS = {
    "slack": {"title", "title_link", "text", "pretext", "fallback", "color", "username", "icon_emoji", "icon_url"}
    | {
        "footer",
        "fields",
        "actions",
        "short_fields",
        "image_url",
        "thumb_url",
        "link_names",
        "mrkdwn_in",
        "callback_id",
    },
    "email": {"html", "text", "headers"},
    "pagerduty": {"client", "client_url", "description", "details", "severity", "class", "component", "group"}
    | {"links", "images", "source"},
    "discord": {"title", "message", "avatar_url", "content", "username"},
    "msteams": {"title", "summary", "text"},
    "webhook": set(),
}
ENQUEUE = "/v2/enqueue"


def _timeout(value: Any, where: str, unmapped: list[Problem]) -> float | None:
    try:
        seconds = parse_duration(str(value)).total_seconds()
    except DurationError as err:
        unmapped.append((where, str(err)))
        return None
    if 0 < seconds <= 60:
        return seconds
    unmapped.append((where, "Herald's channel timeout is at most 60s"))
    return None


def _webhook(config: dict[str, Any], glob: dict[str, Any], where: str, unmapped: list[Problem]) -> dict[str, Any]:
    out: dict[str, Any] = {"url": config.get("url")}
    if config.get("max_alerts"):
        unmapped.append((f"{where}.max_alerts", "Herald sends one notification per incident"))
    if config.get("timeout") is not None:
        seconds = _timeout(config["timeout"], f"{where}.timeout", unmapped)
        if seconds is not None:
            out["timeout_seconds"] = seconds
    return out


def _slack(config: dict[str, Any], glob: dict[str, Any], where: str, unmapped: list[Problem]) -> dict[str, Any]:
    if config.get("channel"):
        unmapped.append(
            (
                f"{where}.channel",
                "an incoming webhook posts to its own channel (Herald's bot token channel needs a bot token instead)",
            )
        )
    return {"webhook_url": config.get("api_url") or glob.get("slack_api_url")}


def _email(config: dict[str, Any], glob: dict[str, Any], where: str, unmapped: list[Problem]) -> dict[str, Any]:
    smarthost = str(config.get("smarthost") or glob.get("smtp_smarthost") or "")
    host, _, port = smarthost.rpartition(":")
    require_tls = config.get("require_tls", glob.get("smtp_require_tls", True))
    security = "tls" if port == "465" else "starttls" if require_tls else "none"
    out: dict[str, Any] = {
        "host": host.strip("[]") or smarthost,
        "port": ascii_int(port) or 25,
        "security": security,
        "from_address": config.get("from") or glob.get("smtp_from"),
        "to": [address.strip() for address in str(config.get("to") or "").split(",") if address.strip()],
    }
    username = config.get("auth_username") or glob.get("smtp_auth_username")
    password = config.get("auth_password") or glob.get("smtp_auth_password")
    if username:
        out["username"] = str(username)
    if password:
        out["password"] = str(password)
    tls = config.get("tls_config") or {}
    if tls.get("insecure_skip_verify"):
        out["verify_tls"] = False
    for key in ("hello", "auth_identity", "auth_secret"):
        if config.get(key):
            unmapped.append((f"{where}.{key}", "Herald's email channel has no such setting"))
    return out


def _pagerduty(config: dict[str, Any], glob: dict[str, Any], where: str, unmapped: list[Problem]) -> dict[str, Any]:
    out: dict[str, Any] = {"routing_key": config.get("routing_key")}
    if config.get("service_key"):
        unmapped.append((f"{where}.service_key", "an Events API v1 key: Herald uses Events API v2 (routing_key)"))
    url = str(config.get("url") or glob.get("pagerduty_url") or "")
    if url.rstrip("/").endswith(ENQUEUE):
        out["api_base_url"] = url.rstrip("/").removesuffix(ENQUEUE)
    elif url:
        unmapped.append((f"{where}.url", f"Herald posts to <base>{ENQUEUE}: give a URL ending so"))
    return out


def _discord(config: dict[str, Any], glob: dict[str, Any], where: str, unmapped: list[Problem]) -> dict[str, Any]:
    return {"webhook_url": config.get("webhook_url")}


def _teams(config: dict[str, Any], glob: dict[str, Any], where: str, unmapped: list[Problem]) -> dict[str, Any]:
    return {"webhook_url": config.get("webhook_url")}


MAPPERS = {
    "webhook": (_webhook, {"url", "max_alerts", "timeout"}),
    "slack": (_slack, {"api_url", "channel"}),
    "email": (
        _email,
        {"to", "from", "smarthost", "auth_username", "auth_password", "require_tls", "tls_config"}
        | {"hello", "auth_identity", "auth_secret"},
    ),
    "pagerduty": (_pagerduty, {"routing_key", "service_key", "url"}),
    "discord": (_discord, {"webhook_url"}),
    "msteams": (_teams, {"webhook_url"}),
}


def channel_config(
    kind: str, config: Any, glob: dict[str, Any], where: str, unmapped: list[Problem]
) -> dict[str, Any] | None:
    """The Herald channel config of one Alertmanager `<kind>_configs` entry (see the module)."""
    if not isinstance(config, dict):
        unmapped.append((where, "must be a mapping"))
        return None
    mapper, handled = MAPPERS[kind]
    for key, value in config.items():
        if key in handled:
            continue
        if key == "send_resolved":
            if value is False:
                unmapped.append((f"{where}.send_resolved", RESOLVED))
        elif key in MESSAGE_FIELDS[kind]:
            unmapped.append((f"{where}.{key}", TEMPLATED))
        elif key.endswith("_file"):
            unmapped.append((f"{where}.{key}", FILES))
        elif key == "http_config":
            unmapped.append((f"{where}.http_config", "Herald's channels have no proxy, TLS or auth settings"))
        else:
            unmapped.append((f"{where}.{key}", "Herald's channel has no such setting"))
    out = mapper(config, glob, where, unmapped)
    return {key: value for key, value in out.items() if value is not None}
