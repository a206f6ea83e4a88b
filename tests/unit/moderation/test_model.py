"""The shipped model stage: it loads, it is exactly what the training script makes from the
committed data, it adds recall on held-out posts without giving up precision, and it keeps the
dev_crisis precision floor."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation import Action, Moderator
from moderation.evaluate import Score, predict, read_cases, score_cases
from moderation.linear import MODELS_DIR, LinearClassifier, shipped_classifier
from moderation.normalize import NormalizedText
from moderation.train import LICENSED_DATA, ROOT, train_all, training_files
from moderation.types import Category

BENCH_DATA = Path(__file__).resolve().parents[3] / "bench" / "data"
# Rules miss this one (no phrase they know); the crisis model reads it for what it is.
MISSED_BY_RULES = "nobody will have to worry about me much longer, i made sure of it"


@pytest.fixture(scope="module")
def with_model() -> Moderator:
    classifier = shipped_classifier()
    assert classifier is not None, "no model files under moderation/models"
    return Moderator.load(classifier=classifier)


def _scores(mod: Moderator, path: Path) -> dict[str, Score]:
    return score_cases(mod, read_cases(path))


def test_shipped_models_load() -> None:
    classifier = shipped_classifier()
    assert classifier is not None
    by_category = {m.header.category: m.header for m in classifier.models}
    assert set(by_category) == {Category.CRISIS}
    for header in by_category.values():
        assert 0.5 <= header.threshold < 1.0
        assert not any("dev_crisis" in s.file for s in header.training), "dev_crisis may never be trained on"


def test_weights_are_what_the_training_script_makes(tmp_path: Path) -> None:
    # Training reads only files in the repository: no ../shared needed.
    for model in train_all():
        model.save(tmp_path)
    for name in ("crisis",):
        assert (tmp_path / f"{name}.json").read_bytes() == (MODELS_DIR / f"{name}.json").read_bytes()
        assert (tmp_path / f"{name}.f32").read_bytes() == (MODELS_DIR / f"{name}.f32").read_bytes()


def test_training_needs_only_the_repository() -> None:
    assert all(f.is_relative_to(ROOT) for f in training_files())
    # an outside set travels with its licence and attribution
    assert "Tom Davidson" in (LICENSED_DATA / "LICENSE-dev_harassment").read_text()
    assert "LICENSE-dev_harassment" in (LICENSED_DATA / "README.md").read_text()
    assert not (LICENSED_DATA / "dev_crisis.jsonl").exists(), "dev_crisis is evaluation-only"


def test_model_catches_what_rules_miss(moderator: Moderator, with_model: Moderator) -> None:
    assert moderator.moderate(MISSED_BY_RULES, "default").action is Action.PUBLISH
    verdict = with_model.moderate_with_model(MISSED_BY_RULES, "default")
    assert verdict.action is Action.HOLD and verdict.urgent and verdict.notice == "crisis"
    (finding,) = [f for f in verdict.findings if f.rule == "model.crisis"]
    assert (finding.start, finding.end) == (0, len(MISSED_BY_RULES))
    # rules-only moderation (the fast path on the event loop) is unchanged by the model, and the
    # service's path (rules verdict, then add_model in a thread) reaches the same verdict
    rules_verdict = with_model.moderate(MISSED_BY_RULES, "default")
    assert rules_verdict.action is Action.PUBLISH
    assert with_model.add_model(rules_verdict, MISSED_BY_RULES, "default") == verdict


def test_ordinary_posts_stay_published(with_model: Moderator) -> None:
    for text in ("had a good meeting today, my sponsor and i laughed a lot",
                 "i miss my dog so much today, grief comes in waves",
                 "this commute is killing me lol"):
        assert with_model.moderate_with_model(text, "default").action is Action.PUBLISH, text


def test_model_adds_recall_on_held_out_posts(moderator: Moderator, with_model: Moderator) -> None:
    rules = _scores(moderator, BENCH_DATA / "crisis_heldout.jsonl")["crisis"]
    both = _scores(with_model, BENCH_DATA / "crisis_heldout.jsonl")["crisis"]
    assert both.recall >= 0.78, both
    assert both.recall >= rules.recall + 0.1, (rules, both)
    assert both.precision >= rules.precision - 0.02, (rules, both)


def test_model_adds_nothing_on_ordinary_chat(with_model: Moderator) -> None:
    # 250 held-out friendly group-chat messages: greetings, logistics, support, small talk.
    cases = read_cases(BENCH_DATA / "ordinary_heldout.jsonl")
    flagged = [c.text for c, p in zip(cases, predict(with_model, cases), strict=True) if p]
    assert len(cases) == 250
    assert flagged == [], flagged


def test_dev_crisis_floor_holds_with_the_model(with_model: Moderator, shared_data: Path) -> None:
    s = _scores(with_model, shared_data / "dev_crisis.jsonl")["crisis"]
    assert s.recall >= 0.85, s
    assert s.precision >= 0.70, s


def test_empty_directory_means_no_model(tmp_path: Path) -> None:
    assert LinearClassifier.load(tmp_path) is None


def test_classify_uses_the_original_text() -> None:
    classifier = shipped_classifier()
    assert classifier is not None
    norm = NormalizedText(MISSED_BY_RULES, MISSED_BY_RULES.lower(), range(len(MISSED_BY_RULES)),
                          range(1, len(MISSED_BY_RULES) + 1))
    assert [f.rule for f in classifier.classify(norm)] == ["model.crisis"]
