"""The house's floor plan holds: imports only run down the layers of service/, never up or across.

Layers, bottom first: ``service/protocol.py`` (the wire) and ``service/base/``; ``service/stores/``;
``service/actions/``; the two entry layers ``service/http/`` and ``service/realtime/`` (peers that
never import each other); on top ``service/app.py`` (the composition root), and ``service/cli.py``
over it. ``channels/`` and ``moderation/`` never import ``service/`` or each other. TYPE_CHECKING
imports count too: an arrow is an arrow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

RANK = {"protocol": 0, "base": 0, "stores": 1, "actions": 2, "http": 3, "realtime": 3, "app": 4, "cli": 5}


def layer_of(module: str) -> str | None:
    """'service.stores.keys' -> 'stores'; 'service.app' -> 'app'; other packages -> None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "service" and len(parts) > 1 else None


def imports_of(path: Path) -> set[str]:
    """Every absolute module a file imports (including under TYPE_CHECKING and inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


SERVICE_FILES = sorted(p for p in (ROOT / "service").rglob("*.py"))


@pytest.mark.parametrize("path", SERVICE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_service_imports_run_down_the_layers(path: Path) -> None:
    here = layer_of(module_name(path))
    if here is None:  # service/__init__.py
        return
    for target in imports_of(path):
        there = layer_of(target)
        if there is None or there not in RANK or there == here:
            continue
        assert RANK[there] < RANK[here], f"{module_name(path)} ({here}) imports {target} ({there})"


@pytest.mark.parametrize("package", ["channels", "moderation"])
def test_channels_and_moderation_stay_independent(package: str) -> None:
    other = {"channels": "moderation", "moderation": "channels"}[package]
    for path in (ROOT / package).rglob("*.py"):
        for target in imports_of(path):
            root = target.split(".")[0]
            assert root not in ("service", other), f"{module_name(path)} imports {target}"


def test_every_subpackage_says_what_lives_there_and_what_it_may_import() -> None:
    for init in (ROOT / "service").glob("*/__init__.py"):
        doc = (ast.get_docstring(ast.parse(init.read_text())) or "").lower()
        assert "may import" in doc, f"{init.relative_to(ROOT)} has no docstring naming what it may import"
