"""The egress policy the tests' local peers need: 127.0.0.1 allowed, as an operator would allow an internal target."""

from __future__ import annotations

from egress.policy import EgressPolicy

LOOPBACK = EgressPolicy.parse("127.0.0.1/32")
