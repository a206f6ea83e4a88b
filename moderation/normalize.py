"""Fold a post into a canonical matching form while remembering original positions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat

# Zero-width and presentation characters carry no meaning for matching.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\ufe0e\ufe0f\u00ad")


@dataclass(frozen=True, slots=True)
class NormalizeTables:
    """Data-driven tables from rules/normalize.toml."""

    confusables: Mapping[str, str] = field(default_factory=dict)
    leet: Mapping[str, str] = field(default_factory=dict)
    emoji: Mapping[str, str] = field(default_factory=dict)
    keep_double: str = "bcdeflmnoprstz"
    separators: str = " .-_*"
    min_letters: int = 3


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """Normalised text plus, per normalised char, the original [start, end) it came from.

    `starts`/`ends` are `range` objects when every char kept its position (the common case), so
    building them costs nothing whatever the post length.
    """

    original: str
    text: str
    starts: Sequence[int]
    ends: Sequence[int]
    collapsed: bool = False

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised [start, end) span back to the original text."""
        if not self.text or end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


class Normalizer:
    """Compiled normaliser; build once per rule load and reuse for every post."""

    def __init__(self, tables: NormalizeTables) -> None:
        self._tables = tables
        self._odd: set[str] = set()
        self._odd_re: re.Pattern[str] | None = None
        self._table = _FoldTable(self)
        self._leet = dict(tables.leet)
        leet_class = "".join(re.escape(c) for c in tables.leet)
        self._has_leet = re.compile(f"[{leet_class}]") if leet_class else None
        # Anchored at a token start so a long token is tried once, not once per character.
        self._leet_token = re.compile(rf"(?<!\S)\S*[{leet_class}]\S*") if leet_class else None
        self._two_letters = re.compile(r"[^\W\d_]\S*?[^\W\d_]")
        # Leet chars that only count between letters: they are ordinary punctuation at word edges.
        self._inner_only = frozenset("!|+")
        self._leet_sub = _leet_substitution(tables.leet, self._inner_only)
        seps = re.escape(tables.separators)
        n = max(2, tables.min_letters) - 1
        self._spaced = re.compile(rf"(?<![^\W_])(?:[a-z][{seps}]){{{n},}}[a-z](?![^\W_])")
        self._spaced_sep = re.compile(f"[{seps}]")
        # Whitespace runs are left alone: rules match any run of spaces, and squeezing them would
        # cost a Python callback per run (an emoji-heavy post has one between every emoji).
        self._repeat = re.compile(r"(\S)\1{2,}")
        # A wall of the same emoji ("💊💊💊💊") means what one does; each would otherwise expand to
        # a padded placeholder and multiply the text the rules scan.
        names = sorted({v for v in tables.emoji.values() if v}, key=len, reverse=True)
        alts = "|".join(re.escape(v) for v in names)
        self._emoji_run = re.compile(rf"( (?:{alts}) )(?:\s*\1){{1,}}") if names else None
        self._keep_double = frozenset(tables.keep_double)

    def normalize(self, original: str) -> NormalizedText:
        """Fold case, look-alikes, accents, emoji, leetspeak, spaced letters and repeats."""
        text, starts, ends = self._fold(original)
        if self._emoji_run is not None and not isinstance(starts, range) and self._emoji_run.search(text):
            text, starts, ends = _rewrite(text, starts, ends, self._emoji_run, _first_group)
        if self._has_leet is not None and self._has_leet.search(text):
            text = self._unleet(text)
        collapsed = self._spaced.search(text) is not None
        if collapsed:
            text, starts, ends = _rewrite(text, starts, ends, self._spaced, self._despace)
        if self._repeat.search(text):
            text, starts, ends = _rewrite(text, starts, ends, self._repeat, self._squeeze)
        return NormalizedText(original, text, starts, ends, collapsed)

    def _fold(self, original: str) -> tuple[str, Sequence[int], Sequence[int]]:
        folded = original.translate(self._table)  # may discover new odd chars: read _odd_re after
        n = len(original)
        odd = self._odd_re
        if len(folded) == n and (odd is None or odd.search(original) is None):
            # Fast path: every char folded to exactly one char, so positions are unchanged.
            return folded, range(n), range(1, n + 1)
        assert odd is not None
        table = self._table
        hits = [m.start() for m in odd.finditer(original)]
        if len(hits) > 32:
            # Many odd chars (a wall of emoji): expand positions with C-level iterators only.
            lens = list(map(len, map(table.__getitem__, map(ord, original))))
            starts_all = list(chain.from_iterable(map(repeat, range(n), lens)))
            ends_all = list(chain.from_iterable(map(repeat, range(1, n + 1), lens)))
            return folded, starts_all, ends_all
        # Only the chars whose fold changes length need per-char work; runs between them map 1:1.
        starts: list[int] = []
        ends: list[int] = []
        pos = 0
        for i in hits:
            starts.extend(range(pos, i))
            ends.extend(range(pos + 1, i + 1))
            k = len(table[ord(original[i])])
            starts.extend([i] * k)
            ends.extend([i + 1] * k)
            pos = i + 1
        starts.extend(range(pos, n))
        ends.extend(range(pos + 1, n + 1))
        return folded, starts, ends

    def fold_char(self, ch: str) -> str:
        """Fold one character (cached by the translate table)."""
        out = self._fold_char(ch)
        if len(out) != 1:
            # Remember chars that change length so the fast path knows to map positions.
            self._odd.add(ch)
            self._odd_re = re.compile("[" + "".join(re.escape(c) for c in sorted(self._odd)) + "]")
        return out

    def _fold_char(self, ch: str) -> str:
        t = self._tables
        if ch in _INVISIBLE:
            return ""
        if ch in t.emoji:
            return f" {t.emoji[ch]} "
        if ch in t.confusables:
            return t.confusables[ch]
        if ch.isspace():
            return "\n" if ch == "\n" else " "
        decomposed = unicodedata.normalize("NFKD", ch)
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        out = "".join(t.confusables.get(c, c) for c in base.lower())
        return out if out else ch

    def _unleet(self, text: str) -> str:
        """Replace leet chars (length-preserving) inside words that have at least two letters."""
        assert self._leet_token is not None
        out: list[str] = []
        pos = 0
        for m in self._leet_token.finditer(text):
            i, j = m.span()
            if self._two_letters.search(text, i, j) is None:
                continue
            out.append(text[pos:i])
            out.append(self._leet_sub(text[i:j]))
            pos = j
        if not out:
            return text
        out.append(text[pos:])
        return "".join(out)

    def _despace(self, m: re.Match[str]) -> str:
        return self._spaced_sep.sub("", m.group(0))

    def _squeeze(self, m: re.Match[str]) -> str:
        c = m.group(1)
        return c * 2 if c in self._keep_double else c


