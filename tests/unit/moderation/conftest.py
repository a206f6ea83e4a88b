"""Fixtures for moderation tests: one Moderator for the package rules, and shared-data lookup."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from moderation import Moderator

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def moderator() -> Moderator:
    """The pipeline with the shipped rules and policy."""
    return Moderator.load()


def shared_data_dir() -> Path:
    """Where the dev data lives: $BETWEEN_SHARED_DIR or <repo>/../shared."""
    base = os.environ.get("BETWEEN_SHARED_DIR")
    return (Path(base) if base else REPO.parent / "shared") / "data" / "moderation"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The dev data directory; skipped when absent, except on CI where it must exist."""
    path = shared_data_dir()
    if not (path / "dev_crisis.jsonl").exists():
        if os.environ.get("CI"):
            pytest.fail(f"shared moderation data missing at {path}")
        pytest.skip("shared moderation dev data not available")
    return path
