"""HTTP API of the counselor queue: cases, actions, inbox, follow-ups, audit."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from moderation.case_types import Case, CaseStatus, PostState
from service import review
from service.api import body_of, json_response, room_in_program
from service.auth import current_user, require_program
from service.casework import case_summary
from service.deps import Deps, deps_of
from service.directory import is_host
from service.errors import ErrorCode, Reject
from service.ids import now_ms
from service.messages import history_frames
from service.models import Role, User

Text = Annotated[str, Meta(max_length=2000)]
CONTEXT = 3


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


async def _staff_of(request: Request, program: str) -> tuple[Deps, User]:
    deps = deps_of(request)
    user = await current_user(request)
    require_program(user, program)
    if not user.role.is_staff:
        raise Reject(ErrorCode.FORBIDDEN, "counselors only", status=403)
    return deps, user


def case_view(case: Case) -> dict[str, Any]:
    """The full case for counselors."""
    return msgspec.to_builtins(case)


async def _context(deps: Deps, case: Case) -> dict[str, Any]:
    history = deps.history
    stream = history.keys(case.room).stream
    if case.message_id:
        before_rows = await deps.redis.xrevrange(stream, max=f"({case.message_id}", count=CONTEXT)
        after_rows = await deps.redis.xrange(stream, min=f"({case.message_id}", count=CONTEXT)
    else:
        ts = case.post.ts if case.post else case.created
        before_rows = await deps.redis.xrevrange(stream, max=str(ts), count=CONTEXT)
        after_rows = await deps.redis.xrange(stream, min=str(ts + 1), count=CONTEXT)
    hidden = await history.removed(case.room)

    def frames(rows: list[Any]) -> list[Any]:
        entries = [(r[0].decode(), r[1][b"d"]) for r in rows]
        return msgspec.to_builtins(history_frames(case.room, entries, hidden)[0])

    return {"before": frames(list(reversed(before_rows))), "after": frames(after_rows)}


async def list_cases(request: Request) -> Response:
    """Open cases by priority (crisis, severity, age), or all recent cases."""
    program = request.path_params["program"]
    deps, _ = await _staff_of(request, program)
    if request.query_params.get("status", "open") == "all":
        cases = await deps.cases.recent(program)
    else:
        cases = await deps.cases.open_queue(program)
    return json_response({"cases": [case_summary(c) for c in cases]})


async def get_case(request: Request) -> Response:
    """One case with its context and the author's recent case history."""
    deps = deps_of(request)
    user = await current_user(request)
    case = await review.load_case(deps, user, request.path_params["case"], mentor_ok=True)
    history = [case_summary(c) for c in await deps.cases.by_author(case.author_id) if c.id != case.id] \
        if case.author_id else []
    return json_response({"case": case_view(case), "context": await _context(deps, case), "author_history": history})


def _action(name: str) -> Any:
    async def endpoint(request: Request) -> Response:
        deps = deps_of(request)
        user = await current_user(request)
        mentor_ok = name in ("approve", "remove")
        case = await review.load_case(deps, user, request.path_params["case"], mentor_ok=mentor_ok)
        updated = await _dispatch(name, deps, user, case, request)
        return json_response({"case": case_view(updated)})

    endpoint.__name__ = f"case_{name}"
    endpoint.__doc__ = f"Case action: {name}."
    return endpoint


async def _dispatch(name: str, deps: Deps, user: User, case: Case, request: Request) -> Case:
    match name:
        case "claim":
            body = await body_of(request, ClaimBody)
            return await review.claim(deps, user, case, body.lease_seconds * 1000)
        case "release":
            await body_of(request, Empty)
            return await review.release(deps, user, case)
        case "approve":
            await body_of(request, Empty)
            return await review.approve(deps, user, case)
        case "remove":
            return await review.remove(deps, user, case, (await body_of(request, ReasonBody)).reason)
        case "warn":
            return await review.warn(deps, user, case, (await body_of(request, WarnBody)).text)
        case "mute":
            mute = await body_of(request, MuteBody)
            return await review.mute(deps, user, case, mute.minutes, mute.reason)
        case "suspend":
            sus = await body_of(request, SuspendBody)
            return await review.suspend(deps, user, case, sus.scope, sus.minutes, sus.reason)
        case "escalate":
            esc = await body_of(request, EscalateBody)
            return await review.escalate(deps, user, case, esc.to, esc.note)
        case "followups":
            fu = await body_of(request, FollowUpBody)
            return await review.add_followup(deps, user, case, fu.kind, fu.note, fu.due)
        case "notes":
            return await review.add_note(deps, user, case, (await body_of(request, NoteBody)).text)
        case "resolve":
            return await review.resolve(deps, user, case, (await body_of(request, ResolveBody)).note)
        case "acknowledge":
            await body_of(request, Empty)
            return await review.acknowledge(deps, user, case)
    raise Reject(ErrorCode.NOT_FOUND, "no such action", status=404)


