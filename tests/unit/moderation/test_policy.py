"""Policy decisions, per-program overrides, masking, and hot reload of edited data files."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from moderation import Action, Category, Finding, Moderator, decide
from moderation.policy import load_policy, mask
from moderation.rules import RULES_DIR

SECRET = "I want to die 555-123-4567"


def f(cat: Category, sev: int, start: int = 0, end: int = 1) -> Finding:
    return Finding(cat, sev, f"{cat}.test", start, end, "test")


@pytest.fixture
def policy(moderator: Moderator):  # type: ignore[no-untyped-def]
    return moderator.policy_for("default")


def test_no_findings_publishes(policy) -> None:  # type: ignore[no-untyped-def]
    v = decide([], policy, "hello")
    assert (v.action, v.flagged, v.urgent, v.notice, v.severity, v.text) == (
        Action.PUBLISH,
        False,
        False,
        None,
        0,
        "hello",
    )


@pytest.mark.parametrize(
    ("cat", "sev", "action", "notice"),
    [
        (Category.CRISIS, 1, Action.HOLD, "crisis"),
        (Category.RELAPSE, 2, Action.FLAG, None),
        (Category.SOURCING, 2, Action.HOLD, "held"),
        (Category.HARASSMENT, 2, Action.HOLD, "held"),
        (Category.HARASSMENT, 3, Action.BLOCK, "blocked"),
        (Category.CONTACT, 2, Action.MASK, "masked"),
        (Category.SPAM, 2, Action.HOLD, "held"),
        (Category.SPAM, 3, Action.BLOCK, "blocked"),
    ],
)
def test_default_decisions(policy, cat: Category, sev: int, action: Action, notice: str | None) -> None:  # type: ignore[no-untyped-def]
    v = decide([f(cat, sev)], policy, "x")
    assert v.action is action
    assert v.notice == notice
    assert v.flagged is True
    assert v.urgent is (cat is Category.CRISIS)


def test_strictest_wins_and_crisis_stays_urgent(policy) -> None:  # type: ignore[no-untyped-def]
    v = decide([f(Category.RELAPSE, 2), f(Category.CRISIS, 2), f(Category.HARASSMENT, 3)], policy, "x")
    assert v.action is Action.BLOCK
    assert v.urgent and v.notice == "crisis"
    assert v.categories == (Category.CRISIS, Category.HARASSMENT, Category.RELAPSE)
    assert v.severity == 3


def test_mask_with_flag_publishes_masked_text(moderator: Moderator) -> None:
    text = "I relapsed last night, text me at 555-123-4567 or jo@example.com"
    v = moderator.moderate(text, "default")
    assert v.action is Action.MASK and v.notice == "masked" and v.flagged
    assert "555-123-4567" not in v.text and "jo@example.com" not in v.text
    assert v.text == "I relapsed last night, text me at [contact removed] or [contact removed]"


def test_mask_spans_are_exact(moderator: Moderator) -> None:
    text = "Ｔｅｘｔ ｍｅ ５５５－１２３－４５６７ ok"
    v = moderator.moderate(text, "default")
    (c,) = [x for x in v.findings if x.category is Category.CONTACT]
    assert text[c.start : c.end] == "５５５－１２３－４５６７"
    assert v.text == "Ｔｅｘｔ ｍｅ [contact removed] ok"


def test_mask_merges_overlaps() -> None:
    assert mask("abcdefgh", [(1, 3), (2, 5), (6, 7)], "#") == "a#f#h"


def test_crisis_resources_and_messages(policy) -> None:  # type: ignore[no-untyped-def]
    values = {(r.kind, r.value, r.body) for r in policy.crisis_resources}
    assert ("tel", "988", "") in values
    assert ("sms", "741741", "HOME") in values
    assert ("tel", "1-800-662-4357", "") in values
    assert "counselor" in policy.crisis_message and "alerted" in policy.crisis_message


def copy_rules(tmp_path: Path) -> Path:
    dst = tmp_path / "rules"
    shutil.copytree(RULES_DIR, dst)
    return dst


def test_program_override_merges_over_default(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    policy_path = rules / "policy.toml"
    policy_path.write_text(
        policy_path.read_text()
        + '\n[programs."strict-iop".decisions.relapse]\naction = "hold"\n'
        + '\n[programs."strict-iop"]\nheld_message = "Waiting for review."\n'
    )
    mod = Moderator.load(rules, policy_path)
    assert mod.moderate("I relapsed last night", "default").action is Action.FLAG
    strict = mod.moderate("I relapsed last night", "strict-iop")
    assert strict.action is Action.HOLD and strict.notice == "held"
    p = mod.policy_for("strict-iop")
    assert p.held_message == "Waiting for review."
    # Everything not overridden comes from [default].
    assert p.decisions[Category.SOURCING].action is Action.HOLD
    assert p.crisis_resources == mod.policy_for("default").crisis_resources


def test_shipped_teen_override() -> None:
    book = load_policy(RULES_DIR / "policy.toml")
    assert book.for_program("teen-iop").decisions[Category.RELAPSE].action is Action.HOLD
    assert book.for_program("unknown").decisions[Category.RELAPSE].action is Action.FLAG


def bump(path: Path, text: str) -> None:
    """Rewrite a file and move its mtime forward so the change is seen regardless of clock resolution."""
    st = path.stat()
    path.write_text(text)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_reload_after_policy_edit(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    mod = Moderator.load(rules)
    assert mod.maybe_reload() is False
    assert mod.moderate("I relapsed last night", "default").action is Action.FLAG
    policy_path = rules / "policy.toml"
    bump(
        policy_path,
        policy_path.read_text().replace(
            '[default.decisions.relapse]\naction = "flag"', '[default.decisions.relapse]\naction = "hold"'
        ),
    )
    assert mod.maybe_reload() is True
    assert mod.moderate("I relapsed last night", "default").action is Action.HOLD


def test_reload_after_rule_edit(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    mod = Moderator.load(rules)
    assert Category.SOURCING not in mod.moderate("anyone got zorbs?", "default").categories
    path = rules / "context.toml"
    bump(path, path.read_text().replace("drug = [\n", 'drug = [\n  "zorbs",\n', 1))
    assert mod.maybe_reload() is True
    assert Category.SOURCING in mod.moderate("anyone got zorbs?", "default").categories


def test_broken_edit_keeps_previous_rules(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rules = copy_rules(tmp_path)
    mod = Moderator.load(rules)
    mod.moderate(SECRET, "default")
    path = rules / "crisis.toml"
    bump(path, path.read_text() + "\n[[rules]]\nid = 'broken'\nseverity = 2\npatterns = ['(unclosed']\n")
    with caplog.at_level(logging.ERROR, logger="moderation"):
        assert mod.maybe_reload() is False
    assert any("broken" in r.getMessage() for r in caplog.records)
    assert all(SECRET not in r.getMessage() for r in caplog.records)
    assert Category.CRISIS in mod.moderate("I want to die", "default").categories
    # Reported once, not on every poll.
    caplog.clear()
    assert mod.maybe_reload() is False
    assert not caplog.records


def test_load_rejects_misplaced_keys(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    path = rules / "spam.toml"
    path.write_text(path.read_text() + "\nnegatable_default = true\n")
    with pytest.raises(ValueError, match="unknown keys"):
        Moderator.load(rules)
