"""The counselor queue's stored structures: cases, their timeline and follow-ups."""

from __future__ import annotations

from enum import StrEnum

import msgspec


class CaseSource(StrEnum):
    """What opened a case."""

    CRISIS = "crisis"
    HOLD = "hold"
    FLAG = "flag"
    BLOCK = "block"
    REPORT = "report"
    HIDE = "hide"
    OUTREACH = "outreach"  # a member's reply in a private check-in thread (service/actions/outreach.py)


class CaseStatus(StrEnum):
    """Lifecycle; "claimed" is derived from a live lease, never stored."""

    OPEN = "open"
    CLAIMED = "claimed"
    RESOLVED = "resolved"


class PostState(StrEnum):
    """Where the post of a case stands in its room."""

    HELD = "held"
    PUBLISHED = "published"
    APPROVED = "approved"
    REMOVED = "removed"
    BLOCKED = "blocked"
    PENDING = "pending"
    DELIVERED = "delivered"  # a private reply: already with its only readers, the program's counselors


class CaseReason(msgspec.Struct, frozen=True):
    """Why the case exists: a rule hit, a report or a host's hide."""

    category: str
    severity: int
    rule: str
    explanation: str
    start: int = 0
    end: int = 0


class CasePost(msgspec.Struct, frozen=True, kw_only=True):
    """The post a case is about. Text is kept only while the case needs it."""

    author_id: str
    author_handle: str
    author_role: str = "member"
    text: str
    ts: int
    client_id: str = ""
    masked_text: str | None = None


class TimelineEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One thing that happened to a case."""

    ts: int
    actor: str
    action: str
    note: str = ""
    actor_handle: str = ""


class FollowUp(msgspec.Struct, kw_only=True):
    """A counselor's plan to follow up in person ("talk about it in Thursday's group")."""

    id: str
    kind: str
    note: str
    due: int
    created_by: str
    done: bool = False


class Delivery(msgspec.Struct, kw_only=True):
    """Status of the urgent on-call alert for a case."""

    status: str = "pending"
    attempts: int = 0
    last_error: str = ""
    delivered_at: int = 0
    acknowledged_at: int = 0
    acknowledged_by: str = ""
    realerts: int = 0


class Case(msgspec.Struct, kw_only=True):
    """A counselor case."""

    id: str
    program: str
    room: str
    source: CaseSource
    categories: list[str]
    severity: int
    urgent: bool
    created: int
    updated: int
    status: CaseStatus = CaseStatus.OPEN
    post: CasePost | None = None
    message_id: str | None = None
    post_state: PostState = PostState.PENDING
    reasons: list[CaseReason] = msgspec.field(default_factory=list)
    reporter: str | None = None
    assignee: str | None = None
    lease_until: int = 0
    resolution: str = ""
    notes: list[TimelineEntry] = msgspec.field(default_factory=list)
    timeline: list[TimelineEntry] = msgspec.field(default_factory=list)
    followups: list[FollowUp] = msgspec.field(default_factory=list)
    delivery: Delivery | None = None

    @property
    def author_id(self) -> str | None:
        """The member the case is about."""
        return self.post.author_id if self.post else None


def priority_score(urgent: bool, severity: int, created_ms: int) -> float:
    """Queue order, lowest first: crisis, then severity, then age."""
    return (0 if urgent else 1) * 1e15 + (3 - max(0, min(severity, 3))) * 1e14 + created_ms


case_encoder = msgspec.msgpack.Encoder()
case_decoder = msgspec.msgpack.Decoder(Case)
