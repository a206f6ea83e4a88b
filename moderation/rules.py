"""Load the staff-editable TOML rule files and compile them into fast matchers."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import dispatch, regex_syntax
from .dispatch import Dispatch
from .normalize import NormalizeTables
from .types import Category

RULES_DIR = Path(__file__).with_name("rules")
POLICY_FILE = "policy.toml"
NORMALIZE_FILE = "normalize.toml"
CONTEXT_FILE = "context.toml"
_SPECIAL = {POLICY_FILE, NORMALIZE_FILE, CONTEXT_FILE}
STRICT_SPACE = r"\s+"
LOOSE_SPACE = r"\s*"
_MACRO = re.compile(r"%([a-z_]+)%")
_RULE_KEYS = frozenset(
    {
        "id",
        "severity",
        "explanation",
        "patterns",
        "negatable",
        "story",
        "quotable",
        "target",
        "allow",
        "gate",
        "gate_regex",
    }
)
_FILE_KEYS = frozenset({"category", "macros", "rules", "exceptions", "thresholds"})


class RuleError(ValueError):
    """A rule file is malformed; the message names the file and rule, never post text."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: a regex (already compiled into its category matcher) and how to treat hits."""

    id: str
    category: Category
    severity: int
    explanation: str
    negatable: bool
    story: bool
    quotable: bool
    allow: tuple[str, ...] = ()
    gate: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RawPatterns:
    """Original-text patterns: `lower` runs on lowercased text (fast), `folded` with IGNORECASE.

    `dispatch` holds the same patterns indexed by start keys (see dispatch.py); the matcher uses it
    on lowercased text so a long post does not pay every alternative at every character.
    """

    lower: re.Pattern[str]
    folded: re.Pattern[str]
    dispatch: Dispatch | None = None


@dataclass(frozen=True, slots=True)
class GatedRule:
    """An original-text rule that only runs when one of its gate substrings is in the post."""

    rule: Rule
    patterns: RawPatterns
    gate_regex: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class CategoryRules:
    """All rules of one category, compiled into one alternation per target text."""

    category: Category
    normalized: Dispatch | None
    normalized_rules: tuple[Rule, ...]
    raw: RawPatterns | None
    raw_rules: tuple[Rule, ...]
    # Idioms and look-alikes that cancel a hit they overlap; indexed by start keys like the rules.
    exceptions: Dispatch | None
    loose: Dispatch | None = None
    # Original-text rules with a `gate` run on their own, only when a gate string is in the post.
    gated: tuple[GatedRule, ...] = ()


