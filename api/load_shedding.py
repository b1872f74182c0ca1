"""Shed load the process cannot take, and slow down sources that guess API keys.

Three limits, all per API process and all answered before the request body is read:

* **in flight, process-wide**: over `max_in_flight` requests in progress → 503 with `Retry-After`;
* **in flight, per API key**: over `max_in_flight_per_key` requests of one key (bearer, Basic password, or one
  console session) → 429 with `Retry-After`, so one client's flood cannot take every slot;
* **failed authentications, per source**: a token bucket of `auth_failures_per_minute` per client
  address (IPv6 by /64); once empty, requests from that source with a key this process has not
  seen authenticate get 429 with `Retry-After`, without a database lookup.

`/healthz`, `/readyz` and `/metrics` are exempt from all three: a load balancer must see the process alive
while it sheds, and Prometheus must see why it sheds.

Keys are told apart by a BLAKE2b fingerprint under a per-process random key: cheap, never the
token itself, and not the SHA-256 digest the database stores (a dump of this process's memory
names no stored key).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import math
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# Live streams stay open for hours while costing an idle queue: they pass the authentication-failure
# limit like any request but hold no in-flight slot (api/live.py bounds them on its own).
STREAM_PATHS = frozenset({"/api/v1/stream"})
MAX_SOURCES = 10_000  # failure buckets kept; the least recently failed source is forgotten first
MAX_KNOWN_KEYS = 10_000  # fingerprints of keys that authenticated in this process
RETRY_AFTER_SECONDS = 1  # in-flight limits clear as soon as a request finishes

_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}
# Documented once per router in the app factory (every route but /healthz can answer them).
OPENAPI_RESPONSES: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many requests of this API key in progress, or too many failed authentications "
        'from this address; `{"detail": ...}` says which',
        "headers": _RETRY_AFTER,
    },
    503: {"description": "The API process is at its limit of requests in progress", "headers": _RETRY_AFTER},
}


def source_of(scope: Scope) -> str:
    """The client address as rate limits see it: IPv4 as is, IPv6 by its /64 (one host's share)."""
    client = scope.get("client")
    host = client[0] if client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


SESSION_COOKIE = "herald_session"  # the console's session cookie (api/routers/session.py sets it)


def credential_of(scope: Scope) -> str | None:
    """The credential a request authenticates with, as `api.deps.get_principal` chooses it: a bearer token, else
    the password of Basic authentication, else (with no Authorization header at all) the console's session cookie,
    prefixed `session:` so it never equals a key. None: no credential. Per-key limits count by this."""
    authorization = cookie = None
    for name, value in scope.get("headers", []):
        if name == b"authorization" and authorization is None:
            authorization = value.decode("latin-1")
        elif name == b"cookie":
            cookie = value.decode("latin-1")
    if authorization is not None:
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer":
            return token or None
        if scheme.lower() == "basic":
            try:
                _, _, password = base64.b64decode(token, validate=True).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return None
            return password or None
        return None
    if cookie is not None:
        jar = SimpleCookie()
        try:
            jar.load(cookie)
        except CookieError:
            return None
        morsel = jar.get(SESSION_COOKIE)
        return f"session:{morsel.value}" if morsel is not None and morsel.value else None
    return None


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass
class AuthFailures:
    """A token bucket per source: `per_minute` failures, refilled evenly over a minute."""

    per_minute: int
    clock: Callable[[], float] = time.monotonic
    _buckets: OrderedDict[str, _Bucket] = field(default_factory=OrderedDict)

    def _refilled(self, source: str) -> _Bucket | None:
        bucket = self._buckets.get(source)
        if bucket is None:
            return None
        now = self.clock()
        bucket.tokens = min(self.per_minute, bucket.tokens + (now - bucket.at) * self.per_minute / 60)
        bucket.at = now
        if bucket.tokens >= self.per_minute:
            del self._buckets[source]  # full again: nothing to remember
            return None
        return bucket

    def retry_after(self, source: str) -> int | None:
        """Seconds until `source` may try again, or None if it may now."""
        bucket = self._refilled(source)
        if bucket is None or bucket.tokens >= 1:
            return None
        return max(1, math.ceil((1 - bucket.tokens) * 60 / self.per_minute))

    def failed(self, source: str) -> None:
        bucket = self._refilled(source) or _Bucket(tokens=self.per_minute, at=self.clock())
        bucket.tokens = max(0.0, bucket.tokens - 1)
        self._buckets[source] = bucket
        self._buckets.move_to_end(source)
        while len(self._buckets) > MAX_SOURCES:
            self._buckets.popitem(last=False)


class RequestGuard:
    """The limits' state, shared by the middleware (which checks) and authentication (which records)."""

    def __init__(self, *, max_in_flight: int, max_in_flight_per_key: int, auth_failures_per_minute: int) -> None:
        self.max_in_flight = max_in_flight
        self.max_in_flight_per_key = max_in_flight_per_key
        self.auth_failures = AuthFailures(auth_failures_per_minute)
        self.in_flight = 0
        self.in_flight_by_key: dict[bytes, int] = {}  # an entry only while the key has requests in flight
        self._known_keys: OrderedDict[bytes, None] = OrderedDict()
        self._salt = os.urandom(32)

    def fingerprint(self, token: str) -> bytes:
        return hashlib.blake2b(token.encode(), key=self._salt, digest_size=16).digest()

    def authenticated(self, scope: Scope) -> None:
        """The request's credential (`credential_of`: a key or a console session) authenticated: it passes a
        source's failure limit from now on (it still goes to the database)."""
        credential = credential_of(scope)
        if credential is None:
            return
        known = self.fingerprint(credential)
        self._known_keys[known] = None
        self._known_keys.move_to_end(known)
        while len(self._known_keys) > MAX_KNOWN_KEYS:
            self._known_keys.popitem(last=False)

    def failed_authentication(self, scope: Scope) -> None:
        self.auth_failures.failed(source_of(scope))

    def is_known(self, fingerprint: bytes) -> bool:
        return fingerprint in self._known_keys


class LoadSheddingMiddleware:
    def __init__(self, app: ASGIApp, *, guard: RequestGuard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        guard = self.guard
        credential = credential_of(scope)
        key = guard.fingerprint(credential) if credential is not None else None
        if key is None or not guard.is_known(key):
            wait = guard.auth_failures.retry_after(source_of(scope))
            if wait is not None:
                detail = "too many failed authentications from this address; retry later with a valid API key"
                await _reject(send, 429, detail, wait)
                return
        if scope["path"] in STREAM_PATHS:
            await self.app(scope, receive, send)
            return
        if guard.in_flight >= guard.max_in_flight:
            detail = f"the server is at its limit of {guard.max_in_flight} requests in progress; retry later"
            await _reject(send, 503, detail, RETRY_AFTER_SECONDS)
            return
        if key is not None and guard.in_flight_by_key.get(key, 0) >= guard.max_in_flight_per_key:
            detail = f"this API key has {guard.max_in_flight_per_key} requests in progress, its limit; retry later"
            await _reject(send, 429, detail, RETRY_AFTER_SECONDS)
            return
        guard.in_flight += 1
        if key is not None:
            guard.in_flight_by_key[key] = guard.in_flight_by_key.get(key, 0) + 1
        try:
            await self.app(scope, receive, send)
        finally:
            guard.in_flight -= 1
            if key is not None:
                left = guard.in_flight_by_key[key] - 1
                if left:
                    guard.in_flight_by_key[key] = left
                else:
                    del guard.in_flight_by_key[key]


async def _reject(send: Send, status: int, detail: str, retry_after: int) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_after).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
