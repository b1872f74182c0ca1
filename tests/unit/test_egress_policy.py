"""The egress policy over addresses, as the resolver spells them: internal ranges are refused
(however the address is written), public ones pass, and the allow-list opens what it names.

Every host here is an address literal or in /etc/hosts (`localhost`), or is answered by a
resolver of the test's own: nothing is looked up over the network and nothing is connected to.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from egress.policy import EgressDenied, EgressPolicy, parse_address
from rules.sources import endpoint

DENY_INTERNAL = EgressPolicy.parse("")

LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "127.1",  # short form
    "2130706433",  # decimal
    "0177.0.0.1",  # octal
    "0x7f.1",  # hexadecimal
    "0x7f000001",
    "127.255.255.254",
    "localhost",
    "::1",
    "[::1]",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "[0:0:0:0:0:ffff:7f00:1]",
    "64:ff9b::7f00:1",  # NAT64 to loopback
    "2002:7f00:1::1",  # 6to4 around loopback
]
OTHER_INTERNAL = [
    "10.0.0.1",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.1",
    "192.168.1.1",
    "100.64.0.1",  # CGNAT
    "100.100.100.200",  # Alibaba metadata (CGNAT)
    "169.254.169.254",  # cloud metadata (link-local)
    "169.254.0.1",
    "192.0.0.192",  # Oracle metadata
    "fd00:ec2::254",  # AWS metadata over IPv6
    "fe80::1",
    "fc00::1",
    "fec0::1",  # site-local
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "224.0.0.1",  # multicast
    "239.255.255.250",
    "ff02::1",
    "0.0.0.0",
    "0",
    "::",
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "198.18.0.1",  # benchmarking
    "192.0.2.1",  # documentation
    "2001:db8::1",
]
PUBLIC = ["1.1.1.1", "8.8.8.8", "93.184.215.14", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS + OTHER_INTERNAL)
async def test_internal_addresses_are_denied_however_written(host: str) -> None:
    with pytest.raises(EgressDenied, match=r"denied by policy \(HERALD_EGRESS_ALLOW\)"):
        await DENY_INTERNAL.resolve(host, 443)


@pytest.mark.parametrize("host", PUBLIC)
async def test_public_addresses_are_allowed(host: str) -> None:
    assert await DENY_INTERNAL.resolve(host, 443) == [host]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "2130706433", "0177.0.0.1", "localhost", "::ffff:127.0.0.1"])
async def test_the_denial_names_the_address_actually_meant(host: str) -> None:
    with pytest.raises(EgressDenied) as denied:
        await DENY_INTERNAL.resolve(host, 80)
    assert denied.value.address in {"127.0.0.1", "::ffff:7f00:1"}


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "2130706433", "localhost", "::ffff:127.0.0.1"])
async def test_a_loopback_allow_list_opens_loopback_only(host: str) -> None:
    policy = EgressPolicy.parse("127.0.0.0/8")
    assert await policy.resolve(host, 80)
    for other in ("10.0.0.1", "169.254.169.254", "192.168.0.1"):
        with pytest.raises(EgressDenied):
            await policy.resolve(other, 80)


async def test_ipv6_loopback_needs_its_own_entry() -> None:
    with pytest.raises(EgressDenied):
        await EgressPolicy.parse("127.0.0.0/8").resolve("::1", 80)
    assert await EgressPolicy.parse("127.0.0.0/8, ::1").resolve("::1", 80) == ["::1"]


def names(table: dict[str, list[str]]) -> EgressPolicy:
    async def resolver(host: str, port: int) -> list[str]:
        return table[host]

    return EgressPolicy(resolver=resolver)


async def test_a_name_that_resolves_to_loopback_is_denied() -> None:
    policy = names({"internal.example": ["127.0.0.1"], "meta.example": ["169.254.169.254"]})
    for host in ("internal.example", "meta.example"):
        with pytest.raises(EgressDenied):
            await policy.resolve(host, 80)


async def test_only_the_allowed_addresses_of_a_name_are_returned() -> None:
    """A name with a public and an internal address: the internal one is never connected to."""
    policy = names({"mixed.example": ["10.0.0.7", "1.1.1.1"]})
    assert await policy.resolve("mixed.example", 80) == ["1.1.1.1"]


async def test_a_host_name_on_the_allow_list_is_allowed_whatever_it_resolves_to() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["10.1.2.3"]

    policy = EgressPolicy.parse("prometheus.internal", resolver=resolver)
    assert await policy.resolve("Prometheus.Internal.", 9090) == ["10.1.2.3"]
    with pytest.raises(EgressDenied):
        await policy.resolve("other.internal", 9090)


def test_the_allow_list_takes_cidrs_addresses_and_names() -> None:
    policy = EgressPolicy.parse(" 10.0.0.0/8, 192.168.1.5 ,[fd00::1], metrics.svc.cluster.local,, ")
    assert [str(n) for n in policy.allowed_networks] == ["10.0.0.0/8", "192.168.1.5/32", "fd00::1/128"]
    assert policy.allowed_hosts == {"metrics.svc.cluster.local"}


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "http://10.0.0.1", "a b", "host:80"])
def test_a_malformed_allow_list_entry_is_refused(entry: str) -> None:
    with pytest.raises(ValueError, match="HERALD_EGRESS_ALLOW"):
        EgressPolicy.parse(entry)


ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ["api", "channels", "rules", "activities", "gateway", "models", "workflows", "worker.py", "cli.py"]


def test_product_code_builds_http_clients_only_through_egress() -> None:
    """Every `httpx.AsyncClient(`, transport or SMTP connection of the product is made in egress/
    (devstack's health check of its own child API process, and configcode's client of Herald's own API for the
    `herald config` commands, are the exceptions, outside this list)."""
    found = []
    for entry in PRODUCT:
        path = ROOT / entry
        for module in [path] if path.is_file() else sorted(path.rglob("*.py")):
            for node in ast.walk(ast.parse(module.read_text())):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    owner = node.func.value
                    name = f"{owner.id}.{node.func.attr}" if isinstance(owner, ast.Name) else node.func.attr
                    if name in {"httpx.AsyncClient", "httpx.Client", "httpx.AsyncHTTPTransport", "aiosmtplib.send"}:
                        found.append(f"{module.relative_to(ROOT)}:{node.lineno} {name}")
    assert found == []


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("http://prom:9090", "http://prom:9090/api/v1/query"),
        ("http://prom:9090/", "http://prom:9090/api/v1/query"),
        ("http://prom:9090/sub/", "http://prom:9090/sub/api/v1/query"),
        ("http://internal:8080/anything?", "http://internal:8080/anything/api/v1/query"),
        ("http://internal:8080/anything?x=1#frag", "http://internal:8080/anything/api/v1/query"),
    ],
)
def test_a_data_source_url_cannot_turn_the_api_path_into_a_query(base: str, expected: str) -> None:
    assert str(endpoint(base, "/api/v1/query")) == expected


def test_deny_public_allows_only_what_the_list_names() -> None:
    locked = EgressPolicy.parse("127.0.0.0/8", public=False)
    assert locked.allows_address(parse_address("127.0.0.1"))
    assert not locked.allows_address(parse_address("8.8.8.8"))
    assert not locked.allows_address(parse_address("10.0.0.1"))
    assert EgressPolicy.parse("").allows_address(parse_address("8.8.8.8"))  # the default: public is allowed


async def test_deny_public_does_not_even_look_up_a_name_it_does_not_list() -> None:
    asked: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    locked = EgressPolicy.parse("127.0.0.0/8,hooks.internal", public=False, resolver=resolver)
    with pytest.raises(EgressDenied):
        await locked.resolve("fuzzed.example", 443)
    assert asked == []
    assert await locked.resolve("localhost", 80) == ["127.0.0.1"]
    assert await locked.resolve("hooks.internal", 80) == ["127.0.0.1"]
    assert asked == ["localhost", "hooks.internal"]
