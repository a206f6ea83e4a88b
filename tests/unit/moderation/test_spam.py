"""Spam: floods, repeats and links use the per-author PostContext."""

from __future__ import annotations

from moderation import Action, Category, Moderator, PostContext


def test_digest_ignores_case_and_punctuation() -> None:
    assert Moderator.digest("Hello,  WORLD!!") == Moderator.digest("hello world")
    assert Moderator.digest("hello") != Moderator.digest("goodbye")


def test_repeat_is_held(moderator: Moderator) -> None:
    d = Moderator.digest("buy now")
    once = moderator.moderate("buy now", "default", PostContext(recent_digests=(d,)))
    assert Category.SPAM not in once.categories  # a double send is not spam
    thrice = moderator.moderate("buy now", "default", PostContext(recent_digests=(d, "x", d)))
    assert Category.SPAM in thrice.categories and thrice.action is Action.HOLD


def test_flood_escalates_to_block(moderator: Moderator) -> None:
    held = moderator.moderate("hi", "default", PostContext(posts_last_minute=15))
    assert held.action is Action.HOLD
    blocked = moderator.moderate("hi", "default", PostContext(posts_last_minute=40))
    assert blocked.action is Action.BLOCK and blocked.notice == "blocked"


def test_links(moderator: Moderator) -> None:
    v = moderator.moderate("see https://a.io https://b.io https://c.io", "default")
    assert Category.SPAM in v.categories
    one = moderator.moderate("the meeting list is at https://aa.org", "default")
    assert Category.SPAM not in one.categories
    busy = moderator.moderate("also https://aa.org", "default", PostContext(links_last_minute=6))
    assert Category.SPAM in busy.categories


def test_model_stage_hook() -> None:
    from moderation import Category as Cat
    from moderation import Finding
    from moderation.classifier import Classifier
    from moderation.normalize import NormalizedText

    class Fake:
        def classify(self, normalized: NormalizedText) -> list[Finding]:
            return [Finding(Cat.HARASSMENT, 2, "model.fake", 0, len(normalized.original), "fake model")]

    assert isinstance(Fake(), Classifier)
    plain = Moderator.load()
    assert plain.has_model is False
    assert plain.moderate_with_model("hello there", "default").action is Action.PUBLISH
    with_model = Moderator.load(classifier=Fake())
    assert with_model.has_model is True
    assert with_model.moderate("hello there", "default").action is Action.PUBLISH
    assert with_model.moderate_with_model("hello there", "default").action is Action.HOLD
