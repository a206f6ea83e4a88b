"""HTTP API of the counselor queue: cases, actions, inbox, follow-ups, audit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

import msgspec
from msgspec import Meta
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from channels.history import Entry
from moderation.case_types import Case, CaseStatus, PostState
from service.actions import members, review
from service.actions.auth import current_user
from service.actions.casework import case_summary
from service.actions.deps import Deps, deps_of
from service.base.errors import ErrorCode, Reject
from service.base.ids import now_ms
from service.base.models import Role, User
from service.http import audit_api
from service.http import members as members_api
from service.http.common import body_of, json_response, room_in_program
from service.http.queue_common import CaseQuery, FollowupsQuery, InboxQuery, case_matches, query_of, staff_of
from service.protocol import (
    BulkFailure,
    BulkResult,
    CaseContext,
    CaseUpdated,
    CaseView,
    DueFollowUp,
    FollowUpsDue,
    HeldCase,
    HeldPosts,
    Ident,
    Inbox,
    MemberSignal,
    Message,
    QueueCase,
    QueuePage,
    RoomActivity,
)
from service.stores.directory import is_host
from service.stores.messages import history_frames

Text = Annotated[str, Meta(max_length=2000)]
CONTEXT = 3
B = TypeVar("B", bound=msgspec.Struct)


class Empty(msgspec.Struct, forbid_unknown_fields=True):
    """No fields."""


class ClaimBody(msgspec.Struct, forbid_unknown_fields=True):
    """Lease length for a claim."""

    lease_seconds: Annotated[int, Meta(ge=30, le=4 * 3600)] = 900


class ReasonBody(msgspec.Struct, forbid_unknown_fields=True):
    """A reason or note."""

    reason: Text = ""


class ApproveBody(msgspec.Struct, forbid_unknown_fields=True):
    """Share a held post. ``resolve`` (default: yes for counselors and admins, no for hosts) closes the case in
    the same step; a post about a crisis also needs ``confirm_crisis: true``."""

    note: Text = ""
    resolve: bool | None = None
    confirm_crisis: bool = False


class RemoveBody(msgspec.Struct, forbid_unknown_fields=True):
    """Take a post down. ``reason`` is what the member is told, ``note`` stays with the staff; ``resolve`` as
    for approve."""

    reason: Text = ""
    note: Text = ""
    resolve: bool | None = None


class CaseLiftBody(msgspec.Struct, forbid_unknown_fields=True):
    """Which suspension of the case's member to end: from the case's room, or from the whole program."""

    scope: Literal["room", "program"] = "room"
    reason: Text = ""


class BulkBody(msgspec.Struct, forbid_unknown_fields=True):
    """Approve (held posts) or dismiss several low-severity cases with one note."""

    action: Literal["approve", "dismiss"]
    cases: Annotated[list[Ident], Meta(min_length=1, max_length=review.BULK_MAX_CASES)]
    note: Text = ""


class WarnBody(msgspec.Struct, forbid_unknown_fields=True):
    """The private warning's text."""

    text: Annotated[str, Meta(min_length=1, max_length=2000)]


class MuteBody(msgspec.Struct, forbid_unknown_fields=True):
    """How long, and why."""

    minutes: Annotated[int, Meta(ge=1, le=60 * 24 * 30)]
    reason: Text = ""


class SuspendBody(msgspec.Struct, forbid_unknown_fields=True):
    """Room or program, for how long (none: until lifted)."""

    scope: Literal["room", "program"] = "room"
    minutes: Annotated[int, Meta(ge=1, le=60 * 24 * 365)] | None = None
    reason: Text = ""


class EscalateBody(msgspec.Struct, forbid_unknown_fields=True):
    """Where to escalate."""

    to: Literal["supervisor", "crisis"]
    note: Text = ""


class FollowUpBody(msgspec.Struct, forbid_unknown_fields=True):
    """A plan to follow up in person."""

    kind: Literal["group", "one_on_one", "other"]
    note: Annotated[str, Meta(min_length=1, max_length=2000)]
    due: int


class NoteBody(msgspec.Struct, forbid_unknown_fields=True):
    """Free text."""

    text: Annotated[str, Meta(min_length=1, max_length=4000)]


class ResolveBody(msgspec.Struct, forbid_unknown_fields=True):
    """How the case ended."""

    note: Annotated[str, Meta(min_length=1, max_length=4000)]


