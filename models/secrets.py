"""Channel secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) under `HERALD_SECRET_KEY`.

A channel's secret fields (SMTP password, bot token, webhook URL with a token in it...) are
stored together as one sealed JSON object in `channels.secret`. Values written before
encryption existed (a bare webhook HMAC key) still read back, as `{"secret": value}`, and
are sealed on the channel's next write.
"""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

PREFIX = "enc1:"


class SecretKeyError(RuntimeError):
    """The key is missing or malformed: Herald refuses to start rather than store secrets in clear."""


class SecretBox:
    def __init__(self, key: str) -> None:
        try:
            self._fernet = Fernet(key.encode())
        except ValueError as err:
            raise SecretKeyError(
                "HERALD_SECRET_KEY is not a valid key (32 url-safe base64-encoded bytes); "
                "generate one with `herald secret-key`"
            ) from err

    def seal(self, values: dict[str, str]) -> str | None:
        if not values:
            return None
        token = self._fernet.encrypt(json.dumps(values, sort_keys=True).encode())
        return PREFIX + token.decode()

    def open(self, stored: str | None) -> dict[str, str]:
        if not stored:
            return {}
        if not stored.startswith(PREFIX):
            return {"secret": stored}  # written before encryption: a webhook's HMAC key
        try:
            values: dict[str, str] = json.loads(self._fernet.decrypt(stored[len(PREFIX) :].encode()))
        except InvalidToken as err:
            raise SecretKeyError("a channel secret cannot be decrypted: HERALD_SECRET_KEY changed") from err
        return values


def new_secret_key() -> str:
    return Fernet.generate_key().decode()


def secret_box(key: SecretStr | None) -> SecretBox:
    """The box for `Settings.secret_key`; a clear error (at start-up) when it is missing."""
    if key is None or not key.get_secret_value():
        raise SecretKeyError(
            "HERALD_SECRET_KEY is not set: channel secrets are encrypted with it. "
            "Generate one with `herald secret-key` and give the same value to every API and worker process."
        )
    return SecretBox(key.get_secret_value())
