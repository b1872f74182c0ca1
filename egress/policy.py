"""The egress policy: which addresses Herald may connect to, decided after DNS resolution.

Denied by default: every address that is not globally routable (loopback, RFC 1918 private,
link-local — hence cloud metadata at 169.254.169.254 —, CGNAT 100.64.0.0/10, unique-local
IPv6 — hence fd00:ec2::254 —, multicast, reserved, unspecified, documentation and benchmark
ranges), judged on the IPv4 address inside IPv4-mapped, 6to4 and NAT64 IPv6 addresses.
`HERALD_EGRESS_ALLOW` lists what an operator allows although it is internal: CIDRs (or single
addresses), and host names (allowed whatever they resolve to).

A host is resolved once; only the addresses that pass are returned, and the caller connects
to exactly those — so DNS rebinding between a check and a connect cannot happen, and numeric
spellings (`127.1`, `2130706433`, `0177.0.0.1`, `0x7f.1`) are judged by what the resolver
makes of them, which is what would be connected to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# host, port -> the addresses it resolves to (numeric strings); the system resolver by default.
Resolver = Callable[[str, int], Awaitable[list[str]]]

SETTING = "HERALD_EGRESS_ALLOW"

# Beyond what `ipaddress` calls private, reserved, link-local, multicast...: ranges that its
# `is_global` tables miss in some Python versions, or that are internal in practice.
ALWAYS_INTERNAL: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
        "100.64.0.0/10",  # carrier-grade NAT (Alibaba's metadata at 100.100.100.200)
        "192.0.0.0/24",  # IETF protocol assignments (Oracle's metadata at 192.0.0.192)
        "198.18.0.0/15",  # benchmarking
        "64:ff9b:1::/48",  # local-use NAT64
        "fd00:ec2::254/128",  # AWS metadata over IPv6 (inside fc00::/7 too)
    )
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class EgressDenied(Exception):
    """The policy refused a destination; no connection was attempted."""

    def __init__(self, address: str) -> None:
        super().__init__(f"egress to {address} denied by policy ({SETTING})")
        self.address = address


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64 well-known prefix)."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_internal(address: IPAddress) -> bool:
    """True for every address that is not a public unicast destination."""
    inner = embedded_ipv4(address)
    if inner is not None:  # what the translation reaches decides
        return is_internal(inner)
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
        or any(address in net for net in ALWAYS_INTERNAL if net.version == address.version)
    )


def parse_address(text: str) -> IPAddress:
    """An address as a resolver returns it (an IPv6 zone `%eth0` is dropped: it changes no range)."""
    return ipaddress.ip_address(text.split("%", 1)[0])


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in found:
            found.append(address)
    return found


@dataclass(frozen=True)
class EgressPolicy:
    """Internal addresses are denied unless `allowed_networks` holds them or the host is in `allowed_hosts`."""

    allowed_networks: tuple[IPNetwork, ...] = ()
    allowed_hosts: frozenset[str] = frozenset()
    resolver: Resolver = field(default=system_resolver, compare=False)
    public: bool = True  # False: only what the allow-list names (HERALD_EGRESS_DENY_PUBLIC)

    @classmethod
    def parse(
        cls, allow: str | Iterable[str], *, public: bool = True, resolver: Resolver = system_resolver
    ) -> EgressPolicy:
        """From `HERALD_EGRESS_ALLOW`: comma-separated CIDRs, addresses or host names. ValueError names a bad entry."""
        entries = allow.split(",") if isinstance(allow, str) else list(allow)
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for raw in entries:
            entry = raw.strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            name = _host_key(entry)
            if not name or not all(part and all(c.isalnum() or c in "-_" for c in part) for part in name.split(".")):
                raise ValueError(f"{SETTING}: {entry!r} is neither a CIDR, an address nor a host name")
            hosts.add(name)
        return cls(tuple(networks), frozenset(hosts), resolver, public)

    def allows_address(self, address: IPAddress) -> bool:
        plain = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped else address
        if any(plain in net for net in self.allowed_networks if net.version == plain.version):
            return True
        return self.public and not is_internal(address)

    def allows_host(self, host: str) -> bool:
        return _host_key(host) in self.allowed_hosts

    async def resolve(self, host: str, port: int) -> list[str]:
        """The addresses of `host` that may be connected to, in the resolver's order; EgressDenied if none.

        An address literal is not looked up as a name. Addresses the policy refuses are left out.
        """
        bare = host.strip("[]")
        try:
            literal = parse_address(bare)
        except ValueError:
            literal = None
        if literal is not None:
            if self.allows_address(literal):
                return [bare]
            raise EgressDenied(str(literal))
        if not self.public and not self.allows_host(bare) and not _is_localhost(bare):
            # Only the allow-list is reachable: a name it does not list is not even looked up (no DNS query).
            raise EgressDenied(bare)
        try:
            found = await self.resolver(bare, port)
        except socket.gaierror as err:
            raise OSError(f"cannot resolve {bare!r}: {err.strerror}") from err
        if not found:
            raise OSError(f"{bare!r} has no address")
        if self.allows_host(bare):
            return found
        allowed = [a for a in found if self.allows_address(parse_address(a))]
        if not allowed:
            raise EgressDenied(found[0])
        return allowed

    async def open_socket(self, host: str, port: int) -> socket.socket:
        """A TCP socket connected to an allowed address of `host` (each tried in turn); the caller owns
        it, and bounds the wait with `asyncio.timeout`."""
        loop = asyncio.get_running_loop()
        last: OSError | None = None
        for address in await self.resolve(host, port):
            family = socket.AF_INET6 if parse_address(address).version == 6 else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setblocking(False)
            try:
                await loop.sock_connect(sock, (address, port))
            except OSError as err:
                sock.close()
                last = err
                continue
            except BaseException:
                sock.close()
                raise
            return sock
        assert last is not None  # resolve() returns at least one address
        raise last


def _is_localhost(host: str) -> bool:
    name = _host_key(host)
    return name == "localhost" or name.endswith(".localhost")


def _host_key(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()
