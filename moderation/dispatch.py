"""First-characters dispatch: try each rule only at word starts where it can begin.

Python's `re` tries every alternative of a big alternation at every position, so a category
with a hundred patterns costs a hundred attempts per character. Instead we work out, from the
parsed pattern, which three-character prefixes a match can start with, and at each word start
run only the patterns registered under that prefix. Patterns whose start cannot be enumerated
(`\\w+`, `.`, very wide classes) or that do not start at a word boundary stay in a fallback
alternation scanned the ordinary way.

Per post, `WordKeys` collects every word start and its key in one C-level regex pass; a category
whose key set misses the post's keys entirely costs nothing more, otherwise one filter over the
word starts yields the positions to try, already in text order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

KEY_LEN = 3
_MAX_KEYS = 4000
_MAX_CLASS = 64
_WHITESPACE = " \t\n\r\x0b\x0c"
# Every word start's dispatch key (up to KEY_LEN chars, any chars after the first), in one pass.
_KEYS = re.compile(rf"(?s)\b(?=(\w.{{0,{KEY_LEN - 1}}}))")


class WordKeys:
    """The word starts of one post, each with its key, in text order (one C-level regex pass)."""

    __slots__ = ("keys", "starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [(m.start(), m.group(1)) for m in _KEYS.finditer(text)]
        self.keys = frozenset(k for _, k in self.starts)

    def starts_for(self, keyset: frozenset[str]) -> list[tuple[int, str]]:
        """(position, key) of every word start whose key is in keyset, in text order."""
        if self.keys.isdisjoint(keyset):
            return []
        # One filter over the post's ~100 word starts beats a text search per key and a sort.
        return [s for s in self.starts if s[1] in keyset]


class _Unbounded(Exception):
    """The pattern's start cannot be enumerated."""


@dataclass(frozen=True, slots=True)
class Dispatch:
    """Patterns indexed by the first characters a match can start with, plus a fallback."""

    by_key: dict[str, re.Pattern[str]]
    fallback: re.Pattern[str] | None
    keyset: frozenset[str] = frozenset()

    def candidates(self, text: str, words: WordKeys) -> Iterator[re.Match[str]]:
        """Matches in start order (overlapping candidates included; caller skips what it used)."""
        by_key = self.by_key
        starts = words.starts_for(self.keyset)
        if self.fallback is None:
            for pos, key in starts:
                rx = by_key.get(key)
                if rx is not None and (m := rx.match(text, pos)) is not None:
                    yield m
            return
        fb = self.fallback.finditer(text)
        pending = next(fb, None)
        for pos, key in starts:
            while pending is not None and pending.start() < pos:
                yield pending
                pending = next(fb, None)
            rx = by_key.get(key)
            if rx is not None and (m := rx.match(text, pos)) is not None:
                yield m
        while pending is not None:
            yield pending
            pending = next(fb, None)


def word_starts(text: str) -> WordKeys:
    """The word-start keys of a post; computed once per post and shared by every category."""
    return WordKeys(text)


def build(patterns: Sequence[tuple[int, str]]) -> Dispatch:
    """Index (rule index, pattern) pairs by possible start keys; groups are named r<rule>_<n>."""
    keyed: dict[str, list[int]] = {}
    fallback: list[int] = []
    for n, (_, p) in enumerate(patterns):
        keys = start_keys(p)
        if keys is None:
            fallback.append(n)
            continue
        for k in keys:
            keyed.setdefault(k, []).append(n)
    cache: dict[tuple[int, ...], re.Pattern[str]] = {}
    by_key: dict[str, re.Pattern[str]] = {}
    for k, idxs in keyed.items():
        tup = tuple(idxs)
        rx = cache.get(tup)
        if rx is None:
            rx = cache[tup] = _combine(patterns, tup)
        by_key[k] = rx
    return Dispatch(by_key, _combine(patterns, tuple(fallback)) if fallback else None, frozenset(by_key))


def rule_index(group: str) -> int:
    """Rule index from a group name r<rule>_<n> (or r<rule>)."""
    return int(group[1:].partition("_")[0])


def _combine(patterns: Sequence[tuple[int, str]], idxs: tuple[int, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?P<r{patterns[n][0]}_{n}>{patterns[n][1]})" for n in idxs))


def start_keys(pattern: str) -> set[str] | None:
    """Every KEY_LEN-char string a match can start with, or None if unknown or not word-anchored."""
    try:
        items = list(sre_parse.parse(pattern))
    except re.error:
        return None
    if not items or not _word_anchored(items):
        return None
    try:
        done, partial = _seq(items, {""})
    except _Unbounded:
        return None
    if partial:  # the pattern can match fewer than KEY_LEN characters
        return None
    return done


def _word_anchored(items: list[Any]) -> bool:
    """True if the pattern begins with \\b (directly or inside a leading group)."""
    op, av = items[0]
    if op is sre_c.AT:
        return bool(av is sre_c.AT_BOUNDARY)
    if op is sre_c.SUBPATTERN:
        inner = list(av[-1])
        return bool(inner) and _word_anchored(inner)
    if op is sre_c.BRANCH:
        return all(alt and _word_anchored(list(alt)) for alt in av[1])
    return False


def _seq(items: list[Any], partial: set[str]) -> tuple[set[str], set[str]]:
    done: set[str] = set()
    for op, av in items:
        if not partial:
            break
        d, partial = _op(op, av, partial)
        done |= d
        if len(done) + len(partial) > _MAX_KEYS:
            raise _Unbounded
    return done, partial


def _extend(partial: set[str], chars: set[str]) -> tuple[set[str], set[str]]:
    done: set[str] = set()
    nxt: set[str] = set()
    for p in partial:
        for c in chars:
            s = p + c
            (done if len(s) >= KEY_LEN else nxt).add(s)
    return done, nxt


def _op(op: Any, av: Any, partial: set[str]) -> tuple[set[str], set[str]]:
    if op is sre_c.LITERAL:
        return _extend(partial, {chr(av)})
    if op is sre_c.IN:
        return _extend(partial, _class_chars(av))
    if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
        return set(), partial  # zero-width
    if op is sre_c.SUBPATTERN:
        return _seq(list(av[-1]), partial)
    if op is sre_c.BRANCH:
        done: set[str] = set()
        nxt: set[str] = set()
        for alt in av[1]:
            d, p = _seq(list(alt), set(partial))
            done |= d
            nxt |= p
        return done, nxt
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
        lo, hi, item = av
        done = set()
        nxt = set()
        cur = set(partial)
        if lo == 0:
            nxt |= cur
        for n in range(1, min(hi, KEY_LEN) + 1):
            d, cur = _seq(list(item), cur)
            done |= d
            if n >= lo or n == KEY_LEN:
                nxt |= cur
            if not cur:
                break
        return done, nxt
    raise _Unbounded


def _class_chars(av: Any) -> set[str]:
    chars: set[str] = set()
    for op, a in av:
        if op is sre_c.LITERAL:
            chars.add(chr(a))
        elif op is sre_c.RANGE:
            if a[1] - a[0] > _MAX_CLASS:
                raise _Unbounded
            chars.update(chr(c) for c in range(a[0], a[1] + 1))
        elif op is sre_c.CATEGORY and a is sre_c.CATEGORY_DIGIT:
            chars.update("0123456789")
        elif op is sre_c.CATEGORY and a is sre_c.CATEGORY_SPACE:
            chars.update(_WHITESPACE)
        else:
            raise _Unbounded
    return chars
