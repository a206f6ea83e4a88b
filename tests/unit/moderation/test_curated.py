"""Our own curated cases: every category at precision and recall >= 0.9, contact recall >= 0.98."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation import Moderator
from moderation.evaluate import read_cases, score_cases

CASES = Path(__file__).resolve().parents[2] / "data" / "moderation_cases.jsonl"


@pytest.fixture(scope="module")
def scores(moderator: Moderator) -> dict[str, object]:
    cases = read_cases(CASES)
    assert len(cases) >= 180
    return dict(score_cases(moderator, cases))


def test_file_covers_every_category_and_none() -> None:
    cases = read_cases(CASES)
    labels = {c.label for c in cases}
    assert labels >= {"crisis", "relapse", "sourcing", "harassment", "contact", "spam", "none"}
    assert sum(1 for c in cases if c.label == "none") >= 50


@pytest.mark.parametrize("category", ["crisis", "relapse", "sourcing", "harassment", "contact", "spam"])
def test_precision_and_recall(scores: dict[str, object], category: str) -> None:
    s = scores[category]
    assert s.precision >= 0.9, s  # type: ignore[attr-defined]
    assert s.recall >= 0.9, s  # type: ignore[attr-defined]


def test_contact_recall(scores: dict[str, object]) -> None:
    assert scores["contact"].recall >= 0.98  # type: ignore[attr-defined]
