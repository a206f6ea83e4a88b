"""Crisis warning signs in everyday words: means at hand, a place or time chosen, rehearsal,
overdose on purpose, arranging for after, and their look-alikes (recovery stories, idioms,
someone else's story, support for others). 820 posts written for this project (not from the
shared dev data); the rules were developed against them, so this guards what was reached. The
untouched held-out set is bench/data/crisis_heldout.jsonl."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation import Moderator
from moderation.evaluate import read_cases, score_cases
from moderation.types import Category

CASES = Path(__file__).resolve().parents[2] / "data" / "crisis_warning_signs.jsonl"


def test_warning_signs_are_caught_without_flagging_look_alikes(moderator: Moderator) -> None:
    cases = read_cases(CASES)
    assert sum(1 for c in cases if c.label == "crisis") >= 400
    assert sum(1 for c in cases if c.label == "none") >= 400
    s = score_cases(moderator, cases)["crisis"]
    assert s.recall >= 0.90, s
    assert s.precision >= 0.95, s


@pytest.mark.parametrize(
    ("text", "crisis"),
    [
        ("my gun is loaded and sitting on the table next to me", True),
        ("i'm sitting on the edge of the roof right now", True),
        ("if i od this time it won't be an accident", True),
        ("i wrote letters to my mom and my sister. they're in the drawer for after", True),
        ("there's enough fent in this bag to make sure i don't come back and thats the point", True),
        ("took like 30 of my seroquel about an hour ago, feeling really weird", True),
        ("i've been standing on the balcony railing for 10 min", True),
        ("a character in the show i'm watching killed himself in the finale and it hit hard", False),
        ("three years ago i tried to end it. today i'm grateful i'm still here", False),
        ("if you're thinking about suicide please call or text 988. you matter", False),
        ("my friend told me she's been cutting. how do i support her?", False),
        ("gave my hunting rifles to my brother to hold while i'm in early recovery", False),
        ("i could sleep forever after that hike", False),
        ("coworker told me she's been thinking about ending it. i gave her the 988 number", False),
    ],
)
def test_examples(moderator: Moderator, text: str, crisis: bool) -> None:
    verdict = moderator.moderate(text, "default")
    assert (Category.CRISIS in verdict.categories) is crisis, verdict.findings
    if crisis:
        assert verdict.urgent and verdict.notice == "crisis"
