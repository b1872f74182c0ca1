"""Real HTTP servers on 127.0.0.1 that speak each provider's API (request and response shapes).

`ProviderPeer` serves Slack (Web API and incoming webhooks), Discord, Microsoft Teams,
Twilio, Google's OAuth2 token endpoint with FCM HTTP v1, and the PagerDuty Events API v2 over
HTTP/1.1. `ApnsPeer` serves APNs over HTTP/2 with TLS (hypercorn, a self-signed certificate).
Each checks credentials the way the provider does (bearer tokens, basic auth, signed JWTs),
refuses what breaks the provider's published limits as the provider answers it
(tests/support/limits.py), and can be scripted to fail: `peer.fail("slack", Scripted(500), Scripted(500))` answers the
next two Slack calls with 500 and then behaves.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from devstack.ports import free_port
from tests.support.http_peer import HttpPeer
from tests.support.limits import (
    apns_problems,
    discord_problems,
    fcm_problems,
    pagerduty_problems,
    slack_problems,
    teams_problems,
    twilio_problems,
)

SLACK_TOKEN = "xoxb-test-token"
TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "twilio-auth-token"
PD_ROUTING_KEY = "R0UT1NGKEY0123456789abcdefABCDEF"


@dataclass
class Scripted:
    """One scripted answer. With `hold`, wait for it first; status 0 then means: answer as usual."""

    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    hold: asyncio.Event | None = None


@dataclass
class Call:
    provider: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


def rsa_service_account(token_uri: str) -> tuple[dict[str, str], Any]:
    """A Google service account key file (as FCM wants it) and its public key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    account = {
        "type": "service_account",
        "project_id": "herald-test",
        "private_key_id": "kid-1",
        "private_key": pem,
        "client_email": "herald@herald-test.iam.gserviceaccount.com",
        "token_uri": token_uri,
    }
    return account, key.public_key()


