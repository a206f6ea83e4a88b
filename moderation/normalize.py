"""Fold a post into a canonical matching form while remembering original positions."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

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
    """Normalised text plus, per normalised char, the original [start, end) it came from."""

    original: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
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
        self._leet_token = re.compile(rf"[^\s]*[{leet_class}][^\s]*") if leet_class else None
        # Leet chars that only count between letters: they are ordinary punctuation at word edges.
        self._inner_only = frozenset("!|+")
        seps = re.escape(tables.separators)
        n = max(2, tables.min_letters) - 1
        self._spaced = re.compile(rf"(?<![^\W_])(?:[a-z][{seps}]){{{n},}}[a-z](?![^\W_])")
        self._spaced_sep = re.compile(f"[{seps}]")
        self._repeat = re.compile(r"(.)\1{2,}")
        self._keep_double = frozenset(tables.keep_double)

    def normalize(self, original: str) -> NormalizedText:
        """Fold case, look-alikes, accents, emoji, leetspeak, spaced letters and repeats."""
        chars, starts, ends = self._fold(original)
        if self._has_leet is not None and self._has_leet.search("".join(chars)):
            self._unleet(chars)
        text = "".join(chars)
        collapsed = self._spaced.search(text) is not None
        if collapsed:
            text, starts, ends = _rewrite(text, starts, ends, self._spaced, self._despace)
        if self._repeat.search(text):
            text, starts, ends = _rewrite(text, starts, ends, self._repeat, self._squeeze)
        return NormalizedText(original, text, tuple(starts), tuple(ends), collapsed)

    def _fold(self, original: str) -> tuple[list[str], list[int], list[int]]:
        folded = original.translate(self._table)
        if len(folded) == len(original) and (self._odd_re is None or self._odd_re.search(original) is None):
            # Fast path: every char folded to exactly one char, so positions are unchanged.
            idx = list(range(len(original)))
            return list(folded), idx, [i + 1 for i in idx]
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        table = self._table
        for i, ch in enumerate(original):
            for c in table[ord(ch)]:
                chars.append(c)
                starts.append(i)
                ends.append(i + 1)
        return chars, starts, ends

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

    def _unleet(self, chars: list[str]) -> None:
        """Replace leet chars in place (length-preserving) inside words that have letters."""
        assert self._leet_token is not None
        for m in self._leet_token.finditer("".join(chars)):
            i, j = m.span()
            if sum(1 for c in chars[i:j] if c.isalpha()) >= 2:
                self._unleet_token(chars, i, j)

    def _unleet_token(self, chars: list[str], i: int, j: int) -> None:
        leet = self._leet

        def wordish(k: int) -> bool:
            return i <= k < j and (chars[k].isalpha() or chars[k] in leet)

        for k in range(i, j):
            c = chars[k]
            if c not in leet:
                continue
            left, right = wordish(k - 1), wordish(k + 1)
            if c in self._inner_only:
                ok = left and right
            elif c == "@":
                ok = left  # a leading @ is a handle, not an "a"
            else:
                ok = left or right
            if ok:
                chars[k] = leet[c]

    def _despace(self, m: re.Match[str]) -> str:
        return self._spaced_sep.sub("", m.group(0))

    def _squeeze(self, m: re.Match[str]) -> str:
        c = m.group(1)
        return c * 2 if c in self._keep_double else c


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
    starts: list[int],
    ends: list[int],
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
