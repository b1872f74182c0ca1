"""Herald's routing tree against the real peer: `amtool config routes test` (Debian's Alertmanager 0.25).

Random trees (nesting, `continue`, matchers of every operator) are written as an alertmanager.yml whose
receivers are Herald's escalation policies; for random label sets, the receivers Alertmanager routes to
(inherited ones included) must be the policies of the routes Herald's tree matches, in order.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from noise.routing import RouteSpec, compile_route
from tests.support.alertmanager import amtool_binary, yaml_quoted

MATCHERS = st.sampled_from(['a="1"', 'a!="1"', 'a=~"1|2"', 'b!~"x.*"', 'b="x"', 'a=""', '{a="2",b="x"}'])
LABELS = st.dictionaries(st.sampled_from(["a", "b"]), st.sampled_from(["1", "2", "x", "xy"]), max_size=2)


def nodes(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    children = st.lists(nodes(depth - 1), max_size=3) if depth else st.just([])
    return st.fixed_dictionaries(
        {
            "matchers": st.lists(MATCHERS, min_size=1, max_size=2),
            "continue": st.booleans(),
            "escalation_policy_id": st.one_of(st.none(), st.just("set")),
            "routes": children,
        }
    )


def numbered(tree: dict[str, Any]) -> dict[str, Any]:
    """Each route below the root that sets a policy gets a unique one (`r0`, `r1`, ...), in walk order."""
    count = 0

    def visit(node: dict[str, Any]) -> dict[str, Any]:
        nonlocal count
        policy = node.get("escalation_policy_id")
        if policy is not None:
            policy = f"r{count}"
            count += 1
        return {**node, "escalation_policy_id": policy, "routes": [visit(child) for child in node["routes"]]}

    return {**tree, "routes": [visit(child) for child in tree["routes"]]}


def yaml_route(node: dict[str, Any], indent: str) -> list[str]:
    lines = [f"{indent}- matchers: [{', '.join(yaml_quoted(m) for m in node['matchers'])}]"]
    lines.append(f"{indent}  continue: {'true' if node['continue'] else 'false'}")
    if node["escalation_policy_id"]:
        lines.append(f"{indent}  receiver: {node['escalation_policy_id']}")
    if node["routes"]:
        lines.append(f"{indent}  routes:")
        for child in node["routes"]:
            lines += yaml_route(child, indent + "    ")
    return lines


def alertmanager_yml(tree: dict[str, Any], receivers: list[str]) -> str:
    lines = ["route:", "  receiver: root", "  routes:"] if tree["routes"] else ["route:", "  receiver: root"]
    for child in tree["routes"]:
        lines += yaml_route(child, "    ")
    lines += ["receivers:", *(f"  - name: {name}" for name in ["root", *receivers])]
    return "\n".join(lines) + "\n"


def amtool_receivers(config: Path, labels: dict[str, str]) -> list[str]:
    argv = [amtool_binary(), "config", "routes", "test", f"--config.file={config}"]
    done = subprocess.run(
        [*argv, *(f'{name}="{value}"' for name, value in labels.items())],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return done.stdout.strip().split(",")


@settings(max_examples=40, deadline=None, database=None)
@given(st.lists(nodes(2), max_size=3), st.lists(LABELS, min_size=1, max_size=4))
def test_routes_taken_agree_with_amtool(children: list[dict[str, Any]], label_sets: list[dict[str, str]]) -> None:
    tree = numbered({"matchers": [], "continue": False, "escalation_policy_id": "root", "routes": children})
    root = compile_route(RouteSpec.model_validate(tree))
    receivers = sorted({route.opts.policy_id or "" for route in root.walk()} - {"root"})
    with tempfile.TemporaryDirectory(prefix="herald-amtool-") as directory:
        config = Path(directory) / "alertmanager.yml"
        config.write_text(alertmanager_yml(tree, receivers))
        for labels in label_sets:
            herald = [route.opts.policy_id for route in root.match(labels)]
            assert amtool_receivers(config, labels) == herald, (config.read_text(), labels)