@dataclass(frozen=True, slots=True)
class ContextCues:
    """Shared cues: negation words, recovery-story markers, clause breaks."""

    negation: frozenset[str]
    negation_window: int
    pseudo_negation: re.Pattern[str] | None
    story: re.Pattern[str] | None
    clause_break: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Everything the matcher needs, built once per (re)load."""

    normalize: NormalizeTables
    context: ContextCues
    categories: tuple[CategoryRules, ...]
    spam_thresholds: Mapping[str, int] = field(default_factory=dict)


def canonical_number(digits: str) -> str:
    """Drop the North American country code so "1-800-..." and "800-..." compare equal."""
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def rule_files(rules_dir: Path) -> list[Path]:
    """The TOML files that make up a rule set (policy excluded), in a stable order."""
    return sorted(p for p in rules_dir.glob("*.toml") if p.name != POLICY_FILE)


def load_ruleset(rules_dir: Path = RULES_DIR) -> RuleSet:
    """Parse and compile every rule file; raises RuleError or OSError on bad data."""
    docs: dict[str, dict[str, Any]] = {}
    for path in rule_files(rules_dir):
        try:
            with path.open("rb") as fh:
                docs[path.name] = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise RuleError(f"{path.name}: invalid TOML ({exc})") from None
    norm = _normalize_tables(docs.get(NORMALIZE_FILE, {}))
    ctx_doc = docs.get(CONTEXT_FILE, {})
    macros: dict[str, list[str]] = dict(ctx_doc.get("macros", {}))
    context = _context_cues(ctx_doc)
    categories: list[CategoryRules] = []
    spam_thresholds: dict[str, int] = {}
    for name, doc in docs.items():
        if name in _SPECIAL:
            continue
        try:
            category = Category(doc["category"])
        except (KeyError, ValueError):
            raise RuleError(f"{name}: missing or unknown 'category'") from None
        unknown = set(doc) - _FILE_KEYS
        if unknown:
            raise RuleError(f"{name}: unknown keys {sorted(unknown)}")
        local = {**macros, **doc.get("macros", {})}
        categories.append(_compile_category(name, category, doc, local))
        if category is Category.SPAM:
            spam_thresholds = {k: int(v) for k, v in doc.get("thresholds", {}).items()}
    return RuleSet(norm, context, tuple(categories), spam_thresholds)


def _normalize_tables(doc: dict[str, Any]) -> NormalizeTables:
    rep = doc.get("repeats", {})
    spacing = doc.get("spacing", {})
    return NormalizeTables(
        confusables=dict(doc.get("confusables", {})),
        leet=dict(doc.get("leet", {})),
        emoji=dict(doc.get("emoji", {})),
        keep_double=str(rep.get("keep_double", "bcdeflmnoprstz")),
        separators=str(spacing.get("separators", " .-_*")),
        min_letters=int(spacing.get("min_letters", 3)),
    )


def _context_cues(doc: dict[str, Any]) -> ContextCues:
    story = doc.get("story_cues", [])
    pseudo = doc.get("pseudo_negation", [])
    return ContextCues(
        negation=frozenset(doc.get("negation_words", [])),
        negation_window=int(doc.get("negation_window", 4)),
        pseudo_negation=re.compile("|".join(f"(?:{p})" for p in pseudo)) if pseudo else None,
        story=re.compile("|".join(f"(?:{s})" for s in story)) if story else None,
        clause_break=re.compile(doc.get("clause_break", r"[.!?;\n,]|\bbut\b")),
    )


_SINGLE_CHAR = (regex_syntax.Literal, regex_syntax.CharClass, regex_syntax.AnyChar)


def unbounded_group_repeat(pattern: str) -> bool:
    """True if a group or multi-char item is repeated without an upper bound (`(?:a |b )*`).

    Such repeats let the regex engine backtrack through exponentially or quadratically many
    splits on long posts; a bound such as `{0,4}` keeps every rule linear in post length.
    """

    def walk(items: regex_syntax.Seq) -> bool:
        for node in items:
            if isinstance(node, regex_syntax.Repeat):
                body = node.body
                if node.hi is None and not (len(body) == 1 and isinstance(body[0], _SINGLE_CHAR)):
                    return True
                if walk(body):
                    return True
            elif isinstance(node, regex_syntax.Branch):
                if any(walk(alt) for alt in node.alts):
                    return True
            elif isinstance(node, regex_syntax.Conditional):
                if walk(node.yes) or walk(node.no):
                    return True
            elif isinstance(node, (regex_syntax.Group, regex_syntax.Lookaround, regex_syntax.Atomic)):
                if walk(node.body):
                    return True
        return False

    return walk(regex_syntax.parse(pattern))


def _check_linear(where: str, pattern: str) -> None:
    if unbounded_group_repeat(pattern):
        raise RuleError(f"{where}: a group repeated with * or + can be very slow on long posts; bound it, e.g. {{0,4}}")


def _expand(pattern: str, macros: Mapping[str, list[str]], where: str, spaces: str | None) -> str:
    def sub(m: re.Match[str]) -> str:
        items = macros.get(m.group(1))
        if items is None:
            raise RuleError(f"{where}: unknown macro %{m.group(1)}%")
        return "(?:" + "|".join(sorted(items, key=len, reverse=True)) + ")"

    out = _MACRO.sub(sub, pattern)
    if spaces is not None:
        # " ?" means "optional space" ("any ?one"); other spaces follow the variant.
        out = out.replace(" ?", r"\s*").replace(" ", spaces)
    return out


def _compile_category(
    name: str, category: Category, doc: dict[str, Any], macros: Mapping[str, list[str]]
) -> CategoryRules:
    gate_regexes: dict[str, re.Pattern[str]] = {}
    norm_rules: list[tuple[Rule, list[str]]] = []
    loose_rules: list[tuple[Rule, list[str]]] = []
    raw_rules: list[tuple[Rule, list[str]]] = []
    for i, spec in enumerate(doc.get("rules", [])):
        rid = spec.get("id") or f"{category}.{i}"
        where = f"{name}:{rid}"
        unknown = set(spec) - _RULE_KEYS
        if unknown:
            # Usually a file-level key written after a [[rules]] table, which TOML attaches to the rule.
            raise RuleError(f"{where}: unknown keys {sorted(unknown)}")
        try:
            severity = int(spec["severity"])
            patterns = list(spec["patterns"])
        except (KeyError, TypeError, ValueError):
            raise RuleError(f"{where}: needs 'severity' and 'patterns'") from None
        if not 1 <= severity <= 3:
            raise RuleError(f"{where}: severity must be 1..3")
        target = spec.get("target", "normalized")
        if target not in ("normalized", "raw"):
            raise RuleError(f"{where}: target must be 'normalized' or 'raw'")
        if ("gate" in spec or "gate_regex" in spec) and target != "raw":
            raise RuleError(f"{where}: 'gate' and 'gate_regex' are only for target = 'raw' rules")
        if "gate_regex" in spec:
            try:
                gate_regexes[rid] = re.compile(spec["gate_regex"])
                _check_linear(f"{where}:gate_regex", spec["gate_regex"])
            except re.error as exc:
                raise RuleError(f"{where}: bad gate_regex ({exc})") from None
        rule = Rule(
            id=rid,
            category=category,
            severity=severity,
            explanation=str(spec.get("explanation", rid)),
            negatable=bool(spec.get("negatable", True)),
            story=bool(spec.get("story", category in (Category.CRISIS, Category.RELAPSE))),
            quotable=bool(spec.get("quotable", category is Category.HARASSMENT)),
            allow=tuple(canonical_number(re.sub(r"\D", "", a) or a.lower()) for a in spec.get("allow", [])),
            gate=tuple(str(g).lower() for g in spec.get("gate", [])),
        )
        try:
            if target == "normalized":
                # A space in a pattern matches whitespace; the loose variant (used only when the
                # normaliser collapsed spaced-out letters, "k i l l m y s e l f") matches no space too.
                strict = [_expand(p, macros, where, STRICT_SPACE) for p in patterns]
                for sp in strict:
                    re.compile(sp)
                    _check_linear(where, sp)
                loose = [_expand(p, macros, where, LOOSE_SPACE) for p in patterns]
                norm_rules.append((rule, strict))
                loose_rules.append((rule, loose))
            else:
                expanded = [_expand(p, macros, where, None) for p in patterns]
                for ep in expanded:
                    re.compile(ep)
                    _check_linear(where, ep)
                raw_rules.append((rule, expanded))
        except re.error as exc:
            raise RuleError(f"{where}: bad regex ({exc})") from None
    # Stricter rules first: at one position the first alternative wins.
    gated = tuple(
        GatedRule(r, _raw_patterns([(r, p)]), gate_regexes.get(r.id))
        for r, p in raw_rules
        if r.gate or r.id in gate_regexes
    )
    norm_rules.sort(key=lambda rp: -rp[0].severity)
    loose_rules.sort(key=lambda rp: -rp[0].severity)
    raw_rules = sorted(
        (rp for rp in raw_rules if not rp[0].gate and rp[0].id not in gate_regexes), key=lambda rp: -rp[0].severity
    )
    exc_list = [_expand(p, macros, f"{name}:exceptions", r"\s*") for p in doc.get("exceptions", [])]
    for p in exc_list:
        try:
            re.compile(p)
        except re.error as exc:
            raise RuleError(f"{name}: bad exception regex ({exc})") from None
        _check_linear(f"{name}:exceptions", p)
    exceptions = dispatch.build([(0, p) for p in exc_list]) if exc_list else None
    return CategoryRules(
        category=category,
        normalized=dispatch.build([(i, p) for i, (_, ps) in enumerate(norm_rules) for p in ps]) if norm_rules else None,
        normalized_rules=tuple(r for r, _ in norm_rules),
        raw=_raw_patterns(raw_rules) if raw_rules else None,
        raw_rules=tuple(r for r, _ in raw_rules),
        exceptions=exceptions,
        loose=dispatch.build([(i, p) for i, (_, ps) in enumerate(loose_rules) for p in ps]) if loose_rules else None,
        gated=gated,
    )


def _raw_patterns(rules: list[tuple[Rule, list[str]]]) -> RawPatterns:
    joined = [(r, "|".join(f"(?:{p})" for p in ps)) for r, ps in rules]
    lower = _combine(joined, 0)
    folded = _combine(joined, re.IGNORECASE)
    assert lower is not None and folded is not None
    return RawPatterns(lower, folded, dispatch.build([(i, p) for i, (_, ps) in enumerate(rules) for p in ps]))


def _combine(rules: list[tuple[Rule, str]], flags: int) -> re.Pattern[str] | None:
    if not rules:
        return None
    return re.compile("|".join(f"(?P<r{i}>{p})" for i, (_, p) in enumerate(rules)), flags)
