"""Turn a channel body's `config` into what is stored: public fields and sealed secrets.

Validation is per type (each provider's config model in `channels/`, listed in `channels.registry.CONFIGS`); errors name `config.<field>`.
On an update, a secret field that is omitted or sent back as the mask keeps its stored
value, `null` removes it, anything else replaces it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from api.errors import FieldErrors
from channels.config import MASK, ChannelConfig
from channels.registry import CONFIGS


@dataclass(frozen=True)
class StoredConfig:
    public: dict[str, Any]
    secrets: dict[str, str]


def _field_errors(err: ValidationError) -> FieldErrors:
    return FieldErrors(
        [
            (".".join(["config", *(str(p) for p in e["loc"])]), str(e["msg"]).removeprefix("Value error, "))
            for e in err.errors()
        ]
    )


def parse_config(channel_type: str, body: dict[str, Any], stored_secrets: dict[str, str] | None = None) -> StoredConfig:
    model = CONFIGS[channel_type]
    merged = dict(body)
    stored = stored_secrets or {}
    for field in model.SECRETS:
        if field in model.SECRET_MAPS:
            merged[field] = _merge_map(field, body.get(field), json.loads(stored[field]) if field in stored else None)
        elif field in stored and (field not in body or body[field] == MASK):
            merged[field] = stored[field]
        elif merged.get(field) == MASK:
            raise FieldErrors([(f"config.{field}", "the mask is not a value: send the secret itself")])
    if all(merged.get(field) is None for field in model.SECRET_MAPS):
        for field in model.SECRET_MAPS:
            merged.pop(field, None)
    try:
        config: ChannelConfig = model.model_validate(merged)
    except ValidationError as err:
        raise _field_errors(err) from err
    dumped = config.model_dump(mode="json")
    secrets = {
        field: json.dumps(value) if field in model.SECRET_MAPS else str(value)
        for field in model.SECRETS
        if (value := dumped.get(field)) is not None and value != {}
    }
    for field in model.SECRETS:
        dumped.pop(field, None)
    errors = [
        (f"config.{'/'.join(group)}", f"{' or '.join(group)} is required")
        for group in model.REQUIRED_SECRETS
        if not any(field in secrets for field in group)
    ]
    errors += _type_rules(channel_type, dumped, secrets)
    if errors:
        raise FieldErrors(errors)
    return StoredConfig(dumped, secrets)


def _type_rules(channel_type: str, public: dict[str, Any], secrets: dict[str, str]) -> list[tuple[str, str]]:
    """Rules that span fields (and so cannot live on one field's validator)."""
    errors: list[tuple[str, str]] = []
    if channel_type == "slack" and "bot_token" in secrets and not public.get("channel"):
        errors.append(("config.channel", "a bot token needs the channel id to post to"))
    if channel_type == "email" and public.get("username") and "password" not in secrets:
        errors.append(("config.password", "a username needs a password"))
    if channel_type == "push":
        if public["provider"] == "fcm":
            errors += _fcm_account(secrets.get("service_account_json"))
        else:
            errors += [
                (f"config.{name}", "required for provider apns")
                for name in ("apns_team_id", "apns_key_id", "apns_topic")
                if not public.get(name)
            ]
            if "apns_private_key" not in secrets:
                errors.append(("config.apns_private_key", "required for provider apns"))
            elif "BEGIN PRIVATE KEY" not in secrets["apns_private_key"]:
                errors.append(("config.apns_private_key", "is not a PEM private key (the .p8 file's content)"))
    return errors


def _fcm_account(raw: str | None) -> list[tuple[str, str]]:
    field = "config.service_account_json"
    if raw is None:
        return [(field, "required for provider fcm")]
    try:
        account = json.loads(raw)
    except ValueError:
        return [(field, "is not JSON (paste the service account key file)")]
    missing = [
        k
        for k in ("project_id", "client_email", "private_key", "token_uri")
        if not isinstance(account, dict) or not account.get(k)
    ]
    return [(field, f"the service account lacks {', '.join(missing)}")] if missing else []


def _merge_map(field: str, given: Any, stored: dict[str, str] | None) -> Any:
    """A secret map on update: omitted keeps what is stored; a value sent back as the mask keeps
    that name's stored value; anything else is the new value."""
    if given is None:
        return stored
    if not isinstance(given, dict):
        return given  # the model names the type error
    kept = stored or {}
    unknown = [name for name, value in given.items() if value == MASK and name not in kept]
    if unknown:
        raise FieldErrors([(f"config.{field}.{unknown[0]}", "the mask is not a value: send the secret itself")])
    return {name: kept[name] if value == MASK else value for name, value in given.items()}


def masked(channel_type: str, public: dict[str, Any], secrets: dict[str, str]) -> dict[str, Any]:
    """The config as the API shows it: secret fields masked, wherever an older row keeps them."""
    model = CONFIGS[channel_type]
    shown = dict(public)
    for field in model.SECRETS:
        value = json.loads(secrets[field]) if field in secrets and field in model.SECRET_MAPS else secrets.get(field)
        value = value if value is not None else shown.get(field)
        if value is None or value == {}:
            continue
        shown[field] = {name: MASK for name in value} if isinstance(value, dict) else MASK
    return shown
