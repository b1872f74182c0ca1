"""Workflows call activities only by reference, and the worker registers every one of them."""

from __future__ import annotations

import ast
from pathlib import Path

from worker import ACTIVITY_CLASSES, activity_names
from workflows import activity_refs as refs

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
CALLS = {"execute_activity", "execute_local_activity", "start_activity", "start_local_activity"}


def _refs_used_by_workflows() -> set[str]:
    used: set[str] = set()
    for path in WORKFLOWS.glob("*.py"):
        if path.name == "activity_refs.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "refs":
                ref = getattr(refs, node.attr)
                if isinstance(ref, refs.ActivityRef):
                    used.add(ref.name)
    return used


def test_the_worker_registers_exactly_the_referenced_activities() -> None:
    registered = [name for cls in ACTIVITY_CLASSES for name in activity_names(cls).values()]
    assert sorted(registered) == sorted(ref.name for ref in refs.ALL)


def test_every_reference_is_called_by_a_workflow() -> None:
    assert _refs_used_by_workflows() == {ref.name for ref in refs.ALL}


def test_no_workflow_calls_an_activity_by_a_string() -> None:
    by_string = []
    for path in WORKFLOWS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in CALLS:
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    by_string.append(f"{path.name}:{node.lineno} {first.value}")
    # activity_refs.run/run_local pass ref.name; everything else goes through them.
    assert by_string == []
