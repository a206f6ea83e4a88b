"""A non-editable install carries every subpackage and data file, and building one prints no warnings.

The wheel is built the way ``pip install .`` builds it (an isolated PEP 517 build), from a fresh copy
of the tree: setuptools builds in place and reuses ``build/``, where a stale file from an earlier build
would hide a missing one. Then it is unpacked and imported on its own, with the source tree out of the way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("service", "channels", "moderation")
MUST_SHIP = [
    "service/base/settings.py",
    "service/stores/redis_conn.py",
    "service/actions/seed.py",
    "service/http/openapi.py",
    "service/realtime/posting.py",
    "channels/lua/append.lua",
    "moderation/rules.py",  # beside the rules/ directory of the same name: both must ship
    "moderation/rules/crisis.toml",
    "moderation/rules/policy.toml",
    "moderation/models/crisis.f32",
    "moderation/models/crisis.json",
    "moderation/data/dev_harassment.jsonl",
    "moderation/data/LICENSE-dev_harassment",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The wheel and everything the build printed."""
    out = tmp_path_factory.mktemp("wheel")
    tree = tmp_path_factory.mktemp("tree")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, tree / name)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(out), str(tree)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    printed = result.stdout + result.stderr
    assert result.returncode == 0, printed[-3000:]
    wheels = list(out.glob("between-*.whl"))
    assert len(wheels) == 1, printed[-3000:]
    return wheels[0], printed


def test_the_build_prints_no_package_would_be_ignored_warnings(built: tuple[Path, str]) -> None:
    _, printed = built
    assert "would be ignored" not in printed.lower(), printed[-3000:]
    # The setuptools step really ran and was shown (-v): the check above looked at its output.
    assert "running build_py" in printed


def test_the_wheel_holds_every_module_of_the_tree_and_its_data_files(built: tuple[Path, str]) -> None:
    wheel, _ = built
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in MUST_SHIP if name not in names]
    assert not missing, f"not in the wheel: {missing}"
    modules = {str(p.relative_to(ROOT)) for package in PACKAGES for p in (ROOT / package).rglob("*.py")
               if "__pycache__" not in p.parts}
    assert modules - names == set(), "a subpackage or module would be left out of a non-editable install"
    assert not any("__pycache__" in name or name.startswith(("tests/", "bench/")) for name in names)


def test_the_unpacked_wheel_imports_serves_help_and_finds_its_data(built: tuple[Path, str], tmp_path: Path) -> None:
    wheel, _ = built
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    # Run from an empty directory with only the unpacked wheel on the path ahead of the dependencies;
    # the editable install of this tree (a meta-path finder appended last) never gets a say.
    check = (
        "import pathlib, sys\n"
        "import service.app, channels.scripts, moderation.linear, moderation.rules\n"
        "from moderation.pipeline import Moderator\n"
        f"site = pathlib.Path({str(site)!r})\n"
        "for mod in (service.app, channels.scripts, moderation.linear, moderation.rules):\n"
        "    assert pathlib.Path(mod.__file__).is_relative_to(site), mod.__file__\n"
        "assert (channels.scripts.LUA_DIR / 'append.lua').is_file()\n"
        "Moderator.load(None, None, classifier=moderation.linear.shipped_classifier())\n"
        "from service.cli import main\n"
        "sys.argv = ['between', '--help']\n"
        "main()\n"
    )
    result = subprocess.run([sys.executable, "-c", check], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(site)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "usage: between" in result.stdout and "admin" in result.stdout
