"""HTTP API of the counselor queue: cases, actions, inbox, follow-ups, audit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

import msgspec
from msgspec import Meta
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from channels.history import Entry
from moderation.case_types import Case, CaseStatus, PostState
from service.actions import review
from service.actions.auth import current_user, require_program
from service.actions.casework import case_summary
from service.actions.deps import Deps, deps_of
from service.base.errors import ErrorCode, Reject
from service.base.ids import now_ms
from service.base.models import Role, User
from service.http.common import body_of, json_response, room_in_program
from service.protocol import (
    AuditPage,
    CaseContext,
    CaseDetail,
    CaseList,
    CaseUpdated,
    DueFollowUp,
    FollowUpsDue,
    HeldCase,
    HeldPosts,
    Inbox,
    MemberSignal,
    Message,
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
    "approve": action(Empty, lambda d, u, c, b: review.approve(d, u, c), "Publish a held post, marked delayed",
                      mentor_ok=True),
    "remove": action(ReasonBody, lambda d, u, c, b: review.remove(d, u, c, b.reason), "Remove the post everywhere",
                     mentor_ok=True),
    "warn": action(WarnBody, lambda d, u, c, b: review.warn(d, u, c, b.text), "Private warning to the member"),
    "mute": action(MuteBody, lambda d, u, c, b: review.mute(d, u, c, b.minutes, b.reason),
                   "Mute the member for a period"),
    "suspend": action(SuspendBody, lambda d, u, c, b: review.suspend(d, u, c, b.scope, b.minutes, b.reason),
                      "Suspend from the room or program"),
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


async def _staff_of(request: Request, program: str) -> tuple[Deps, User]:
    deps = deps_of(request)
    user = await current_user(request)
    require_program(user, program)
    if not user.role.is_staff:
        raise Reject(ErrorCode.FORBIDDEN, "counselors only", status=403)
    return deps, user


async def _context(deps: Deps, case: Case) -> CaseContext:
    history = deps.history
    # A held post never reached the stream: its neighbours are found by time instead of by id.
    anchor = case.message_id or str(case.post.ts if case.post else case.created)
    before, after = await history.around(case.room, anchor, CONTEXT)
    hidden = await history.removed(case.room)

    def frames(entries: list[Entry]) -> list[Message]:
        return history_frames(case.room, entries, hidden)[0]

    return CaseContext(before=frames(before), after=frames(after))


async def list_cases(request: Request) -> Response:
    """Open cases by priority (crisis, severity, age), or all recent cases."""
    program = request.path_params["program"]
    deps, _ = await _staff_of(request, program)
    if request.query_params.get("status", "open") == "all":
        cases = await deps.cases.recent(program)
    else:
        cases = await deps.cases.open_queue(program)
    return json_response(CaseList(cases=[case_summary(c) for c in cases]))


async def get_case(request: Request) -> Response:
    """One case with its context and the author's recent case history."""
    deps = deps_of(request)
    user = await current_user(request)
    case = await review.load_case(deps, user, request.path_params["case"], mentor_ok=True)
    history = [case_summary(c) for c in await deps.cases.by_author(case.author_id) if c.id != case.id] \
        if case.author_id else []
    return json_response(CaseDetail(case=case, context=await _context(deps, case), author_history=history))


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
    deps, _ = await _staff_of(request, program)
    before = int(request.query_params.get("before", now_ms() + 86_400_000))
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
    deps, user = await _staff_of(request, program)
    now = now_ms()
    previous = await deps.followups.swap_last_visit(user.id, program, now)
    since = int(request.query_params.get("since") or (previous if previous else now - 86_400_000))
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
    cases = [c for c in await deps.cases.open_queue(room.program, limit=500)
             if c.room == room.id and c.post_state is PostState.HELD]
    held = [HeldCase(**msgspec.structs.asdict(case_summary(c)), text=c.post.text if c.post else None) for c in cases]
    return json_response(HeldPosts(held=held))


async def audit_log(request: Request) -> Response:
    """Audit entries of a program, optionally for one case, member or actor (newest first)."""
    program = request.path_params["program"]
    deps, _ = await _staff_of(request, program)
    q = request.query_params
    limit = min(int(q.get("limit", 100)), 1000)
    before = q.get("before")
    if q.get("case"):
        entries = await deps.audit.for_case(q["case"], limit)
    elif q.get("member"):
        entries = await deps.audit.for_subject(q["member"], limit, before)
    elif q.get("actor"):
        entries = await deps.audit.for_actor(q["actor"], limit, before)
    else:
        entries = await deps.audit.for_program(program, limit, before)
    # Per-member and per-actor streams span programs: show only this program's part.
    return json_response(AuditPage(entries=[e for e in entries if e.program == program]))


async def audit_export(request: Request) -> Response:
    """The program's whole audit log as JSON Lines."""
    program = request.path_params["program"]
    deps, _ = await _staff_of(request, program)
    return StreamingResponse(
        deps.audit.export(program), media_type="application/x-ndjson",
        headers={"content-disposition": f'attachment; filename="audit-{program}.jsonl"'},
    )


routes = [
    Route("/api/programs/{program}/cases", list_cases),
    Route("/api/programs/{program}/inbox", inbox),
    Route("/api/programs/{program}/followups", followups_due),
    Route("/api/programs/{program}/audit", audit_log),
    Route("/api/programs/{program}/audit/export", audit_export),
    Route("/api/rooms/{room}/held", held_posts),
    Route("/api/cases/{case}", get_case),
    Route("/api/cases/{case}/followups/{followup}/done", complete_followup, methods=["POST"]),
    # Only the table's names are routed: any other action name is not found.
    *[Route(action_path(name), _endpoint(name, spec), methods=["POST"]) for name, spec in ACTIONS.items()],
]
