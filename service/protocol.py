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
from moderation.case_types import Case, CaseReason, CaseSource, CaseStatus, PostState

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
    """Enter a room; ``after`` resumes from the last message id the client saw. ``watch``: receive the
    room (for unread counts) without being shown as here; joining again without it shows you."""

    room: Ident
    after: StreamId | None = None
    watch: bool = False


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


# Private check-in threads (service/actions/outreach.py): every body or frame that carries a thread's
# content carries this 42 CFR Part 2 redisclosure notice beside it (the short form of § 2.32).
PART2_NOTICE = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."


class OutreachMessage(Struct, frozen=True, omit_defaults=True):
    """One message of a check-in thread. ``flags`` and ``crisis`` (what moderation found in a member's
    reply) are only ever sent to counselors."""

    id: str
    author: Author
    text: str
    ts: int
    flags: list[str] = msgspec.field(default_factory=list)
    crisis: bool = False
    # The id its author's client sent it with (so the author's own copy replaces its pending twin).
    client_id: str = ""


class ThreadSummary(Struct, frozen=True):
    """A check-in thread without its messages. ``unread``: for the member, a counselor's message not yet
    opened; for counselors, a reply from the member nobody has answered yet. ``cases`` (counselors only):
    the case it was started from and any its replies opened."""

    id: str
    program: str
    program_name: str
    member: Author
    started_by: str
    created: int
    updated: int
    unread: bool
    cases: list[str]


class Outreach(_Outbound, frozen=True, tag="outreach"):
    """A new message in a check-in thread, to the member and each counselor of the program."""

    thread: ThreadSummary
    message: OutreachMessage
    notice: str


ServerFrame = (
    Joined | Left | Message | Ack | Presence | TypingNotice | Removed | Reported | Notice | CaseEvent | Pong | Error
    | Outreach
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


# The counselor queue's cards, bulk decisions, readable audit rows and the member page.


class QueueCase(CaseSummary, frozen=True):
    """A queue card: the summary, the post as the group would see it (masked where it was), why it is here and
    who holds it. ``text`` is None once the case no longer keeps the post's text."""

    author_id: str | None
    text: str | None
    masked: bool
    reasons: list[CaseReason]
    crisis: bool
    assignee_handle: str | None
    reporter_handle: str | None
    lease_until: int


class QueuePage(Struct, frozen=True):
    """A program's queue after the caller's filters."""

    cases: list[QueueCase]


class BulkFailure(Struct, frozen=True):
    """One case a bulk decision could not act on (someone else holds it, it was resolved meanwhile, …)."""

    case: str
    code: str
    detail: str


class BulkResult(Struct, frozen=True):
    """Answer to a bulk decision: each case acted on (and audited) on its own."""

    done: list[CaseSummary]
    failed: list[BulkFailure]


class Restriction(Struct, frozen=True):
    """A mute or suspension in force; ``until`` is ms, 0 for "until lifted"."""

    kind: Literal["mute", "suspension"]
    scope: Literal["program", "room"]
    room: str | None
    room_name: str | None
    until: int


class CaseView(CaseDetail, frozen=True):
    """One case for a counselor: the detail, handles of everyone it names, and its member's restrictions."""

    handles: dict[str, str]
    restrictions: list[Restriction]


class AuditRow(Struct, frozen=True):
    """An audit entry as people read it: handles beside ids, the case's status now, the rule's explanation."""

    id: str
    ts: int
    program: str
    action: str
    actor: str
    actor_role: str
    actor_handle: str
    subject: str | None
    subject_handle: str | None
    case: str | None
    case_status: CaseStatus | None
    room: str | None
    rule: str | None
    explanation: str
    categories: list[str]
    reason: str
    reporter_handle: str | None


class AuditRows(Struct, frozen=True):
    """Readable audit entries, newest first; ``next_before`` pages on (None: no more)."""

    entries: list[AuditRow]
    next_before: str | None


class MemberNote(Struct, frozen=True):
    """A counselor's note on one of the member's cases."""

    case: str
    ts: int
    actor_handle: str
    text: str


class MemberFollowUp(Struct, frozen=True):
    """A follow-up planned on one of the member's cases."""

    case: str
    id: str
    kind: str
    note: str
    due: int
    done: bool


class MemberPage(Struct, frozen=True):
    """What counselors see of one member of their program."""

    id: str
    handle: str
    role: str
    cases: list[CaseSummary]
    notes: list[MemberNote]
    followups: list[MemberFollowUp]
    restrictions: list[Restriction]


class OnCallStatus(Struct, frozen=True):
    """Whether urgent cases page someone outside the app, and whether the caller may set that up."""

    configured: bool
    can_configure: bool


# HTTP bodies of check-in threads (service/http/outreach.py) and of a member's own held posts.


class ThreadView(Struct, frozen=True):
    """One check-in thread with its messages, oldest first."""

    thread: ThreadSummary
    messages: list[OutreachMessage]
    notice: str


class ThreadList(Struct, frozen=True):
    """Check-in threads, most recently active first."""

    threads: list[ThreadSummary]
    notice: str


class Support(Struct, frozen=True):
    """Crisis support for the member who wrote a reply: the program's words and its crisis lines."""

    text: str
    resources: list[Resource]


class MessageSent(Struct, frozen=True):
    """Answer to a new check-in message (``created``: False when it was a retry of one already stored)."""

    thread: ThreadSummary
    message: OutreachMessage
    notice: str
    created: bool = True
    support: Support | None = None


class MyHeldPost(Struct, frozen=True):
    """One of the caller's own posts that is not in its room: where, what, when and what happens next."""

    room: str
    room_name: str
    client_id: str
    text: str
    ts: int
    status: Literal["held", "crisis", "hidden"]
    next: str


class MyHeldPosts(Struct, frozen=True):
    """The caller's posts waiting for review, oldest first."""

    held: list[MyHeldPost]


# Codecs are built once: they are the hot path of every connection.
decoder = msgspec.json.Decoder(ClientFrame)
encoder = msgspec.json.Encoder()


def encode(frame: ServerFrame) -> bytes:
    """Encode a server frame to JSON bytes."""
    return encoder.encode(frame)
