"""Each category: positives, tricky negatives (negation, stories, idioms, quotes)."""

from __future__ import annotations

import pytest

from moderation import Category, Moderator


def cats(moderator: Moderator, text: str) -> set[Category]:
    return set(moderator.moderate(text, "default").categories)


POSITIVE = [
    (Category.CRISIS, "I want to kill myself"),
    (Category.CRISIS, "I don't want to be alive anymore"),
    (Category.CRISIS, "I can't do this anymore"),
    (Category.CRISIS, "there is no reason to live"),
    (Category.CRISIS, "nobody would miss me"),
    (Category.CRISIS, "goodbye everyone, thanks for everything"),
    (Category.CRISIS, "I've been cutting myself again"),
    (Category.CRISIS, "I have the pills saved up for tonight"),
    (Category.CRISIS, "two days ago I wanted to die and I still do"),
    (Category.RELAPSE, "I relapsed last night"),
    (Category.RELAPSE, "cravings are so bad today"),
    (Category.RELAPSE, "I'm going to get drunk after work"),
    (Category.RELAPSE, "I'm holding right now."),
    (Category.SOURCING, "anyone got bars?"),
    (Category.SOURCING, "selling extra adderall $5 a pill"),
    (Category.SOURCING, "who's got 💊 tonight"),
    (Category.SOURCING, "where can I buy subs without a script"),
    (Category.HARASSMENT, "you're a worthless junkie"),
    (Category.HARASSMENT, "you'll never stay sober"),
    (Category.HARASSMENT, "I'll beat your ass"),
    (Category.HARASSMENT, "send me nudes"),
    (Category.HARASSMENT, "y0u r a l0s3r"),
    (Category.CONTACT, "text me 555-123-4567"),
    (Category.CONTACT, "my email is sam@example.com"),
    (Category.CONTACT, "add me on snap: soberkid22"),
    (Category.CONTACT, "I live at 1234 Oak Street"),
    (Category.SPAM, "click here to earn $500 a day"),
]

NEGATIVE = [
    (Category.CRISIS, "I would never hurt myself"),
    (Category.CRISIS, "two years ago I wanted to die; today I'm grateful"),
    (Category.CRISIS, "this commute is killing me"),
    (Category.CRISIS, "I'd kill for a coffee"),
    (Category.CRISIS, "dying to see the movie"),
    (Category.CRISIS, "see you all tomorrow, bye everyone!"),
    (Category.CRISIS, "our group read about suicide prevention"),
    (Category.RELAPSE, "I'm not going to drink tonight"),
    (Category.RELAPSE, "I used to drink every day"),
    (Category.RELAPSE, "I picked up my 30 day chip"),
    (Category.RELAPSE, "I'm high on life"),
    (Category.RELAPSE, "I had a glass of water"),
    (Category.SOURCING, "where can I get narcan?"),
    (Category.SOURCING, "I picked up my prescription today"),
    (Category.SOURCING, "anyone have tips for sleep?"),
    (Category.HARASSMENT, "my sponsor said 'you're worthless' is the disease talking"),
    (Category.HARASSMENT, "you're not a failure"),
    (Category.HARASSMENT, "I felt like such an idiot"),
    (Category.HARASSMENT, "life's a bitch but I'm sober"),
    (Category.CONTACT, "call 988 or text HOME to 741741"),
    (Category.CONTACT, "I have 30 days and 2 hours"),
    (Category.CONTACT, "@sam great share today"),
    (Category.CONTACT, "walked 3 miles down the road"),
    (Category.SPAM, "great meeting today, thanks all"),
]


@pytest.mark.parametrize(("category", "text"), POSITIVE)
def test_positive(moderator: Moderator, category: Category, text: str) -> None:
    assert category in cats(moderator, text)


@pytest.mark.parametrize(("category", "text"), NEGATIVE)
def test_negative(moderator: Moderator, category: Category, text: str) -> None:
    assert category not in cats(moderator, text)


@pytest.mark.parametrize(
    "text",
    ["I don't want to be alive anymore", "I can't do this anymore", "no reason to live", "nobody would miss me"],
)
def test_negation_does_not_swallow_danger(moderator: Moderator, text: str) -> None:
    assert Category.CRISIS in cats(moderator, text)


def test_findings_explain_and_locate(moderator: Moderator) -> None:
    text = "ugh. I want to die"
    v = moderator.moderate(text, "default")
    (f,) = [f for f in v.findings if f.category is Category.CRISIS]
    assert f.rule.startswith("crisis.")
    assert f.explanation
    assert 1 <= f.severity <= 3
    assert text[f.start : f.end] == "I want to die"
