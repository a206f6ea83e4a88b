"""First-characters dispatch: try each rule only at word starts where it can begin.

Python's `re` tries every alternative of a big alternation at every position, so a category
with a hundred patterns costs a hundred attempts per character. Instead we work out, from the
parsed pattern (regex_syntax.py), which three-character prefixes a match can start with, and at
each word start run only the patterns registered under that prefix. Patterns whose start cannot
be enumerated (`\\w+`, `.`, very wide classes) or that do not start at a word boundary stay in a
fallback alternation scanned the ordinary way.

Per post, `WordKeys` collects every word start and its key in one C-level regex pass; a category
whose key set misses the post's keys entirely costs nothing more, otherwise one filter over the
word starts yields the positions to try, already in text order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from . import regex_syntax
from .regex_syntax import Anchor, Branch, CharClass, Group, Literal, Lookaround, Node, Range, Repeat, Seq

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
        items = regex_syntax.parse(pattern)
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


def _word_anchored(items: Seq) -> bool:
    """True if the pattern begins with \\b (directly or inside a leading group)."""
    node = items[0]
    if isinstance(node, Anchor):
        return node.kind == "b"
    if isinstance(node, Group):
        return bool(node.body) and _word_anchored(node.body)
    if isinstance(node, Branch):
        return all(alt and _word_anchored(alt) for alt in node.alts)
    return False


def _seq(items: Seq, partial: set[str]) -> tuple[set[str], set[str]]:
    done: set[str] = set()
    for node in items:
        if not partial:
            break
        d, partial = _op(node, partial)
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


def _op(node: Node, partial: set[str]) -> tuple[set[str], set[str]]:
    """(keys complete after node, shorter prefixes still open) from the open prefixes before it."""
    if isinstance(node, Literal):
        return _extend(partial, {node.char})
    if isinstance(node, CharClass):
        return _extend(partial, _class_chars(node))
    if isinstance(node, (Anchor, Lookaround)):
        return set(), partial  # zero-width
    if isinstance(node, Group):
        return _seq(node.body, partial)
    if isinstance(node, Branch):
        done: set[str] = set()
        nxt: set[str] = set()
        for alt in node.alts:
            d, p = _seq(alt, set(partial))
            done |= d
            nxt |= p
        return done, nxt
    if isinstance(node, Repeat) and node.mode != "possessive":
        done = set()
        nxt = set()
        cur = set(partial)
        if node.lo == 0:
            nxt |= cur
        top = KEY_LEN if node.hi is None else min(node.hi, KEY_LEN)
        for n in range(1, top + 1):
            d, cur = _seq(node.body, cur)
            done |= d
            if n >= node.lo or n == KEY_LEN:
                nxt |= cur
            if not cur:
                break
        return done, nxt
    # `.`, atomic groups, possessive repeats, backreferences, conditionals: not enumerated.
    raise _Unbounded


def _class_chars(node: CharClass) -> set[str]:
    if node.negated:
        raise _Unbounded
    chars: set[str] = set()
    for item in node.items:
        if isinstance(item, Literal):
            chars.add(item.char)
        elif isinstance(item, Range):
            if item.hi - item.lo > _MAX_CLASS:
                raise _Unbounded
            chars.update(chr(c) for c in range(item.lo, item.hi + 1))
        elif item.name == "d":
            chars.update("0123456789")
        elif item.name == "s":
            chars.update(_WHITESPACE)
        else:
            raise _Unbounded
    return chars
