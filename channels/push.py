"""Push: Firebase Cloud Messaging HTTP v1 and Apple Push Notification service (token auth, HTTP/2).

FCM: a JWT signed with the service account's RSA key is exchanged at its `token_uri` for an
OAuth2 access token, cached until a minute before it expires (a 401 drops it and retries).
APNs: an ES256 JWT signed with the team's .p8 key is the bearer token, reused for 50
minutes (Apple refuses new tokens more often than every 20 and old ones after 60). APNs
speaks only HTTP/2. `apns-id` is derived from the idempotency key, so every retry of one
notification carries the same id.

One request per device token; as with SMS, a channel with several tokens that fails on a
later one re-sends to the earlier ones on retry.

Both providers allow 4096 bytes of payload (FCM: the `notification` and `data` of a message;
APNs: the JSON body): the title (at most 200 characters) and the data (alert id, event, link)
are kept, and the body is cut, in bytes of any script, to what is left, saying how much it left out.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Annotated, Any, Literal

import httpx
import jwt
from pydantic import Field, StringConstraints

from channels.base import (
    ChannelTarget,
    Message,
    PermanentDeliveryError,
    RetryableDeliveryError,
    Sent,
    classify_response,
    json_body,
    post,
    provider_ref,
    recipients,
)
from channels.config import ChannelConfig, Secret, SendableUrl, Token, https_base
from channels.fit import cut, json_bytes
from egress.http import http_client
from egress.policy import EgressPolicy
from workflows import ids
from workflows.payloads import Severity


class PushConfig(ChannelConfig):
    """FCM HTTP v1 (service-account JSON) or APNs token auth (.p8 key); device tokens per channel."""

    SECRETS = ("service_account_json", "apns_private_key")
    provider: Literal["fcm", "apns"]
    device_tokens: list[Annotated[Token, StringConstraints(min_length=1, max_length=4096)]] = Field(
        default_factory=list, max_length=100
    )
    service_account_json: Secret | None = Field(None, description="FCM: the service account key file; write-only")
    fcm_base_url: SendableUrl = https_base("https://fcm.googleapis.com")
    apns_team_id: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{10}$")] | None = None
    apns_key_id: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{10}$")] | None = None
    apns_topic: Annotated[Token, StringConstraints(max_length=255)] | None = Field(
        None, description="APNs: the app's bundle id"
    )
    apns_private_key: Secret | None = Field(None, description="APNs: the .p8 signing key (PEM); write-only")
    apns_base_url: SendableUrl = https_base("https://api.push.apple.com")
    verify_tls: bool = True


PAYLOAD_BYTES = 4096
TITLE, BODY = 200, 1000
FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
APNS_TOKEN_LIFETIME = 50 * 60


def notification(message: Message) -> tuple[str, str, dict[str, str]]:
    alert = message.alert
    data = {"alert_id": alert.alert_id, "event": message.event.value, "url": message.links.dashboard}
    return cut(message.rendered.subject, TITLE), cut(message.rendered.text, BODY, say=True), data


def payload_size(payload: dict[str, Any]) -> int:
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())


def fitted(
    build: Callable[[str], dict[str, Any]], body: str, counted: Callable[[dict[str, Any]], Any]
) -> dict[str, Any]:
    """`build(body)` with the body cut so that the part the provider counts is within its 4096 bytes."""
    room = PAYLOAD_BYTES - payload_size(counted(build("")))
    return build(cut(body, max(0, room), json_bytes, say=True))


def fcm_payload(message: Message, device: str) -> dict[str, Any]:
    """The FCM HTTP v1 request body for one device token."""
    title, body, data = notification(message)
    priority = "high" if message.alert.content.severity in (Severity.CRITICAL, Severity.HIGH) else "normal"
    collapse = ids.push_collapse_id(message.alert.alert_id)
    return fitted(
        lambda text: {
            "message": {
                "token": device,
                "notification": {"title": title, "body": text},
                "data": data,
                "android": {"priority": priority, "collapse_key": collapse},
            }
        },
        body,
        lambda built: {key: built["message"][key] for key in ("notification", "data")},
    )


def apns_payload(message: Message) -> dict[str, Any]:
    """The APNs request body (the same for every device token)."""
    title, body, data = notification(message)
    critical = message.alert.content.severity is Severity.CRITICAL
    return fitted(
        lambda text: {
            "aps": {
                "alert": {"title": title, "body": text},
                "sound": "default",
                "interruption-level": "time-sensitive" if critical else "active",
            },
            **data,
        },
        body,
        lambda built: built,
    )


def fcm_error_code(body: dict[str, Any]) -> object:
    """FCM's most specific error code: `details[].errorCode` (`UNREGISTERED`), else the `status`."""
    error = body.get("error")
    if not isinstance(error, dict):
        return None
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            return detail["errorCode"]
    return error.get("status")