async def complete_followup(request: Request) -> Response:
    """Mark a follow-up done."""
    deps = deps_of(request)
    user = await current_user(request)
    case = await review.load_case(deps, user, request.path_params["case"])
    updated = await review.complete_followup(deps, user, case, request.path_params["followup"])
    return json_response({"case": case_view(updated)})


async def followups_due(request: Request) -> Response:
    """Follow-ups not done, due before ``before`` (ms; default: the next 24 hours)."""
    program = request.path_params["program"]
    deps, _ = await _staff_of(request, program)
    before = int(request.query_params.get("before", now_ms() + 86_400_000))
    return json_response({"followups": await _followups(deps, program, before)})


async def _followups(deps: Deps, program: str, before: int) -> list[dict[str, Any]]:
    members = await deps.redis.zrangebyscore(deps.keys.followups(program), "-inf", before, start=0, num=200)
    wanted = [m.decode().split("|", 1) for m in members]
    cases = {c.id: c for c in await deps.cases.get_many(sorted({case_id for case_id, _ in wanted}))}
    out = []
    for case_id, followup_id in wanted:
        case = cases.get(case_id)
        for f in case.followups if case else ():
            if f.id == followup_id and not f.done:
                out.append({"case": case_id, "room": case.room, "id": f.id, "kind": f.kind, "note": f.note,
                            "due": f.due, "author": case.post.author_handle if case.post else None})
    return out


async def inbox(request: Request) -> Response:
    """What happened since the counselor's last visit: cases, follow-ups, per-room activity."""
    program = request.path_params["program"]
    deps, user = await _staff_of(request, program)
    key = deps.keys.last_visit(user.id, program)
    now = now_ms()
    previous = await deps.redis.getset(key, now)
    since = int(request.query_params.get("since") or (int(previous) if previous else now - 86_400_000))
    open_cases = await deps.cases.open_queue(program)
    recent = await deps.cases.recent(program, since_ms=since, limit=500)
    rooms = []
    for room in await deps.directory.rooms_of_program(program):
        posts = await deps.redis.xrange(deps.history.keys(room.id).stream, min=f"{since}-0", count=10_000)
        flagged = [c for c in recent if c.room == room.id]
        signals: dict[str, dict[str, Any]] = {}
        for c in flagged:
            risky = [cat for cat in c.categories if cat in ("crisis", "relapse")]
            if c.post and risky:
                entry = signals.setdefault(c.post.author_id, {"member": c.post.author_id,
                                                               "handle": c.post.author_handle, "categories": []})
                entry["categories"] = sorted(set(entry["categories"]) | set(risky))
        rooms.append({"room": room.id, "name": room.name, "posts": len(posts), "flags": len(flagged),
                      "signals": list(signals.values())})
    return json_response({
        "since": since, "now": now,
        "open_cases": [case_summary(c) for c in open_cases],
        "new_cases": [case_summary(c) for c in recent],
        "resolved_since": sum(1 for c in recent if c.status is CaseStatus.RESOLVED),
        "followups_due": await _followups(deps, program, now + 86_400_000),
        "rooms": rooms,
    })


async def held_posts(request: Request) -> Response:
    """Held posts of a room, for its host (mentor) and program staff."""
    deps, user, room = await room_in_program(request)
    if not is_host(user, room) or (user.role is Role.MEMBER):
        raise Reject(ErrorCode.FORBIDDEN, "hosts only", status=403)
    cases = [c for c in await deps.cases.open_queue(room.program, limit=500)
             if c.room == room.id and c.post_state is PostState.HELD]
    return json_response({"held": [{**case_summary(c), "text": c.post.text if c.post else None} for c in cases]})


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
    return json_response({"entries": [e for e in entries if e.program == program]})


async def audit_export(request: Request) -> Response:
    """The program's whole audit log as JSON Lines."""
    program = request.path_params["program"]
    deps, _ = await _staff_of(request, program)
    return StreamingResponse(
        deps.audit.export(program), media_type="application/x-ndjson",
        headers={"content-disposition": f'attachment; filename="audit-{program}.jsonl"'},
    )


ACTIONS = ["claim", "release", "approve", "remove", "warn", "mute", "suspend", "escalate", "followups", "notes",
           "resolve", "acknowledge"]

routes = [
    Route("/api/programs/{program}/cases", list_cases),
    Route("/api/programs/{program}/inbox", inbox),
    Route("/api/programs/{program}/followups", followups_due),
    Route("/api/programs/{program}/audit", audit_log),
    Route("/api/programs/{program}/audit/export", audit_export),
    Route("/api/rooms/{room}/held", held_posts),
    Route("/api/cases/{case}", get_case),
    Route("/api/cases/{case}/followups/{followup}/done", complete_followup, methods=["POST"]),
    *[Route(f"/api/cases/{{case}}/{name}", _action(name), methods=["POST"]) for name in ACTIONS],
]
