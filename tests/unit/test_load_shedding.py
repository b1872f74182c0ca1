"""The failed-authentication bucket, how a client address is counted (on a clock the test moves), and which
credential a request is counted under."""

from __future__ import annotations

import base64

import pytest

from api import load_shedding
from api.load_shedding import AuthFailures, credential_of, source_of


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_bucket_empties_after_its_failures_and_refills_over_a_minute() -> None:
    clock = Clock()
    failures = AuthFailures(per_minute=30, clock=clock)
    for _ in range(29):
        failures.failed("203.0.113.7")
        assert failures.retry_after("203.0.113.7") is None
    failures.failed("203.0.113.7")
    assert failures.retry_after("203.0.113.7") == 2  # one failure back every 60 / 30 seconds
    clock.now += 1.5
    assert failures.retry_after("203.0.113.7") == 1
    clock.now += 0.5
    assert failures.retry_after("203.0.113.7") is None  # one more try...
    failures.failed("203.0.113.7")
    assert failures.retry_after("203.0.113.7") == 2  # ...and it is spent
    assert failures.retry_after("198.51.100.9") is None
    clock.now += 60
    assert failures.retry_after("203.0.113.7") is None


def test_the_map_of_sources_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_shedding, "MAX_SOURCES", 3)
    failures = AuthFailures(per_minute=1, clock=Clock())
    for n in range(5):
        failures.failed(f"192.0.2.{n}")
    assert failures.retry_after("192.0.2.0") is None  # forgotten, least recently failed first
    assert failures.retry_after("192.0.2.4") is not None
    assert len(failures._buckets) == 3


@pytest.mark.parametrize(
    ("host", "source"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:1:2:3", "2001:db8:1:2::/64"),  # the same /64: one source
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("testclient", "testclient"),
    ],
)
def test_sources_are_addresses_and_ipv6_counts_by_its_64(host: str, source: str) -> None:
    assert source_of({"type": "http", "client": (host, 1234)}) == source


@pytest.mark.parametrize(
    ("headers", "credential"),
    [
        ([(b"authorization", b"Bearer hk_a")], "hk_a"),
        ([(b"authorization", b"bearer  hk_a ")], "hk_a"),
        ([(b"authorization", b"Basic " + base64.b64encode(b"user:hk_b"))], "hk_b"),
        ([(b"authorization", b"Basic " + base64.b64encode(b"hk_c"))], None),  # no password
        ([(b"authorization", b"Basic !!not-base64")], None),
        ([(b"authorization", b"Token hk_a")], None),
        ([(b"cookie", b"theme=dark; herald_session=abc")], "session:abc"),
        ([(b"cookie", b"herald_session=")], None),
        ([(b"cookie", b"herald_session=abc"), (b"authorization", b"Bearer hk_a")], "hk_a"),  # the header wins
        ([(b"cookie", b"theme=dark")], None),
        ([], None),
    ],
)
def test_a_request_has_the_credential_authentication_will_use(
    headers: list[tuple[bytes, bytes]], credential: str | None
) -> None:
    assert credential_of({"type": "http", "headers": headers}) == credential
