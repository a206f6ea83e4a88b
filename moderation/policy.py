"""Pure policy: turn findings into a Verdict, and load per-program policy from TOML."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import msgspec

from .types import (
    ACTION_RANK,
    CATEGORY_PRIORITY,
    Action,
    Category,
    Finding,
    ProgramPolicy,
    Verdict,
)

_NOTICE_BY_ACTION: dict[Action, str | None] = {
    Action.PUBLISH: None,
    Action.FLAG: None,
    Action.MASK: "masked",
    Action.HOLD: "held",
    Action.BLOCK: "blocked",
}


class PolicyError(ValueError):
    """The policy file is malformed."""


def decide(findings: Iterable[Finding], policy: ProgramPolicy, text: str) -> Verdict:
    """Combine findings under a program policy: strictest action wins, crisis stays urgent."""
    found = tuple(sorted(findings, key=lambda f: (f.start, f.end)))
    if not found:
        return Verdict(Action.PUBLISH, text, (), (), 0, False, False, None)
    present = {f.category for f in found}
    categories = tuple(c for c in CATEGORY_PRIORITY if c in present)
    action = Action.PUBLISH
    for cat in categories:
        cat_action = _category_action(policy, cat, max(f.severity for f in found if f.category is cat))
        if ACTION_RANK[cat_action] > ACTION_RANK[action]:
            action = cat_action
    out_text = text
    contact = [f for f in found if f.category is Category.CONTACT]
    if contact and _category_action(policy, Category.CONTACT, 3) is Action.MASK:
        # Mask whenever contact policy says mask: if a held post is later approved, the
        # masked text is what gets published.
        out_text = mask(text, [(f.start, f.end) for f in contact], policy.mask_token)
    urgent = Category.CRISIS in present
    notice = "crisis" if urgent else _NOTICE_BY_ACTION[action]
    return Verdict(
        action=action,
        text=out_text,
        findings=found,
        categories=categories,
        severity=max(f.severity for f in found),
        flagged=action is not Action.PUBLISH,
        urgent=urgent,
        notice=notice,
    )


def _category_action(policy: ProgramPolicy, cat: Category, severity: int) -> Action:
    dec = policy.decisions.get(cat)
    if dec is None:
        return Action.FLAG  # an unconfigured category still reaches a counselor
    if dec.escalate_at and severity >= dec.escalate_at:
        return dec.escalate_to
    return dec.action


def mask(text: str, spans: Iterable[tuple[int, int]], token: str) -> str:
    """Replace each (merged) span of text with token."""
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out: list[str] = []
    pos = 0
    for a, b in merged:
        out.append(text[pos:a])
        out.append(token)
        pos = b
    out.append(text[pos:])
    return "".join(out)


class PolicyBook:
    """All program policies from one policy.toml, with default fallback."""

    def __init__(self, default: ProgramPolicy, programs: Mapping[str, ProgramPolicy]) -> None:
        self.default = default
        self.programs = dict(programs)

    def for_program(self, program: str) -> ProgramPolicy:
        """The program's policy, or the default one."""
        return self.programs.get(program, self.default)


def load_policy(path: Path) -> PolicyBook:
    """Parse policy.toml; programs are deep-merged over [default]."""
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path.name}: invalid TOML ({exc})") from None
    base = doc.get("default")
    if not isinstance(base, dict):
        raise PolicyError(f"{path.name}: missing [default]")
    default = _build(base, path.name, "default")
    programs = {
        pid: _build(_merge(base, override), path.name, pid) for pid, override in doc.get("programs", {}).items()
    }
    return PolicyBook(default, programs)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge tables; arrays and scalars in the override replace the base."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _build(doc: dict[str, Any], fname: str, where: str) -> ProgramPolicy:
    try:
        return msgspec.convert(doc, ProgramPolicy, strict=False)
    except msgspec.ValidationError as exc:
        raise PolicyError(f"{fname} [{where}]: {exc}") from None
