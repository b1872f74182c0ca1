"""Herald's one Temporal data converter: pydantic JSON, with type adapters shared by every run.

`temporalio.contrib.pydantic.pydantic_data_converter` caches pydantic `TypeAdapter`s per payload
converter, and the worker makes a new payload converter for every workflow run (the SDK's
`payload_converter_factory`). So every cached alert workflow held its own adapters, and every new
or replayed run built them again (docs/performance.md, "The cost of one alert"). Here the cache
is one per process, keyed by the type hint: a run's decode of `AlertStart` uses the adapter the
first run built.

The encoding is byte for byte `pydantic_data_converter`'s (the same `to_payload`), so histories
recorded with it replay, and clients with either converter read each other's payloads.

In the `isolated` sandbox (`HERALD_WORKFLOW_SANDBOX`) every run imports its own copy of
`workflows.*`, so its classes are new keys: the cache then holds the adapters (and with them the
classes) of at most `SHARED_TYPE_ADAPTERS` recent hints, a bound rather than a leak.
"""

from __future__ import annotations

import functools
from typing import Any

import temporalio.api.common.v1
from pydantic import TypeAdapter
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)

SHARED_TYPE_ADAPTERS = 512
"""How many type hints' adapters the process keeps (least recently used go first)."""

_type_adapter: functools._lru_cache_wrapper[TypeAdapter[Any]] = functools.lru_cache(maxsize=SHARED_TYPE_ADAPTERS)(
    TypeAdapter
)


def type_adapter(type_hint: Any) -> TypeAdapter[Any]:
    """The process's adapter for `type_hint` (built on first use); a new one for an unhashable hint."""
    try:
        hash(type_hint)
    except TypeError:
        return TypeAdapter(type_hint)
    return _type_adapter(type_hint)


class SharedAdapterJSONConverter(PydanticJSONPlainPayloadConverter):
    """`json/plain` through pydantic, decoding with the process-wide adapters."""

    def __init__(self) -> None:
        super().__init__(max_cached_type_adapters=0)  # its own cache would go unused

    def from_payload(self, payload: temporalio.api.common.v1.Payload, type_hint: type | None = None) -> Any:
        """The value of `payload` as `type_hint` (Any when None); raises pydantic's ValidationError."""
        return type_adapter(type_hint if type_hint is not None else Any).validate_json(payload.data)


_JSON = SharedAdapterJSONConverter()  # stateless: every payload converter uses this one


class HeraldPayloadConverter(CompositePayloadConverter):
    """The SDK's default encodings, with `json/plain` replaced by `SharedAdapterJSONConverter`.

    The SDK builds one of these per workflow run and per activation (`DataConverter.__post_init__`), so
    it only collects the shared encoders."""

    def __init__(self) -> None:
        super().__init__(
            *(
                _JSON if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


herald_data_converter = DataConverter(payload_converter_class=HeraldPayloadConverter)
"""What every Herald client (API, worker, CLI, tests) talks to Temporal with."""
