"""The alert workflows' sandbox: its runs answer the SDK's serialization-context questions outside the
sandbox only for a converter that cannot use the answer (gateway/sandbox.py)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, PayloadCodec, WithSerializationContext
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from gateway.data_converter import HeraldPayloadConverter, herald_data_converter
from gateway.sandbox import ContextFreeSandboxRunner, context_free, workflow_runner


class _Codec(PayloadCodec):
    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(payloads)


class _ContextCodec(_Codec, WithSerializationContext):
    def with_context(self, context: object) -> _ContextCodec:
        return _ContextCodec()  # e.g. keys per workflow id: a new codec per context


class _ContextPayloads(HeraldPayloadConverter, WithSerializationContext):
    def with_context(self, context: object) -> _ContextPayloads:
        return _ContextPayloads()


def test_heralds_converter_is_context_free_and_gets_the_context_free_runner() -> None:
    assert context_free(herald_data_converter)
    for sandbox in ("shared", "isolated"):
        assert isinstance(workflow_runner(sandbox, herald_data_converter), ContextFreeSandboxRunner)


@pytest.mark.parametrize(
    "converter",
    [
        DataConverter(payload_converter_class=HeraldPayloadConverter, payload_codec=_Codec()),
        DataConverter(payload_converter_class=HeraldPayloadConverter, payload_codec=_ContextCodec()),
        DataConverter(payload_converter_class=_ContextPayloads),
    ],
    ids=["a codec", "a codec that takes context", "a payload converter that takes context"],
)
def test_any_converter_that_could_use_the_context_gets_the_sdks_own_runner(converter: DataConverter) -> None:
    assert not context_free(converter)
    for sandbox in ("shared", "isolated"):
        runner = workflow_runner(sandbox, converter)
        assert type(runner) is SandboxedWorkflowRunner
