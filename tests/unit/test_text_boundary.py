"""What a post may contain: every script and emoji survive; controls, bidi overrides and stray tags do not."""

from __future__ import annotations

import pytest

from service.base.text import clean_text

KEPT = [
    "plain words, with tabs\tand\nnewlines",
    "مرحبا بالجميع — שלום לכולם — नमस्ते — こんにちは — 안녕하세요",
    "family 👨\u200d👩\u200d👧 and skin tones 👍🏽 and flags 🇺🇸 "
    "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "an Arabic name with a mark: \u200fسام\u200f",
]


@pytest.mark.parametrize("text", KEPT)
def test_every_script_and_emoji_survive(text: str) -> None:
    assert clean_text(text) == text


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("sam\u202egnp.exe", "samgnp.exe"),  # right-to-left override spoofing a file name or handle
        ("hi\u2066 there\u2069", "hi there"),  # isolates
        ("nul\x00 and esc\x1b[31m red", "nul and esc[31m red"),
        ("c1\x85 controls\x9b", "c1 controls"),
        ("hidden \U000e0068\U000e0069 tags", "hidden  tags"),  # tag characters outside a flag
        ("\ufeffbom", "bom"),
    ],
)
def test_controls_overrides_and_tags_are_removed(text: str, cleaned: str) -> None:
    assert clean_text(text) == cleaned
