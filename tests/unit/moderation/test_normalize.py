"""Normalisation: each obfuscation trick folds to plain text, and spans map back."""

from __future__ import annotations

import pytest

from moderation import Moderator


def norm(moderator: Moderator, text: str) -> str:
    return moderator._loaded.normalizer.normalize(text).text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("I WANT TO DIE", "i want to die"),  # case
        ("і wаnt tо dіе", "i want to die"),  # Cyrillic look-alikes
        ("ι ωαnt το die", "i want to die"),  # Greek look-alikes
        ("Ｉ ｗａｎｔ ｔｏ ｄｉｅ", "i want to die"),  # fullwidth
        ("jé veüx mourír", "je veux mourir"),  # accents
        ("k1ll mys3lf", "kill myself"),  # leetspeak digits
        ("$h1t", "shit"),  # leetspeak symbols
        ("b!tch", "bitch"),  # ! between letters
        ("k i l l m y s e l f", "killmyself"),  # spaced-out letters
        ("k.i.l.l", "kill"),  # dotted letters
        ("i wanna diiiiie", "i wanna die"),  # repeated vowels
        ("killlll", "kill"),  # repeated doubled consonant
        ("sooooo sad", "soo sad"),  # long runs collapse
        ("it’s", "it's"),  # curly apostrophe
        ("in\u200bvisible", "invisible"),  # zero-width space
    ],
)
def test_tricks_fold(moderator: Moderator, raw: str, expected: str) -> None:
    assert norm(moderator, raw) == expected


def test_numbers_are_not_leet(moderator: Moderator) -> None:
    assert norm(moderator, "call 988 or text 741741") == "call 988 or text 741741"
    assert norm(moderator, "@handle") == "@handle"


def test_emoji_become_placeholders(moderator: Moderator) -> None:
    text = norm(moderator, "anyone 💊 ❄️")
    assert "xpill" in text and "xsnow" in text
    assert "\ufe0f" not in text


def test_spans_map_back_to_original(moderator: Moderator) -> None:
    raw = "Ｉ　ｗａｎｎａ  ｋ１ｌｌ ｍｙｓ３ｌｆ!!"
    n = moderator._loaded.normalizer.normalize(raw)
    i = n.text.index("kill")
    start, end = n.span(i, i + len("kill myself"))
    assert raw[start:end] == "ｋ１ｌｌ ｍｙｓ３ｌｆ"


def test_spans_for_collapsed_and_repeated(moderator: Moderator) -> None:
    raw = "ok k i l l m y s e l f now"
    n = moderator._loaded.normalizer.normalize(raw)
    i = n.text.index("killmyself")
    start, end = n.span(i, i + len("killmyself"))
    assert raw[start:end] == "k i l l m y s e l f"
    raw2 = "diiiiie"
    n2 = moderator._loaded.normalizer.normalize(raw2)
    assert n2.text == "die"
    assert n2.span(0, 3) == (0, len(raw2))


def test_finding_span_is_original(moderator: Moderator) -> None:
    raw = "honestly І wаnt tо dіе tonight"
    v = moderator.moderate(raw, "default")
    f = next(f for f in v.findings if f.category == "crisis")
    assert "І wаnt tо dіе" in raw[f.start : f.end]
