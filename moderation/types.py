"""Value types shared by the moderation pipeline and the service."""

from __future__ import annotations

from enum import StrEnum

from msgspec import Struct


class Category(StrEnum):
    """What a finding is about."""

    CRISIS = "crisis"
    RELAPSE = "relapse"
    SOURCING = "sourcing"
    HARASSMENT = "harassment"
    CONTACT = "contact"
    SPAM = "spam"


# Display and tie-break order: the most clinically urgent first.
CATEGORY_PRIORITY: tuple[Category, ...] = (
    Category.CRISIS,
    Category.HARASSMENT,
    Category.SOURCING,
    Category.RELAPSE,
    Category.CONTACT,
    Category.SPAM,
)


class Action(StrEnum):
    """What the service does with a post."""

    PUBLISH = "publish"
    FLAG = "flag"
    HOLD = "hold"
    MASK = "mask"
    BLOCK = "block"


# Strictness order used when several categories disagree: block > hold > mask > flag > publish.
ACTION_RANK: dict[Action, int] = {
    Action.PUBLISH: 0,
    Action.FLAG: 1,
    Action.MASK: 2,
    Action.HOLD: 3,
    Action.BLOCK: 4,
}


class Finding(Struct, frozen=True):
    """One rule hit; start/end index the ORIGINAL text."""

    category: Category
    severity: int
    rule: str
    start: int
    end: int
    explanation: str


class Verdict(Struct, frozen=True):
    """The pipeline's decision for one post."""

    action: Action
    text: str
    findings: tuple[Finding, ...]
    categories: tuple[Category, ...]
    severity: int
    flagged: bool
    urgent: bool
    notice: str | None


class PostContext(Struct, frozen=True):
    """Per-author recent activity supplied by the service, used for spam checks."""

    recent_digests: tuple[str, ...] = ()
    posts_last_minute: int = 0
    links_last_minute: int = 0


class Resource(Struct, frozen=True):
    """A crisis resource shown privately to a poster."""

    label: str
    kind: str
    value: str
    body: str = ""
    note: str = ""


class Decision(Struct, frozen=True):
    """Policy for one category: the action, optionally escalated at a severity."""

    action: Action
    escalate_at: int = 0
    escalate_to: Action = Action.BLOCK


class ProgramPolicy(Struct, frozen=True):
    """Per-program moderation policy, loaded from policy.toml."""

    decisions: dict[Category, Decision]
    crisis_resources: tuple[Resource, ...]
    crisis_message: str
    held_message: str
    blocked_message: str
    masked_message: str
    mask_token: str = "[contact removed]"