@dataclass(frozen=True)
class ActionSpec(Generic[B]):
    """One case action: its request body, what it does, who may use it and its OpenAPI summary."""

    body: type[B]
    run: Callable[[Deps, User, Case, B], Awaitable[Case]]
    summary: str
    # Hosts (mentors) may use it on held posts of rooms they host; everything else is for program staff.
    mentor_ok: bool = False

    @property
    def roles(self) -> str:
        """Who may use it, as the OpenAPI document says."""
        return "counselor, admin, host" if self.mentor_ok else "counselor, admin"

    async def perform(self, deps: Deps, user: User, case: Case, request: Request) -> Case:
        """Decode the body (a bad one is a typed 400) and run the action."""
        return await self.run(deps, user, case, await body_of(request, self.body))


def action(body: type[B], run: Callable[[Deps, User, Case, B], Awaitable[Case]], summary: str, *,
           mentor_ok: bool = False) -> ActionSpec[Any]:
    """An ``ACTIONS`` entry; built here rather than directly so mypy checks ``run`` against ``body``."""
    return ActionSpec(body, run, summary, mentor_ok)


# Every case action, in the order the OpenAPI document lists them: routes and documentation come from here.
ACTIONS: dict[str, ActionSpec[Any]] = {
    "claim": action(ClaimBody, lambda d, u, c, b: review.claim(d, u, c, b.lease_seconds * 1000),
                    "Claim with a lease (409 if someone else holds it)"),
    "release": action(Empty, lambda d, u, c, b: review.release(d, u, c), "Give the case back"),
    "approve": action(ApproveBody, lambda d, u, c, b: review.approve(d, u, c, b.note, resolve=b.resolve,
                                                                      confirm_crisis=b.confirm_crisis),
                      "Publish a held post, marked delayed, and resolve (crisis posts: counselors, confirmed)",
                      mentor_ok=True),
    "remove": action(RemoveBody, lambda d, u, c, b: review.remove(d, u, c, b.reason, b.note, resolve=b.resolve),
                     "Remove the post everywhere and resolve", mentor_ok=True),
    "warn": action(WarnBody, lambda d, u, c, b: review.warn(d, u, c, b.text), "Private warning to the member"),
    "mute": action(MuteBody, lambda d, u, c, b: review.mute(d, u, c, b.minutes, b.reason),
                   "Mute the member for a period"),
    "suspend": action(SuspendBody, lambda d, u, c, b: review.suspend(d, u, c, b.scope, b.minutes, b.reason),
                      "Suspend from the room or program"),
    "unmute": action(ReasonBody, lambda d, u, c, b: review.unmute(d, u, c, b.reason),
                     "Let the member post again now (also after resolving)"),
    "lift": action(CaseLiftBody, lambda d, u, c, b: review.lift(d, u, c, b.scope, b.reason),
                   "End the member's suspension now (also after resolving)"),
    "escalate": action(EscalateBody, lambda d, u, c, b: review.escalate(d, u, c, b.to, b.note),
                       "Escalate to a supervisor or the crisis protocol"),
    "followups": action(FollowUpBody, lambda d, u, c, b: review.add_followup(d, u, c, b.kind, b.note, b.due),
                        "Plan a follow-up"),
    "notes": action(NoteBody, lambda d, u, c, b: review.add_note(d, u, c, b.text), "Add a note"),
    "resolve": action(ResolveBody, lambda d, u, c, b: review.resolve(d, u, c, b.note), "Resolve with a note"),
    "acknowledge": action(Empty, lambda d, u, c, b: review.acknowledge(d, u, c),
                          "Acknowledge an urgent alert (stops re-alerts)"),
}


def action_path(name: str) -> str:
    """The route of one case action."""
    return f"/api/cases/{{case}}/{name}"


async def _context(deps: Deps, case: Case) -> CaseContext:
    history = deps.history
    # A held post never reached the stream: its neighbours are found by time instead of by id.
    anchor = case.message_id or str(case.post.ts if case.post else case.created)
    before, after = await history.around(case.room, anchor, CONTEXT)
    hidden = await history.removed(case.room)

    def frames(entries: list[Entry]) -> list[Message]:
        return history_frames(case.room, entries, hidden)[0]

    return CaseContext(before=frames(before), after=frames(after))


async def _handles(deps: Deps, ids: set[str | None]) -> dict[str, str]:
    """Handles of the people among ``ids`` (system actors such as "moderation" are simply not found)."""
    return {u.id: u.handle for u in await deps.accounts.get_many(sorted(i for i in ids if i))}


