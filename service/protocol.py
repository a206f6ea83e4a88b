"""The wire: every WebSocket frame in both directions and its codec, the counselor queue's HTTP
response bodies, and the one internal instance-to-instance frame (``Refresh``).

One tagged union per direction; ``"type"`` is the tag. Inbound frames forbid unknown
fields and carry size limits, so decoding *is* validation. New fields always get defaults
so older clients keep working.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from moderation.audit import AuditEntry
from moderation.case_types import Case, CaseSource, CaseStatus, PostState

# Identifiers are server-made (``r_…``, ``u_…``); the pattern keeps them safe to embed in
# Redis keys and pre-encoded frames.
Ident = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]
# Redis stream ids are two unsigned 64-bit numbers; 19 digits always fit, so an id the server could
# never have made is a bad frame here instead of an error from Redis (which would read "unavailable").
StreamId = Annotated[str, Meta(max_length=39, pattern=r"^\d{1,19}-\d{1,19}$")]
ClientId = Annotated[str, Meta(min_length=1, max_length=64)]
PostText = Annotated[str, Meta(min_length=1, max_length=4000)]
Reason = Annotated[str, Meta(max_length=500)]

MAX_FRAME_BYTES = 16 * 1024


class _Inbound(Struct, frozen=True, forbid_unknown_fields=True, tag_field="type"):
    pass


class Join(_Inbound, frozen=True, tag="join"):
    """Enter a room; ``after`` resumes from the last message id the client saw."""

    room: Ident
    after: StreamId | None = None


class Leave(_Inbound, frozen=True, tag="leave"):
    """Leave a room."""

    room: Ident


class Post(_Inbound, frozen=True, tag="post"):
    """Post text to a joined room; ``client_id`` makes retries idempotent."""

    room: Ident
    text: PostText
    client_id: ClientId


class Typing(_Inbound, frozen=True, tag="typing"):
    """Tell the room this member is typing (ephemeral, rate-limited)."""

    room: Ident


class Ping(_Inbound, frozen=True, tag="ping"):
    """Keep-alive; answered by ``pong``."""

    nonce: Annotated[str, Meta(max_length=64)] | None = None


class Report(_Inbound, frozen=True, tag="report"):
    """Report a post in a joined room to the program's counselors."""

    room: Ident
    message: StreamId
    reason: Reason = ""


class Hide(_Inbound, frozen=True, tag="hide"):
    """A room host hides a post pending counselor review."""

    room: Ident
    message: StreamId
    reason: Reason = ""


ClientFrame = Join | Leave | Post | Typing | Ping | Report | Hide


class _Outbound(Struct, frozen=True, tag_field="type", omit_defaults=True):
    pass


class Author(Struct, frozen=True):
    """Who wrote a post, as others see them (pseudonymous)."""

    id: str
    handle: str
    role: str = "member"


class Message(_Outbound, frozen=True, tag="message"):
    """A post visible to the room. ``id`` is monotonic per room and is the resume cursor."""

    room: str
    id: str
    author: Author
    text: str
    ts: int
    delayed: bool = False
    masked: bool = False


class Member(Struct, frozen=True):
    """A person present in a room."""

    id: str
    handle: str
    role: str = "member"


class RoomState(Struct, frozen=True, omit_defaults=True):
    """What a client needs to render a room; grows with host controls (defaults keep old clients working)."""

    name: str
    kind: str
    program: str
    can_post: bool = True
    is_host: bool = False
    muted_until: int = 0


class Joined(_Outbound, frozen=True, tag="joined", omit_defaults=False):
    """Answer to ``join``: history (oldest first), who is here and the room's state."""

    room: str
    history: list[Message]
    presence: list[Member]
    state: RoomState
    recovered: bool = True


class Left(_Outbound, frozen=True, tag="left"):
    """Answer to ``leave``."""

    room: str


class Ack(_Outbound, frozen=True, tag="ack"):
    """Answer to ``post``: ``published``, ``held`` (waiting for review) or ``blocked``."""

    client_id: str
    status: str
    id: str | None = None


class Presence(_Outbound, frozen=True, tag="presence"):
    """Someone came into or went out of a room."""

    room: str
    event: Literal["join", "leave"]
    member: Member


class TypingNotice(_Outbound, frozen=True, tag="typing"):
    """Someone in the room is typing."""

    room: str
    member: Member


class Removed(_Outbound, frozen=True, tag="removed"):
    """A post was hidden or removed; clients drop it from view."""

    room: str
    id: str


