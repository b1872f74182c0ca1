"""`herald temporal setup`: registers Herald's search attributes on a namespace, once (what the Helm chart's
setup Job and the compose file's `temporal-setup` service run)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

from google.protobuf.duration_pb2 import Duration
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.testing import WorkflowEnvironment

from devstack.ports import free_port
from gateway.namespace_setup import ATTRIBUTES

HERALD = str(Path(sys.executable).parent / "herald")


def herald_temporal_setup(cwd: Path, address: str, namespace: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"TEMPORAL_ADDRESS": address, "TEMPORAL_NAMESPACE": namespace}
    return subprocess.run([HERALD, "temporal", "setup"], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


async def test_it_adds_the_missing_attributes_then_finds_them_all_present(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    namespace = f"ns-{uuid.uuid4().hex[:8]}"
    await dev_env.client.workflow_service.register_namespace(
        RegisterNamespaceRequest(namespace=namespace, workflow_execution_retention_period=Duration(seconds=86400)),
        timeout=timedelta(seconds=10),
    )
    address = dev_env.client.service_client.config.target_host

    first = herald_temporal_setup(tmp_path, address, namespace)
    assert first.returncode == 0, first.stderr
    assert f"search attributes on namespace {namespace!r}" in first.stdout
    assert "added " + ", ".join(ATTRIBUTES) in first.stdout
    listed = await dev_env.client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    assert {name: listed.custom_attributes[name] for name in ATTRIBUTES} == ATTRIBUTES

    again = herald_temporal_setup(tmp_path, address, namespace)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().endswith("all present")


def test_an_unreachable_temporal_is_one_line(tmp_path: Path) -> None:
    done = herald_temporal_setup(tmp_path, f"127.0.0.1:{free_port()}", "default")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("herald temporal setup: cannot reach Temporal (namespace 'default' at 127.0.0.1:"), line
