"""Herald's data converter: the SDK's pydantic encoding, with one set of type adapters per process."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import pytest
from pydantic import ValidationError
from temporalio.contrib.pydantic import pydantic_data_converter

from gateway.data_converter import herald_data_converter, type_adapter
from workflows.payloads import AlertContent, AlertStart, FireEvent


def _start() -> AlertStart:
    return AlertStart(tenant_id="t1", key="k1")


def _event() -> FireEvent:
    return FireEvent(
        content=AlertContent(title="disk full", labels={"svc": "db"}), received_at=datetime(2026, 12, 1, tzinfo=UTC)
    )


def test_two_runs_converters_decode_with_the_same_adapter() -> None:
    # The worker makes a payload converter per workflow run (the SDK's payload_converter_factory).
    first = herald_data_converter._new_payload_converter()
    second = herald_data_converter._new_payload_converter()
    assert first is not second
    payloads = first.to_payloads([_start()])
    assert first.from_payloads(payloads, [AlertStart]) == second.from_payloads(payloads, [AlertStart])
    assert type_adapter(AlertStart) is type_adapter(AlertStart)
    assert type_adapter(list[AlertStart]) is type_adapter(list[AlertStart])


@pytest.mark.parametrize("value", [_start(), _event(), {"a": [1, 2]}, None, "text", 3, [_event()]])
def test_the_encoding_is_the_sdk_pydantic_converters_byte_for_byte(value: Any) -> None:
    # Histories recorded with the SDK's converter replay, and either side reads the other's payloads.
    ours = herald_data_converter.payload_converter.to_payloads([value])
    theirs = pydantic_data_converter.payload_converter.to_payloads([value])
    assert [(p.metadata, p.data) for p in ours] == [(p.metadata, p.data) for p in theirs]


def test_an_unhashable_hint_decodes_around_the_cache_and_a_bad_payload_is_pydantics_error() -> None:
    unhashable: Any = Annotated[int, []]  # metadata that cannot be hashed: no cache key
    with pytest.raises(TypeError):
        hash(unhashable)
    assert type_adapter(unhashable).validate_json(b"5") == 5
    [payload] = herald_data_converter.payload_converter.to_payloads([{"x": 1}])
    with pytest.raises(ValidationError, match="tenant_id"):
        herald_data_converter.payload_converter.from_payloads([payload], [AlertStart])