def _card(case: Case, handles: dict[str, str]) -> QueueCase:
    post = case.post
    return QueueCase(
        **msgspec.structs.asdict(case_summary(case)), author_id=case.author_id,
        text=(post.masked_text or post.text) if post else None, masked=bool(post and post.masked_text is not None),
        reasons=case.reasons, crisis=review.is_crisis(case),
        assignee_handle=handles.get(case.assignee) if case.assignee else None,
        reporter_handle=handles.get(case.reporter) if case.reporter else None, lease_until=case.lease_until,
    )


async def _cards(deps: Deps, cases: list[Case]) -> list[QueueCase]:
    handles = await _handles(deps, {c.assignee for c in cases} | {c.reporter for c in cases})
    return [_card(c, handles) for c in cases]


async def list_cases(request: Request) -> Response:
    """The queue as cards, filtered: status (default open: claimed or not, by priority), category, room, urgent,
    and ``q`` (part of a member's handle)."""
    program = request.path_params["program"]
    deps, _ = await staff_of(request, program)
    query = query_of(request, CaseQuery)
    if query.room is not None:
        room = await deps.directory.room(query.room)
        if room is None or room.program != program:
            raise Reject(ErrorCode.INVALID, "room: no such room in this program")
    if query.status in ("resolved", "all"):
        cases = await deps.cases.recent(program, limit=500)
    else:
        cases = await deps.cases.open_queue(program, limit=500)
    chosen = [c for c in cases if case_matches(c, query)][: query.limit]
    return json_response(QueuePage(cases=await _cards(deps, chosen)))


async def bulk_decide(request: Request) -> Response:
    """Approve or dismiss several low-severity cases of the program with one note, each audited on its own."""
    program = request.path_params["program"]
    deps, user = await staff_of(request, program)
    body = await body_of(request, BulkBody)
    done, failed = await review.bulk(deps, user, program, body.action, body.cases, body.note)
    return json_response(BulkResult(
        done=[case_summary(c) for c in done],
        failed=[BulkFailure(case=case_id, code=exc.code.value, detail=exc.detail) for case_id, exc in failed],
    ))


async def get_case(request: Request) -> Response:
    """One case with its context, the author's recent case history, the handles it names and the author's
    restrictions in force."""
    deps = deps_of(request)
    user = await current_user(request)
    case = await review.load_case(deps, user, request.path_params["case"], mentor_ok=True)
    if not user.role.is_staff:
        # A host sees the held post and its category; the member's other cases are not theirs to see.
        return json_response(CaseView(case=review.host_view(case), context=await _context(deps, case),
                                      author_history=[], handles={}, restrictions=[]))
    history = [case_summary(c) for c in await deps.cases.by_author(case.author_id) if c.id != case.id] \
        if case.author_id else []
    ids: set[str | None] = {case.assignee, case.reporter, case.delivery.acknowledged_by if case.delivery else None}
    ids |= {t.actor for t in case.timeline} | {n.actor for n in case.notes} | {f.created_by for f in case.followups}
    restrictions = await members.restrictions_of(deps, case.author_id, case.program) \
        if case.author_id and user.role.is_staff else []
    return json_response(CaseView(case=case, context=await _context(deps, case), author_history=history,
                                  handles=await _handles(deps, ids), restrictions=restrictions))


