"""Run a compiled RuleSet over one post and return findings with original spans."""

from __future__ import annotations

import re
from bisect import bisect_right

from .normalize import NormalizedText
from .rules import CategoryRules, ContextCues, Rule
from .types import Finding

_WORD = re.compile(r"[a-z']+")
# A quotation: straight double quotes, or single quotes that open after a non-word char
# and close before one (so "you're" inside the quote does not end it).
_QUOTE = re.compile(r"\"[^\"\n]{1,300}\"|(?<!\w)'[^\n]{1,300}?'(?!\w)")


class _Scan:
    """Per-post lazily computed context shared by every category."""

    __slots__ = ("_clauses", "_quotes", "_sentences", "cues", "norm")

    def __init__(self, norm: NormalizedText, cues: ContextCues) -> None:
        self.norm = norm
        self.cues = cues
        self._clauses: list[int] | None = None
        self._sentences: list[int] | None = None
        self._quotes: list[tuple[int, int]] | None = None

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

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        if self._sentences is None:
            self._sentences = [m.end() for m in self.cues.sentence_break.finditer(self.norm.text)]
        marks = self._sentences
        i = bisect_right(marks, start) - 1
        s = marks[i] if i >= 0 else 0
        j = bisect_right(marks, end - 1)
        e = marks[j] if j < len(marks) else len(self.norm.text)
        return s, e

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
    ctx = _Scan(norm, cues)
    findings: list[Finding] = []
    for cat in categories:
        if cat.normalized is not None:
            _scan_normalized(ctx, cat, findings)
        if cat.raw is not None:
            _scan_raw(norm.original, cat, findings)
    return findings


def _scan_normalized(ctx: _Scan, cat: CategoryRules, out: list[Finding]) -> None:
    assert cat.normalized is not None
    text = ctx.norm.text
    exc_spans: list[tuple[int, int]] | None = None
    pos = 0
    n = len(text)
    while pos <= n:
        m = cat.normalized.search(text, pos)
        if m is None:
            break
        a, b = m.span()
        rule = cat.normalized_rules[int(m.lastgroup[1:])] if m.lastgroup else None
        if rule is None or a == b:
            pos = a + 1
            continue
        if cat.exceptions is not None:
            if exc_spans is None:
                exc_spans = [e.span() for e in cat.exceptions.finditer(text)]
            if any(x < b and a < y for x, y in exc_spans):
                pos = a + 1
                continue
        if _suppressed(ctx, rule, a, b):
            pos = a + 1
            continue
        start, end = ctx.norm.span(a, b)
        out.append(Finding(rule.category, rule.severity, rule.id, start, end, rule.explanation))
        pos = b


def _suppressed(ctx: _Scan, rule: Rule, a: int, b: int) -> bool:
    """Negation, recovery-story and quotation context that turns a hit into a non-hit."""
    if rule.negatable and ctx.negated(a):
        return True
    if rule.story and ctx.story(a, b):
        return True
    return rule.quotable and ctx.quoted(a, b)


def _scan_raw(original: str, cat: CategoryRules, out: list[Finding]) -> None:
    assert cat.raw is not None
    for m in cat.raw.finditer(original):
        if not m.lastgroup or m.start() == m.end():
            continue
        rule = cat.raw_rules[int(m.lastgroup[1:])]
        if rule.allow:
            key = re.sub(r"\D", "", m.group(0)) or m.group(0).lower()
            if key in rule.allow or (key.startswith("1") and key[1:] in rule.allow):
                continue
        out.append(Finding(rule.category, rule.severity, rule.id, m.start(), m.end(), rule.explanation))
