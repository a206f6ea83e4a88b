"""Harassment as peer groups see it and contact details in disguise, on posts written for this
project by someone who never saw the rules (tests/data/harassment_cases.jsonl,
tests/data/recovery_cases.jsonl). The rules were then developed against them, so these guard what
was reached; bench/data/harassment_heldout.jsonl stays untouched for measuring."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation import Moderator
from moderation.evaluate import read_cases, score_cases

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.mark.parametrize(
    ("file", "category", "recall", "precision"),
    [
        ("harassment_cases.jsonl", "harassment", 0.90, 0.95),
        ("recovery_cases.jsonl", "contact", 0.98, 0.98),
    ],
)
def test_category_on_independent_posts(
    moderator: Moderator, file: str, category: str, recall: float, precision: float
) -> None:
    cases = read_cases(DATA / file)
    assert len(cases) >= 200
    s = score_cases(moderator, cases)[category]
    assert s.recall >= recall, s
    assert s.precision >= precision, s
