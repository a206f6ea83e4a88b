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
    """Where the evaluation-only dev data lives: $BETWEEN_SHARED_DIR or <repo>/../shared."""
    base = os.environ.get("BETWEEN_SHARED_DIR")
    return (Path(base) if base else REPO.parent / "shared") / "data" / "moderation"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared dev data directory (dev_crisis); skipped when absent, a failure when CI=true.

    Every test that reads ../shared goes through this fixture. dev_harassment is in the
    repository (moderation/data) and needs no fixture.
    """
    path = shared_data_dir()
    if not (path / "dev_crisis.jsonl").is_file():
        reason = f"shared moderation dev data not found at {path} (set BETWEEN_SHARED_DIR)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return path