def _endpoint(name: str, spec: ActionSpec[Any]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        deps = deps_of(request)
        user = await current_user(request)
        case = await review.load_case(deps, user, request.path_params["case"], mentor_ok=spec.mentor_ok)
        return json_response(CaseUpdated(case=await spec.perform(deps, user, case, request)))

    endpoint.__name__ = f"case_{name}"
    endpoint.__doc__ = f"Case action: {name}."
    return endpoint


async def complete_followup(request: Request) -> Response:
    """Mark a follow-up done."""
    deps = deps_of(request)
    user = await current_user(request)
    case = await review.load_case(deps, user, request.path_params["case"])
    updated = await review.complete_followup(deps, user, case, request.path_params["followup"])
    return json_response(CaseUpdated(case=updated))


async def followups_due(request: Request) -> Response:
    """Follow-ups not done, due before ``before`` (ms; default: the next 24 hours)."""
    program = request.path_params["program"]
    deps, _ = await staff_of(request, program)
    query = query_of(request, FollowupsQuery)
    before = now_ms() + 86_400_000 if query.before is None else query.before
    return json_response(FollowUpsDue(followups=await _followups(deps, program, before)))


async def _followups(deps: Deps, program: str, before: int) -> list[DueFollowUp]:
    wanted = await deps.followups.due_before(program, before)
    cases = {c.id: c for c in await deps.cases.get_many(sorted({case_id for case_id, _ in wanted}))}
    out = []
    for case_id, followup_id in wanted:
        case = cases.get(case_id)
        if case is None:
            continue
        for f in case.followups:
            if f.id == followup_id and not f.done:
                out.append(DueFollowUp(case=case_id, room=case.room, id=f.id, kind=f.kind, note=f.note, due=f.due,
                                       author=case.post.author_handle if case.post else None))
    return out


def _signals(flagged: list[Case]) -> list[MemberSignal]:
    """Members whose flagged posts touched crisis or relapse, in order of their first such case."""
    found: dict[str, tuple[str, set[str]]] = {}
    for c in flagged:
        risky = [cat for cat in c.categories if cat in ("crisis", "relapse")]
        if c.post and risky:
            found.setdefault(c.post.author_id, (c.post.author_handle, set()))[1].update(risky)
    return [MemberSignal(member=member, handle=handle, categories=sorted(categories))
            for member, (handle, categories) in found.items()]


async def inbox(request: Request) -> Response:
    """What happened since the counselor's last visit: cases, follow-ups, per-room activity."""
    program = request.path_params["program"]
    deps, user = await staff_of(request, program)
    # Validate before moving the caller's last-visit mark: a refused request must change nothing.
    query = query_of(request, InboxQuery)
    now = now_ms()
    previous = await deps.followups.swap_last_visit(user.id, program, now)
    since = query.since if query.since is not None else (previous if previous else now - 86_400_000)
    open_cases = await deps.cases.open_queue(program)
    recent = await deps.cases.recent(program, since_ms=since, limit=500)
    rooms = []
    for room in await deps.directory.rooms_of_program(program):
        posts = await deps.history.count_since(room.id, since, cap=10_000)
        flagged = [c for c in recent if c.room == room.id]
        rooms.append(RoomActivity(room=room.id, name=room.name, posts=posts, flags=len(flagged),
                                  signals=_signals(flagged)))
    return json_response(Inbox(
        since=since, now=now,
        open_cases=[case_summary(c) for c in open_cases],
        new_cases=[case_summary(c) for c in recent],
        resolved_since=sum(1 for c in recent if c.status is CaseStatus.RESOLVED),
        followups_due=await _followups(deps, program, now + 86_400_000),
        rooms=rooms,
    ))


async def held_posts(request: Request) -> Response:
    """Held posts of a room, for its host (mentor) and program staff."""
    deps, user, room = await room_in_program(request)
    if not is_host(user, room) or (user.role is Role.MEMBER):
        raise Reject(ErrorCode.FORBIDDEN, "hosts only", status=403)
    # Crisis holds stay with counselors: a hosting mentor's list has only the ordinary ones.
    cases = [c for c in await deps.cases.open_queue(room.program, limit=500)
             if c.room == room.id and c.post_state is PostState.HELD
             and (user.role.is_staff or not review.is_crisis(c))]
    held = [HeldCase(**msgspec.structs.asdict(case_summary(c)), text=c.post.text if c.post else None) for c in cases]
    return json_response(HeldPosts(held=held))


routes = [
    Route("/api/programs/{program}/cases", list_cases),
    Route("/api/programs/{program}/cases/bulk", bulk_decide, methods=["POST"]),
    Route("/api/programs/{program}/inbox", inbox),
    Route("/api/programs/{program}/followups", followups_due),
    *audit_api.routes,
    *members_api.routes,
    Route("/api/rooms/{room}/held", held_posts),
    Route("/api/cases/{case}", get_case),
    Route("/api/cases/{case}/followups/{followup}/done", complete_followup, methods=["POST"]),
    # Only the table's names are routed: any other action name is not found.
    *[Route(action_path(name), _endpoint(name, spec), methods=["POST"]) for name, spec in ACTIONS.items()],
]

# Routes documented in service/http/openapi.py beside its own list: (method, path, tag, summary, body, roles).
OPERATIONS: list[tuple[str, str, str, str, type | None, str]] = [
    ("POST", "/api/programs/{program}/cases/bulk", "queue",
     "Approve or dismiss several low-severity cases with one note (crisis cases refused)", BulkBody,
     "counselor, admin"),
    *members_api.OPERATIONS,
]
