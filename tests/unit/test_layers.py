"""The layers of docs/architecture.md, checked over every product module's imports.

The nested ruff.toml files fence the same arrows while editing; this test is the whole table,
including what ruff cannot say (e.g. that only worker.py imports activities).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = {
    "workflows", "models", "egress", "channels", "rules", "noise", "gateway", "activities", "api", "devstack",
    "settings", "worker", "cli", "configcode", "amapi", "telemetry",
}  # fmt: skip

# What each layer may import, besides itself (top of the table = top of the stack).
ALLOWED: dict[str, set[str]] = {
    "cli": FIRST_PARTY,
    # config as code: the YAML document, its diff and the Alertmanager import, checked with the API's schemas
    "configcode": {"amapi", "api", "noise", "channels", "models", "workflows", "settings"},
    "devstack": {"gateway", "models", "workflows", "settings"},
    "worker": {
        "activities",
        "gateway",
        "noise",
        "channels",
        "rules",
        "egress",
        "models",
        "workflows",
        "settings",
        "telemetry",
    },
    "api": {"amapi", "gateway", "noise", "channels", "rules", "egress", "models", "workflows", "settings", "telemetry"},
    "activities": {"gateway", "noise", "channels", "rules", "egress", "models", "workflows", "settings", "telemetry"},
    "gateway": {"workflows", "settings", "telemetry"},
    "amapi": {"workflows"},  # Alertmanager API v2 as pure protocol code: fingerprints, shapes, mapping
    "noise": {"models", "workflows"},  # matchers, routes, silences: pure decisions over label sets
    "rules": {"channels", "egress", "models", "workflows"},
    "channels": {"egress", "models", "workflows"},
    "telemetry": set(),  # a leaf: metrics, JSON logs, tracing for every entry point and activity
    "egress": set(),  # a leaf: the entry points build its policy from settings
    "models": {"workflows"},
    "workflows": set(),
    "settings": {"workflows"},  # the tenant-id rule of workflows/ids.py
}


def _layer(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & FIRST_PARTY


def _product_modules() -> list[Path]:
    modules = [ROOT / f"{name}.py" for name in ("settings", "worker", "cli")]
    for package in ALLOWED:
        folder = ROOT / package
        if folder.is_dir():
            modules += sorted(folder.rglob("*.py"))
    return modules


def test_every_import_points_down_the_layers() -> None:
    wrong = []
    for path in _product_modules():
        layer = _layer(path)
        for imported in _imports(path) - {layer} - ALLOWED[layer]:
            wrong.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert wrong == []


def test_only_the_worker_imports_activities() -> None:
    importers = {
        str(path.relative_to(ROOT))
        for path in _product_modules()
        if "activities" in _imports(path) and _layer(path) != "activities"
    }
    assert importers == {"worker.py"}


def test_the_table_knows_every_top_level_package() -> None:
    packages = {
        p.name
        for p in ROOT.iterdir()
        if (p / "__init__.py").exists() and p.name not in {"tests", "migrations", "bench"}
    }
    assert packages <= set(ALLOWED)


def test_the_distribution_ships_every_top_level_package() -> None:
    """A package pyproject.toml does not list is missing from an installed Herald (`pip install .`):
    the API of a fresh checkout then fails at its first import."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    shipped = {pattern.rstrip("*") for pattern in config["tool"]["setuptools"]["packages"]["find"]["include"]}
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in {"tests", "bench"}}
    assert packages - shipped == set()


def test_the_image_copies_every_top_level_package() -> None:
    """deploy/Dockerfile copies packages one by one: a new one left out is an image whose API cannot start."""
    copied = {
        line.split()[1]
        for line in (ROOT / "deploy" / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ") and not line.startswith("COPY --")
    }
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists() and p.name not in {"tests", "bench"}}
    assert packages - copied == set()