class Reported(_Outbound, frozen=True, tag="reported"):
    """Answer to ``report``: counselors have it."""

    room: str
    message: str


class Resource(Struct, frozen=True, omit_defaults=True):
    """A crisis line or other support resource, rendered as a tappable link."""

    label: str
    kind: str
    value: str
    body: str = ""
    note: str = ""


class Notice(_Outbound, frozen=True, tag="notice"):
    """A private notice to one member: crisis support, held post, warning, mute…"""

    kind: str
    text: str
    room: str | None = None
    ref: str | None = None
    resources: list[Resource] = msgspec.field(default_factory=list)
    until: int | None = None


class CaseSummary(Struct, frozen=True):
    """A case as queue lists and live events show it: no post text (the dashboard fetches the case)."""

    id: str
    program: str
    room: str
    source: CaseSource
    categories: list[str]
    severity: int
    urgent: bool
    status: CaseStatus
    post_state: PostState
    assignee: str | None
    author: str | None
    created: int
    updated: int


class CaseEvent(_Outbound, frozen=True, tag="case"):
    """Live counselor-queue event (new, claimed, released, resolved, updated)."""

    event: str
    case: CaseSummary


class Pong(_Outbound, frozen=True, tag="pong"):
    """Answer to ``ping``."""

    nonce: str | None = None


class Error(_Outbound, frozen=True, tag="error"):
    """A frame was refused; ``ref`` names the client frame (its ``client_id`` or room)."""

    code: str
    detail: str
    ref: str | None = None


ServerFrame = (
    Joined | Left | Message | Ack | Presence | TypingNotice | Removed | Reported | Notice | CaseEvent | Pong | Error
)


# Internal, instance to instance on the users topic: it never reaches a browser, so it is not a ServerFrame.
# realtime.connection spots it by its leading {"type":"refresh" and acts on it instead of forwarding it.
RefreshWhat = Literal["session", "mute", "suspend"]


class Refresh(Struct, frozen=True, tag_field="type", tag="refresh"):
    """Internal: tells a user's sockets to re-read their session or restrictions."""

    what: RefreshWhat


# HTTP response bodies of the counselor queue (service/http/review.py). Plain Structs, no tag and no omitted
# defaults: every key is always present, as the dashboard expects.


class HeldCase(CaseSummary, frozen=True):
    """A held post's case for its room's host: the summary plus the post's text."""

    text: str | None


class CaseContext(Struct, frozen=True):
    """The room's messages around a case's post, oldest first."""

    before: list[Message]
    after: list[Message]


class CaseDetail(Struct, frozen=True):
    """One case in full, its room context and the author's other cases."""

    case: Case
    context: CaseContext
    author_history: list[CaseSummary]


class CaseUpdated(Struct, frozen=True):
    """Answer to a case action: the case as it now is."""

    case: Case


class CaseList(Struct, frozen=True):
    """A program's queue (open by priority, or all recent)."""

    cases: list[CaseSummary]


class DueFollowUp(Struct, frozen=True):
    """A follow-up not yet done, with its case, room and the member it is about."""

    case: str
    room: str
    id: str
    kind: str
    note: str
    due: int
    author: str | None


class FollowUpsDue(Struct, frozen=True):
    """Follow-ups due before a time, soonest first."""

    followups: list[DueFollowUp]


class MemberSignal(Struct, frozen=True):
    """A member whose flagged posts in a room touched crisis or relapse."""

    member: str
    handle: str
    categories: list[str]


class RoomActivity(Struct, frozen=True):
    """One room since the counselor's last visit: posts, flags and members to check on."""

    room: str
    name: str
    posts: int
    flags: int
    signals: list[MemberSignal]


class Inbox(Struct, frozen=True):
    """What happened in a program since the counselor's last visit."""

    since: int
    now: int
    open_cases: list[CaseSummary]
    new_cases: list[CaseSummary]
    resolved_since: int
    followups_due: list[DueFollowUp]
    rooms: list[RoomActivity]


class HeldPosts(Struct, frozen=True):
    """Held posts of one room."""

    held: list[HeldCase]


class AuditPage(Struct, frozen=True):
    """Audit entries, newest first."""

    entries: list[AuditEntry]


# Codecs are built once: they are the hot path of every connection.
decoder = msgspec.json.Decoder(ClientFrame)
encoder = msgspec.json.Encoder()


def encode(frame: ServerFrame) -> bytes:
    """Encode a server frame to JSON bytes."""
    return encoder.encode(frame)