def _first_group(m: re.Match[str]) -> str:
    return m.group(1)


class _FoldTable(dict[int, str]):
    """str.translate table that folds and caches each character on first sight."""

    def __init__(self, owner: Normalizer) -> None:
        super().__init__()
        self._owner = owner

    def __missing__(self, key: int) -> str:
        out = self._owner.fold_char(chr(key))
        if len(self) < 50_000:
            self[key] = out
        return out


def _rewrite(
    text: str,
    starts: Sequence[int],
    ends: Sequence[int],
    pattern: re.Pattern[str],
    repl: Callable[[re.Match[str]], str],
) -> tuple[str, list[int], list[int]]:
    """Regex substitution that keeps the position maps in step."""
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        a, b = m.span()
        out.append(text[pos:a])
        new_starts.extend(starts[pos:a])
        new_ends.extend(ends[pos:a])
        r = repl(m)
        out.append(r)
        if r:
            new_starts.extend([starts[a]] * len(r))
            new_ends.extend([ends[b - 1]] * len(r))
        pos = b
    out.append(text[pos:])
    new_starts.extend(starts[pos:])
    new_ends.extend(ends[pos:])
    return "".join(out), new_starts, new_ends


def _leet_substitution(leet: Mapping[str, str], inner_only: frozenset[str]) -> Callable[[str], str]:
    """Length-preserving leet replacement within one token, as a single regex substitution.

    A leet char counts when a neighbour in the token is "wordish" (a letter or another leet char):
    `!|+` need both neighbours, a leading `@` is a handle so `@` needs a left neighbour, every
    other leet char needs either. Decisions look at the original token, so one pass suffices.
    """
    if not leet:
        return lambda token: token

    def cls(chars: Iterable[str]) -> str:
        return "".join(re.escape(c) for c in sorted(chars))

    wordish = rf"(?:[^\W\d_]|[{cls(leet)}])"
    inner = [c for c in leet if c in inner_only]
    other = [c for c in leet if c not in inner_only and c != "@"]
    after_word: list[str] = []
    if inner:
        after_word.append(rf"[{cls(inner)}](?={wordish})")
    if "@" in leet:
        after_word.append("@")
    if other:
        after_word.append(f"[{cls(other)}]")
    alts = [f"(?<={wordish})(?:{'|'.join(after_word)})"] if after_word else []
    if other:
        alts.append(rf"[{cls(other)}](?={wordish})")
    rx = re.compile("|".join(alts))
    table = dict(leet)

    def repl(m: re.Match[str]) -> str:
        return table[m.group()]

    return lambda token: rx.sub(repl, token)