class PushSender:
    def __init__(self, http: httpx.AsyncClient, egress: EgressPolicy) -> None:
        self._http = http
        self._egress = egress
        self._http2: dict[bool, httpx.AsyncClient] = {}
        self._fcm_tokens: dict[str, tuple[str, float]] = {}  # client_email -> (access token, expiry)
        self._apns_tokens: dict[tuple[str, str], tuple[str, float]] = {}  # (team, key id) -> (jwt, issued)

    async def aclose(self) -> None:
        for client in self._http2.values():
            await client.aclose()

    async def send(self, target: ChannelTarget, message: Message) -> Sent:
        tokens = recipients(target, "device_tokens")
        if not tokens:
            raise PermanentDeliveryError("push channel has no device tokens")
        provider = target.config.get("provider", "fcm")
        ids: list[str] = []
        for token in tokens:
            if provider == "apns":
                ids.append(await self._apns(target, message, token))
            else:
                ids.append(await self._fcm(target, message, token))
        return Sent(provider_status=200, provider_id=",".join(ids)[:200], detail=f"{len(ids)} push(es) accepted")

    # --- FCM ---------------------------------------------------------------------------

    async def _fcm_access_token(self, target: ChannelTarget, account: dict[str, Any]) -> str:
        email = account["client_email"]
        cached = self._fcm_tokens.get(email)
        if cached and cached[1] > time.time() + 60:
            return cached[0]
        now = int(time.time())
        claims = {"iss": email, "scope": FCM_SCOPE, "aud": account["token_uri"], "iat": now, "exp": now + 3600}
        try:
            assertion = jwt.encode(
                claims, account["private_key"], algorithm="RS256", headers={"kid": account.get("private_key_id", "")}
            )
        except (ValueError, TypeError) as err:
            raise PermanentDeliveryError(f"fcm: the service account's private key is unusable: {err}") from err
        response = await post(
            self._http,
            target,
            account["token_uri"],
            data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
        )
        if response.status_code != 200:
            classify_response(response)  # 4xx (a revoked key) permanent, 5xx retry
        body = json_body(response)
        if "access_token" not in body:
            raise RetryableDeliveryError("fcm: token endpoint answered without a token")
        self._fcm_tokens[email] = (str(body["access_token"]), time.time() + float(body.get("expires_in", 3600)))
        return str(body["access_token"])

    async def _fcm(self, target: ChannelTarget, message: Message, device: str) -> str:
        account = json.loads(target.secrets.get("service_account_json") or "{}")
        if not account.get("client_email"):
            raise PermanentDeliveryError("fcm: the channel has no service account")
        access = await self._fcm_access_token(target, account)
        payload = fcm_payload(message, device)
        base = str(target.config.get("fcm_base_url", "https://fcm.googleapis.com")).rstrip("/")
        url = f"{base}/v1/projects/{account['project_id']}/messages:send"
        response = await post(self._http, target, url, json=payload, headers={"Authorization": f"Bearer {access}"})
        if response.status_code == 401:
            self._fcm_tokens.pop(account["client_email"], None)
            raise RetryableDeliveryError(
                "fcm: access token refused (401); a new one is fetched on retry", provider_status=401
            )
        answer = json_body(response)
        if response.status_code >= 300:
            classify_response(response, code=fcm_error_code(answer))
        return classify_response(response, provider_id=provider_ref(answer.get("name"))).provider_id or ""

    # --- APNs --------------------------------------------------------------------------

    def _apns_jwt(self, target: ChannelTarget) -> str:
        team, key_id = target.config["apns_team_id"], target.config["apns_key_id"]
        cached = self._apns_tokens.get((team, key_id))
        if cached and time.time() - cached[1] < APNS_TOKEN_LIFETIME:
            return cached[0]
        try:
            token = jwt.encode(
                {"iss": team, "iat": int(time.time())},
                target.secrets.get("apns_private_key", ""),
                algorithm="ES256",
                headers={"kid": key_id},
            )
        except (ValueError, TypeError) as err:
            raise PermanentDeliveryError(f"apns: the signing key is unusable: {err}") from err
        self._apns_tokens[(team, key_id)] = (token, time.time())
        return token

    def _client(self, verify: bool) -> httpx.AsyncClient:
        if verify not in self._http2:
            self._http2[verify] = http_client(self._egress, http2=True, verify=verify)
        return self._http2[verify]

    async def _apns(self, target: ChannelTarget, message: Message, device: str) -> str:
        payload = apns_payload(message)
        apns_id = ids.apns_id(message.idempotency_key, device)
        headers = {
            "authorization": f"bearer {self._apns_jwt(target)}",
            "apns-topic": target.config["apns_topic"],
            "apns-push-type": "alert",
            "apns-priority": "10",
            "apns-id": apns_id,
            "apns-collapse-id": ids.push_collapse_id(message.alert.alert_id),
        }
        base = str(target.config.get("apns_base_url", "https://api.push.apple.com")).rstrip("/")
        response = await post(
            self._client(bool(target.config.get("verify_tls", True))),
            target,
            f"{base}/3/device/{device}",
            json=payload,
            headers=headers,
        )
        reason = str(json_body(response).get("reason", ""))
        if response.status_code == 403 and reason == "ExpiredProviderToken":
            self._apns_tokens.pop((target.config["apns_team_id"], target.config["apns_key_id"]), None)
            raise RetryableDeliveryError(
                "apns: provider token expired; a new one is signed on retry", provider_status=403
            )
        sent = classify_response(
            response, provider_id=provider_ref(response.headers.get("apns-id")) or apns_id, code=reason or None
        )
        return sent.provider_id or apns_id
