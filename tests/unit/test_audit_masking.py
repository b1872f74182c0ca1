"""What an audit row keeps: secrets masked at any depth, each side bounded."""

from __future__ import annotations

import json

from pydantic import BaseModel

from api.audit import masked
from models.audit import MAX_JSON_BYTES, bounded


class _Out(BaseModel):
    name: str
    config: dict[str, object]


def test_secret_named_fields_are_masked_at_any_depth_and_the_rest_kept() -> None:
    value = {
        "name": "ops",
        "key": "hk_live_secret",
        "nested": [{"bot_token": "xoxb-1", "password": "pw", "headers": {"X": "h"}, "url": "http://kept/"}],
        "model": _Out(name="m", config={"routing_key": "R" * 32, "secret": "s", "api_key": "k", "channel": "C1"}),
        "key_hash": "ab" * 32,
        "refresh_token": "t",
        "group_key": "kept",
        "empty_secret": None,
    }
    out = masked(value)
    text = json.dumps(out)
    for secret in ("hk_live_secret", "xoxb-1", '"pw"', '"h"', "R" * 32, '"s"', '"k"', "ab" * 32, '"t"'):
        assert secret not in text, secret
    assert out["name"] == "ops" and out["nested"][0]["url"] == "http://kept/" and out["group_key"] == "kept"
    assert out["model"]["config"]["channel"] == "C1" and out["model"]["config"]["secret"] == "********"
    assert out["nested"][0]["headers"] == "********" and out["empty_secret"] is None


def test_a_side_over_the_cap_is_replaced_by_its_size_and_digest() -> None:
    small, cut = bounded({"a": "x" * 100})
    assert small == {"a": "x" * 100} and cut is False
    big, cut = bounded({"a": "x" * MAX_JSON_BYTES})
    assert cut is True and big["truncated"] is True and big["bytes"] > MAX_JSON_BYTES and len(big["sha256"]) == 64
    assert bounded(None) == (None, False)
