"""Cost shape on long and pathological posts: work grows linearly with post length.

No wall-clock thresholds: each case compares the best-of-N time of a 4,000-char post with a
500-char post built the same way. Linear work gives a ratio near 8, quadratic near 64; the bound
is generous so a loaded machine cannot fail it, while catastrophic backtracking still does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from moderation import Moderator
from moderation.rules import RULES_DIR, RuleError, unbounded_group_repeat

SMALL, LARGE = 500, 4000
MAX_RATIO = 30.0


def _fill(unit: str) -> Callable[[int], str]:
    return lambda n: (unit * (n // len(unit) + 1))[:n]


CASES: dict[str, Callable[[int], str]] = {
    "one_long_word": _fill("x"),
    "long_word_then_at": lambda n: "x" * (n - 1) + "@",
    "long_word_then_digit": lambda n: "x" * (n - 1) + "1",
    "single_letters": _fill("a "),
    "digit_words": _fill("1 "),
    "digits": _fill("1"),
    "number_words": lambda n: _fill("one ")(n - 1) + "x",
    "adverb_stack": _fill("so "),
    "i_want_to": _fill("i want to "),
    "spaced_letters": _fill("k i l l "),
    "leet": _fill("h3ll0 w0rld "),
    "emoji_wall": _fill("💊"),
    "emoji_mixed": _fill("1💊x❄️ "),
    "zalgo": _fill("z\u0301\u0302\u0303"),
    "quotes": _fill("'a' "),
    "phone_like": _fill("555 1234 "),
    "street_like": _fill("12 main "),
    "benign_prose": _fill("one day at a time, steady steps, "),
}


def _best(mod: Moderator, text: str, rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        mod.moderate(text, "default")
        best = min(best, time.perf_counter() - t0)
    return best


@pytest.mark.parametrize("name", sorted(CASES))
def test_work_is_linear_in_length(moderator: Moderator, name: str) -> None:
    make = CASES[name]
    small, large = make(SMALL), make(LARGE)
    moderator.moderate(small, "default")  # warm the fold cache
    moderator.moderate(large, "default")
    t_small = max(_best(moderator, small), 20e-6)  # floor: timer resolution and call overhead
    t_large = _best(moderator, large)
    assert t_large / t_small < MAX_RATIO, (name, t_small, t_large)


@pytest.mark.parametrize(
    ("pattern", "bad"),
    [
        (r"\b(?:really |just )*want", True),
        (r"\b(?:ab|cd)+c", True),
        (r"(?:x\s+){2,}", True),
        (r"\b(?:really |just ){0,4}want", False),
        (r"[\w.+-]+@\w+", False),
        (r"\bno\s*(?:way|point)\b", False),
    ],
)
def test_unbounded_group_repeat_detected(pattern: str, bad: bool) -> None:
    assert unbounded_group_repeat(pattern) is bad


def test_loader_rejects_backtracking_prone_rule(tmp_path: Path) -> None:
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    path = rules / "crisis.toml"
    path.write_text(path.read_text() + "\n[[rules]]\nid = 'slow'\nseverity = 1\npatterns = ['\\b(?:so |very )*sad']\n")
    with pytest.raises(RuleError, match="slow"):
        Moderator.load(rules)


def test_shipped_rules_are_linear() -> None:
    Moderator.load()  # the loader itself enforces bounded group repeats
