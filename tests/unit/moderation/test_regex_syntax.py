"""The rule loader's own regex parser (moderation.regex_syntax) and the dispatch keys built on it."""

from __future__ import annotations

import re

import pytest

from moderation.dispatch import start_keys
from moderation.regex_syntax import (
    Anchor,
    Backref,
    Branch,
    Category,
    CharClass,
    Group,
    Literal,
    Lookaround,
    Range,
    Repeat,
    parse,
)


def lits(text: str) -> tuple[Literal, ...]:
    return tuple(Literal(c) for c in text)


@pytest.mark.parametrize(
    ("pattern", "tree"),
    [
        ("ab", lits("ab")),
        # a plain (?:...) is spliced into its sequence; a repeat of one repeats its contents
        ("x(?:ab)y", lits("xaby")),
        ("(?:ab)*", (Repeat(0, None, lits("ab")),)),
        ("(ab)+?", (Repeat(1, None, (Group(lits("ab"), capturing=True),), "lazy"),)),
        ("(?i:ab)", (Group(lits("ab"), capturing=False, flags="i"),)),
        # as in `re`: [x] is x, single characters alternated are one class, a shared first item moves out
        ("[x]", (Literal("x"),)),
        ("[^x]", (CharClass((Literal("x"),), negated=True),)),
        ("a|[bc]|\\d", (CharClass((Literal("a"), Literal("b"), Literal("c"), Category("d"))),)),
        ("ab|ac", (Literal("a"), CharClass((Literal("b"), Literal("c"))))),
        ("ab|cd", (Branch((lits("ab"), lits("cd"))),)),
        ("[a-c\\s-]", (CharClass((Range(97, 99), Category("s"), Literal("-"))),)),
        ("[]a]", (CharClass((Literal("]"), Literal("a"))),)),
        ("[\\b]", (Literal("\b"),)),
        ("\\b\\B^$", (Anchor("b"), Anchor("B"), Anchor("^"), Anchor("$"))),
        ("\\x41\\101\\u00e9\\N{EM DASH}\\.", (*lits("AAé—"), Literal("."))),
        ("(a)\\1", (Group(lits("a"), capturing=True), Backref("1"))),
        ("(?<!a)b", (Lookaround(lits("a"), negative=True, behind=True), Literal("b"))),
        # `{` that starts no valid bound is a literal
        ("a{,2}b{x}c{}", (Repeat(0, 2, lits("a")), *lits("b{x}c{}"))),
        ("(?x) a b # comment\n c", lits("abc")),
        ("a(?#note)b", lits("ab")),
    ],
)
def test_parse(pattern: str, tree: tuple[object, ...]) -> None:
    re.compile(pattern)
    assert parse(pattern) == tree


@pytest.mark.parametrize("pattern", ["(", "(a", "[a", "a)", "\\", "\\q", "*a", "a**"])
def test_malformed_patterns_raise_re_error(pattern: str) -> None:
    with pytest.raises(re.error):
        parse(pattern)


@pytest.mark.parametrize(
    ("pattern", "keys"),
    [
        (r"\bwant to die\b", {"wan"}),
        (r"\b(?:kill|end)\s+(?:my ?self|it)", {"kil", "end"}),
        (r"\b(?:ab|a)c{1,}d", {"abc", "acc", "acd"}),
        (r"\ba{2,}?b", {"aaa", "aab"}),
        (r"\b(?i:abc)", {"abc"}),
        (r"(?x) \b a b c", {"abc"}),
        (r"\b(?=x)ab\d", {f"ab{d}" for d in "0123456789"}),
        # cannot be enumerated, or not anchored at a word start: the fallback scan handles these
        (r"\bno\b", None),  # may match fewer than three characters
        (r"(?<!\w)foo", None),
        (r"\b\w+", None),
        (r"\b.{3}", None),
        (r"\b[^a]bc", None),
        (r"\b(?>abc)", None),
        (r"\bab++c", None),
        (r"\b[a-z]{3}", None),  # 17,576 keys is more than an index is worth
    ],
)
def test_start_keys(pattern: str, keys: set[str] | None) -> None:
    assert start_keys(pattern) == keys
