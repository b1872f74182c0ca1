"""The workflow sandbox Herald's workers run alert workflows in (`workflow_runner`).

Two choices, both measured in docs/performance.md ("The cost of one alert"):

* `shared` (the default) passes Herald's own `workflows` package through the sandbox: imported once and
  shared by every run, half the memory of a cached alert; `isolated` re-imports it per run.
* Either way, a run answers the SDK's serialization-context questions without entering the sandbox
  when the data converter cannot use the answer. The SDK asks a run for the context of every payload
  it decodes or encodes (six passes over each activation and its completion), and the sandbox answers
  each by compiling and executing code inside the run: a fifth of the CPU of replaying an escalating
  alert. Herald's converter (gateway/data_converter.py) has no codec, no external storage and
  converters that ignore context, so the answer is "no context" (the converter as it is).
  `context_free` decides it from the converter itself; any other converter gets the SDK's own path.
"""

from __future__ import annotations

from temporalio.converter import DataConverter, WorkflowSerializationContext
from temporalio.converter._extstore import StorageDriverStoreContext
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker._command_aware_visitor import CommandInfo
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from temporalio.worker.workflow_sandbox._runner import _Instance

from gateway.data_converter import herald_data_converter


def context_free(converter: DataConverter) -> bool:
    """True if `converter` encodes and decodes the same under any serialization context."""
    probe = WorkflowSerializationContext(namespace="herald", workflow_id="probe")
    return (
        converter.payload_codec is None
        and converter.external_storage is None
        and converter.with_context(probe) is converter
    )


class _ContextFreeRun(_Instance):
    """A sandboxed run that tells the SDK its payloads need no context (see the module's docstring)."""

    def get_serialization_context(self, command_info: CommandInfo | None) -> None:
        return None

    def get_external_store_context(self, command_info: CommandInfo | None) -> StorageDriverStoreContext:
        return StorageDriverStoreContext(target=None)  # read only by external storage, which there is none of


class ContextFreeSandboxRunner(SandboxedWorkflowRunner):
    """`SandboxedWorkflowRunner` whose runs answer serialization-context questions outside the sandbox.

    Only for a worker whose data converter is `context_free`."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _ContextFreeRun(det, self.runner_class, self.restrictions)


def workflow_runner(sandbox: str, data_converter: DataConverter = herald_data_converter) -> SandboxedWorkflowRunner:
    """The sandbox for a worker whose client converts with `data_converter` (see `Settings.workflow_sandbox`).

    Measured with 1,000 cached escalating alerts: 267 KB of worker memory each when every run re-imports
    `workflows.*`, 136 KB when they are shared (docs/performance.md)."""
    runner = ContextFreeSandboxRunner if context_free(data_converter) else SandboxedWorkflowRunner
    if sandbox == "isolated":
        return runner()
    return runner(restrictions=SandboxRestrictions.default.with_passthrough_modules("workflows"))