class ProviderPeer(HttpPeer):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.script: dict[str, deque[Scripted]] = defaultdict(deque)
        self.slack_messages: dict[str, dict[str, Any]] = {}  # "channel/ts" -> the latest message
        self.pd_incidents: dict[str, str] = {}  # dedup_key -> triggered / acknowledged / resolved
        self.account, self._google_public = rsa_service_account(f"{self.base}/google/token")
        self.tokens_issued = 0
        self._ts = 0
        routes = [
            Route("/slack/api/{method}", self._slack_api, methods=["POST"]),
            Route("/slack/hook/{rest:path}", self._slack_hook, methods=["POST"]),
            Route("/slack/response/{rest:path}", self._slack_response, methods=["POST"]),
            Route("/discord/webhooks/{id}/{token}", self._discord, methods=["POST"]),
            Route("/teams/{rest:path}", self._teams, methods=["POST"]),
            Route("/twilio/2010-04-01/Accounts/{sid}/Messages.json", self._twilio, methods=["POST"]),
            Route("/google/token", self._google_token, methods=["POST"]),
            Route("/fcm/v1/projects/{project}/messages:send", self._fcm, methods=["POST"]),
            Route("/pagerduty/v2/enqueue", self._pagerduty, methods=["POST"]),
        ]
        self.serve_routes(routes)

    def fail(self, provider: str, *answers: Scripted) -> None:
        self.script[provider].extend(answers)

    def of(self, provider: str) -> list[Call]:
        return [c for c in self.calls if c.provider == provider]

    async def _record(self, provider: str, request: Request) -> tuple[Call, Response | None]:
        call = Call(
            provider, request.url.path, {k.lower(): v for k, v in request.headers.items()}, await request.body()
        )
        self.calls.append(call)
        if self.script[provider]:
            answer = self.script[provider].popleft()
            if answer.hold is not None:
                await answer.hold.wait()
            if answer.status == 0:
                return call, None
            body = answer.body if answer.body is not None else {"error": f"scripted {answer.status}"}
            return call, JSONResponse(body, status_code=answer.status, headers=answer.headers)
        return call, None

    # --- Slack ---------------------------------------------------------------------

    async def _slack_api(self, request: Request) -> Response:
        call, scripted = await self._record("slack", request)
        if scripted:
            return scripted
        if call.headers.get("authorization") != f"Bearer {SLACK_TOKEN}":
            return JSONResponse({"ok": False, "error": "invalid_auth"})
        body = call.json
        method = request.path_params["method"]
        if slack_problems(body):
            return JSONResponse({"ok": False, "error": "invalid_blocks", "errors": slack_problems(body)})
        if method == "chat.postMessage":
            if not str(body.get("channel", "")).startswith(("C", "U", "D")):
                return JSONResponse({"ok": False, "error": "channel_not_found"})
            self._ts += 1
            channel = "D" + body["channel"][1:] if body["channel"].startswith("U") else body["channel"]
            ts = f"1700000000.{self._ts:06d}"
            self.slack_messages[f"{channel}/{ts}"] = body
            return JSONResponse({"ok": True, "channel": channel, "ts": ts, "message": body})
        if method == "chat.update":
            key = f"{body.get('channel')}/{body.get('ts')}"
            if key not in self.slack_messages:
                return JSONResponse({"ok": False, "error": "message_not_found"})
            self.slack_messages[key] = body
            return JSONResponse({"ok": True, "channel": body["channel"], "ts": body["ts"]})
        return JSONResponse({"ok": False, "error": "unknown_method"})

    async def _slack_hook(self, request: Request) -> Response:
        call, scripted = await self._record("slack-hook", request)
        if scripted:
            return scripted
        if slack_problems(call.json):
            return PlainTextResponse("invalid_blocks", status_code=400)
        return PlainTextResponse("ok")

    async def _slack_response(self, request: Request) -> Response:
        """A message's `response_url`: replace the original, or answer the clicking user alone."""
        _, scripted = await self._record("slack-response", request)
        return scripted or JSONResponse({"ok": True})

    # --- Discord, Teams ------------------------------------------------------------

    async def _discord(self, request: Request) -> Response:
        call, scripted = await self._record("discord", request)
        if scripted:
            return scripted
        if request.path_params["token"] != "discord-token":
            return JSONResponse({"message": "Invalid Webhook Token", "code": 50027}, status_code=401)
        problems = discord_problems(call.json)
        if problems:
            return JSONResponse(
                {"code": 50035, "message": "Invalid Form Body", "errors": {"embeds": problems}}, status_code=400
            )
        if request.query_params.get("wait") != "true":
            return Response(status_code=204)
        return JSONResponse({"id": str(1100000000000000000 + len(self.calls)), **call.json})

    async def _teams(self, request: Request) -> Response:
        call, scripted = await self._record("teams", request)
        if scripted:
            return scripted
        if teams_problems(call.body):
            return PlainTextResponse("Message size too large", status_code=413)
        card = call.json["attachments"][0]
        if card["contentType"] != "application/vnd.microsoft.card.adaptive":
            return PlainTextResponse("Bad payload", status_code=400)
        return PlainTextResponse("1")

    # --- Twilio --------------------------------------------------------------------

    async def _twilio(self, request: Request) -> Response:
        call, scripted = await self._record("twilio", request)
        if scripted:
            return scripted
        import base64

        expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if call.headers.get("authorization") != expected or request.path_params["sid"] != TWILIO_SID:
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, status_code=401)
        form = call.form
        if twilio_problems(form):
            return JSONResponse(
                {"code": 21617, "message": "The concatenated message body exceeds the 1600 character limit"},
                status_code=400,
            )
        if not form.get("To", "").startswith("+1555"):
            return JSONResponse(
                {
                    "code": 21211,
                    "message": f"The 'To' number {form.get('To')} is not a valid phone number.",
                    "status": 400,
                },
                status_code=400,
            )
        return JSONResponse(
            {"sid": f"SM{len(self.calls):032d}", "status": "queued", "body": form["Body"]}, status_code=201
        )

    # --- Google OAuth2 + FCM -------------------------------------------------------

    async def _google_token(self, request: Request) -> Response:
        call, scripted = await self._record("google", request)
        if scripted:
            return scripted
        form = call.form
        try:
            claims = jwt.decode(
                form["assertion"], self._google_public, algorithms=["RS256"], audience=self.account["token_uri"]
            )
        except (KeyError, jwt.InvalidTokenError) as err:
            return JSONResponse({"error": "invalid_grant", "error_description": str(err)}, status_code=400)
        if (
            form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer"
            or "firebase.messaging" not in claims["scope"]
        ):
            return JSONResponse({"error": "invalid_scope"}, status_code=400)
        self.tokens_issued += 1
        return JSONResponse(
            {"access_token": f"ya29.token-{self.tokens_issued}", "expires_in": 3599, "token_type": "Bearer"}
        )

    async def _fcm(self, request: Request) -> Response:
        call, scripted = await self._record("fcm", request)
        if scripted:
            return scripted
        if not call.headers.get("authorization", "").startswith("Bearer ya29.token-"):
            return JSONResponse({"error": {"code": 401, "status": "UNAUTHENTICATED"}}, status_code=401)
        token = call.json["message"]["token"]
        if fcm_problems(call.json["message"]):
            return JSONResponse(
                {
                    "error": {
                        "code": 400,
                        "status": "INVALID_ARGUMENT",
                        "message": "; ".join(fcm_problems(call.json["message"])),
                    }
                },
                status_code=400,
            )
        if token == "unregistered":
            return JSONResponse(
                {"error": {"code": 404, "status": "NOT_FOUND", "details": [{"errorCode": "UNREGISTERED"}]}},
                status_code=404,
            )
        return JSONResponse({"name": f"projects/{request.path_params['project']}/messages/{len(self.calls)}"})

    # --- PagerDuty -----------------------------------------------------------------

    async def _pagerduty(self, request: Request) -> Response:
        call, scripted = await self._record("pagerduty", request)
        if scripted:
            return scripted
        event = call.json
        problems = pagerduty_problems(event, len(call.body))
        if event.get("routing_key") != PD_ROUTING_KEY:
            problems.append("routing_key is not valid")
        if problems:
            return JSONResponse(
                {"status": "invalid event", "message": "Event object is invalid", "errors": problems}, status_code=400
            )
        key = event["dedup_key"]
        state = {"trigger": "triggered", "acknowledge": "acknowledged", "resolve": "resolved"}[event["event_action"]]
        if state == "triggered" and self.pd_incidents.get(key) in ("triggered", "acknowledged"):
            pass  # PagerDuty deduplicates: the open incident stays as it is
        elif key in self.pd_incidents or state == "triggered":
            self.pd_incidents[key] = state
        return JSONResponse({"status": "success", "message": "Event processed", "dedup_key": key}, status_code=202)


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "apns.crt", directory / "apns.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class ApnsPeer:
    """APNs over HTTP/2 + TLS: checks the ES256 provider token, the topic and the push type."""

    TEAM = "TEAM123456"
    KEY_ID = "KEY1234567"
    TOPIC = "com.example.herald"

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.calls: list[Call] = []
        self.http_versions: list[str] = []
        self.script: deque[Scripted] = deque()
        signing = ec.generate_private_key(ec.SECP256R1())
        self.private_key = signing.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self._public = signing.public_key()
        self.cert, self.key = self_signed(directory)
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    async def _device(self, request: Request) -> Response:
        call = Call("apns", request.url.path, {k.lower(): v for k, v in request.headers.items()}, await request.body())
        self.calls.append(call)
        self.http_versions.append(request.scope.get("http_version", "?"))
        if self.script:
            answer = self.script.popleft()
            return JSONResponse(
                answer.body or {"reason": "InternalServerError"}, status_code=answer.status, headers=answer.headers
            )
        auth = call.headers.get("authorization", "")
        try:
            header = jwt.get_unverified_header(auth.removeprefix("bearer "))
            claims = jwt.decode(auth.removeprefix("bearer "), self._public, algorithms=["ES256"])
        except jwt.InvalidTokenError:
            return JSONResponse({"reason": "InvalidProviderToken"}, status_code=403)
        if header.get("kid") != self.KEY_ID or claims.get("iss") != self.TEAM or time.time() - claims["iat"] > 3600:
            return JSONResponse({"reason": "InvalidProviderToken"}, status_code=403)
        if call.headers.get("apns-topic") != self.TOPIC:
            return JSONResponse({"reason": "TopicDisallowed"}, status_code=400)
        reason = apns_problems(call.headers, call.body)
        if reason:
            return JSONResponse({"reason": reason}, status_code=413 if reason == "PayloadTooLarge" else 400)
        if request.path_params["token"] == "bad-device":
            return JSONResponse({"reason": "BadDeviceToken"}, status_code=400)
        return Response(status_code=200, headers={"apns-id": call.headers.get("apns-id", "generated")})

    async def start(self) -> None:
        from hypercorn.asyncio import serve
        from hypercorn.config import Config

        config = Config()
        config.bind = [f"127.0.0.1:{self.port}"]
        config.certfile, config.keyfile = str(self.cert), str(self.key)
        config.alpn_protocols = ["h2"]
        config.loglevel = "WARNING"
        app = Starlette(routes=[Route("/3/device/{token}", self._device, methods=["POST"])])
        self._task = asyncio.create_task(serve(app, config, shutdown_trigger=self._stop.wait))  # type: ignore[arg-type]
        for _ in range(200):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.02)
        raise RuntimeError("APNs peer did not start")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
