"""Run a compiled RuleSet over one post and return findings with original spans."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable

from .dispatch import WordKeys, rule_index, word_starts
from .normalize import NormalizedText
from .rules import CategoryRules, ContextCues, RawPatterns, Rule, canonical_number
from .types import Finding

_WORD = re.compile(r"[a-z']+")
# A quotation: straight double quotes, or single quotes that open after a non-word char
# and close before one (so "you're" inside the quote does not end it).
_QUOTE = re.compile(r"\"[^\"\n]{1,300}\"|(?<!\w)'[^\n]{1,300}?'(?!\w)")


class _Scan:
    """Per-post lazily computed context shared by every category."""

    __slots__ = ("_clauses", "_exceptions", "_quotes", "cues", "norm", "words")

    def __init__(self, norm: NormalizedText, cues: ContextCues, words: WordKeys) -> None:
        self.norm = norm
        self.cues = cues
        self.words = words
        self._clauses: list[int] | None = None
        self._quotes: list[tuple[int, int]] | None = None
        self._exceptions: dict[str, list[tuple[int, int]]] = {}

    def clause_start(self, pos: int) -> int:
        if self._clauses is None:
            self._clauses = [m.end() for m in self.cues.clause_break.finditer(self.norm.text)]
        i = bisect_right(self._clauses, pos) - 1
        return self._clauses[i] if i >= 0 else 0

    def clause_end(self, pos: int) -> int:
        self.clause_start(pos)
        assert self._clauses is not None
        i = bisect_right(self._clauses, pos)
        return self._clauses[i] if i < len(self._clauses) else len(self.norm.text)

    def excepted(self, cat: CategoryRules, a: int, b: int) -> bool:
        if cat.exceptions is None:
            return False
        spans = self._exceptions.get(cat.category)
        if spans is None:
            # Every exception match at a word start, overlapping ones included: a hit touching any is cancelled.
            found = cat.exceptions.candidates(self.norm.text, self.words)
            spans = self._exceptions[cat.category] = [e.span() for e in found]
        return any(x < b and a < y for x, y in spans)

    def quoted(self, start: int, end: int) -> bool:
        if self._quotes is None:
            self._quotes = [m.span() for m in _QUOTE.finditer(self.norm.text)]
        return any(a < start and end <= b for a, b in self._quotes)

    def negated(self, start: int) -> bool:
        lo = max(self.clause_start(start), start - 60)
        words = _WORD.findall(self.norm.text, lo, start)
        window = words[-self.cues.negation_window :]
        neg = self.cues.negation
        if not any(w in neg for w in window):
            return False
        pseudo = self.cues.pseudo_negation
        # "never been closer to", "reason not to": the cue is there but does not negate.
        return pseudo is None or pseudo.search(" ".join(words[-self.cues.negation_window - 2 :])) is None

    def story(self, start: int, end: int) -> bool:
        if self.cues.story is None:
            return False
        # Clause, not sentence: a long run-on post can mention "years ago" and a current wish.
        s = self.clause_start(start)
        e = self.clause_end(end)
        return self.cues.story.search(self.norm.text, s, e) is not None


def scan(norm: NormalizedText, cues: ContextCues, categories: tuple[CategoryRules, ...]) -> list[Finding]:
    """All findings for one normalised post."""
    starts = word_starts(norm.text)
    ctx = _Scan(norm, cues, starts)
    findings: list[Finding] = []
    raw = _RawText(norm.original)
    raw.share_words(norm.text, starts)
    for cat in categories:
        if norm.collapsed and cat.loose is not None:
            # Spaced-out letters were collapsed into one word: use the variant whose spaces may be absent.
            _accept(ctx, cat, cat.normalized_rules, cat.loose.candidates(norm.text, starts), findings)
        elif cat.normalized is not None:
            _accept(ctx, cat, cat.normalized_rules, cat.normalized.candidates(norm.text, starts), findings)
        if cat.raw is not None:
            _scan_raw(raw, cat.raw, cat.raw_rules, findings)
        for g in cat.gated:
            text = raw.lowered_or_folded
            if g.rule.gate and not any(s in text for s in g.rule.gate):
                continue
            if g.gate_regex is not None and g.gate_regex.search(text) is None:
                continue
            _scan_raw(raw, g.patterns, (g.rule,), findings)
    return findings


def _accept(
    ctx: _Scan, cat: CategoryRules, rules: tuple[Rule, ...], matches: Iterable[re.Match[str]], out: list[Finding]
) -> None:
    last_end = 0
    for m in matches:
        a, b = m.span()
        if a < last_end or a == b:
            continue
        rule = rules[rule_index(m.lastgroup)] if m.lastgroup else rules[0]
        if ctx.excepted(cat, a, b) or _suppressed(ctx, rule, a, b):
            continue
        start, end = ctx.norm.span(a, b)
        out.append(Finding(rule.category, rule.severity, rule.id, start, end, rule.explanation))
        last_end = b


def _suppressed(ctx: _Scan, rule: Rule, a: int, b: int) -> bool:
    """Negation, recovery-story and quotation context that turns a hit into a non-hit."""
    if rule.negatable and ctx.negated(a):
        return True
    if rule.story and ctx.story(a, b):
        return True
    return rule.quotable and ctx.quoted(a, b)


class _RawText:
    """The original text, width-folded and lowercased once, for original-text rules."""

    __slots__ = ("_words", "folded", "lowered", "lowered_or_folded")

    def __init__(self, original: str) -> None:
        folded = original
        if not original.isascii():
            nfkc = unicodedata.normalize("NFKC", original)
            # Fold fullwidth digits and letters only when every position stays in place.
            if len(nfkc) == len(original):
                folded = nfkc
        lowered = folded.lower()
        self.folded = folded
        self.lowered: str | None = lowered if len(lowered) == len(folded) else None
        self.lowered_or_folded = lowered
        self._words: WordKeys | None = None

    def share_words(self, text: str, words: WordKeys) -> None:
        """Reuse the normalised text's word starts when normalising changed nothing (the usual case)."""
        if text == self.lowered:
            self._words = words

    def words(self, lowered: str) -> WordKeys:
        """Word-start keys of the lowercased text (built on first use, shared by raw rules)."""
        if self._words is None:
            self._words = word_starts(lowered)
        return self._words


def _scan_raw(raw: _RawText, patterns: RawPatterns, rules: tuple[Rule, ...], out: list[Finding]) -> None:
    matches: Iterable[re.Match[str]]
    if raw.lowered is not None and patterns.dispatch is not None:
        # Same matches as finditer over the alternation (leftmost, non-overlapping), found via
        # word-start dispatch instead of trying every alternative at every character.
        matches = patterns.dispatch.candidates(raw.lowered, raw.words(raw.lowered))
    elif raw.lowered is not None:
        matches = patterns.lower.finditer(raw.lowered)
    else:
        matches = patterns.folded.finditer(raw.folded)
    last_end = 0
    for m in matches:
        if m.start() == m.end() or m.start() < last_end:
            continue
        last_end = m.end()
        rule = rules[rule_index(m.lastgroup)] if m.lastgroup else rules[0]
        if rule.allow:
            key = re.sub(r"\D", "", m.group(0)) or m.group(0).lower()
            if canonical_number(key) in rule.allow:
                continue
        out.append(Finding(rule.category, rule.severity, rule.id, m.start(), m.end(), rule.explanation))
