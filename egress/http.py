"""The HTTP clients of Herald's outbound calls: every connection checked by the egress policy.

The check sits in httpcore's network backend, the one place that opens TCP connections: the
host is resolved there by `EgressPolicy.resolve`, and the connection is made to an address
that passed. The URL, the `Host` header and TLS (SNI and certificate checks) keep the name,
because httpcore passes the name for TLS apart from the address it connects to. A redirect is
a new request through the same transport, so it is checked too (Herald's own calls follow
none). Environment proxies and `.netrc` are ignored: a proxy would hide the destination from
the check.

No cookie jar: a cookie set by one tenant's receiver must never reach another tenant's call
(pooled connections are fine, they carry no state of the tenant).
"""

from __future__ import annotations

import asyncio
import ssl
import typing
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpcore
import httpx

from egress.policy import EgressDenied, EgressPolicy


class CheckedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own backend, connecting only to addresses the policy returned for the host."""

    def __init__(self, policy: EgressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._policy.resolve(host, port)
        except EgressDenied:
            raise
        except TimeoutError as err:
            raise httpcore.ConnectTimeout(f"resolving {host!r} timed out") from err
        except OSError as err:
            raise httpcore.ConnectError(str(err)) from err
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as err:
                last = err
        assert last is not None  # resolve() returns at least one address
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise EgressDenied(f"unix:{path}")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class CheckedTransport(httpx.AsyncHTTPTransport):
    """`httpx.AsyncHTTPTransport` whose connection pool opens connections through `CheckedBackend`."""

    def __init__(
        self,
        policy: EgressPolicy,
        *,
        verify: bool = True,
        http2: bool = False,
        limits: httpx.Limits | None = None,
    ) -> None:
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)  # httpx's defaults
        super().__init__(verify=verify, http2=http2, limits=limits, trust_env=False)
        # httpx builds its pool with httpcore's default backend and takes no other: the pool is
        # replaced by the same pool over the checked backend (tests/integration/test_egress.py
        # shows every request goes through it, HTTP/2 included in test_channel_senders.py).
        context: ssl.SSLContext = httpx.create_ssl_context(verify=verify, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=http2,
            network_backend=CheckedBackend(policy),
        )


def no_cookies() -> CookieJar:
    """A jar whose policy accepts and returns no cookie, for any domain."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def http_client(policy: EgressPolicy, *, verify: bool = True, http2: bool = False) -> httpx.AsyncClient:
    """An HTTP client for outbound calls: policy-checked connections, no redirects, no cookies, no proxies."""
    return httpx.AsyncClient(
        transport=CheckedTransport(policy, verify=verify, http2=http2),
        cookies=no_cookies(),
        follow_redirects=False,
        trust_env=False,
    )
