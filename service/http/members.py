"""Counselors' view of one member (cases, notes, follow-ups, restrictions in force), lifting a mute or
suspension from there, and whether the program's urgent cases page anyone outside the app."""

from __future__ import annotations

from typing import Literal

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.actions import members
from service.actions.auth import current_user
from service.actions.casework import case_summary
from service.actions.deps import Deps, deps_of
from service.base.errors import ErrorCode, Reject
from service.base.models import Role, User
from service.http.common import body_of, json_response
from service.http.queue_common import staff_of
from service.protocol import Ident, MemberPage, OnCallStatus, Reason


class MemberUnmuteBody(msgspec.Struct, forbid_unknown_fields=True):
    """Why (kept in the audit log)."""

    reason: Reason = ""


class MemberLiftBody(msgspec.Struct, forbid_unknown_fields=True):
    """Which suspension: the whole program's, or one room's (``room`` then names it)."""

    scope: Literal["room", "program"]
    room: Ident | None = None
    reason: Reason = ""


async def _member_request(request: Request) -> tuple[Deps, User, str, User]:
    """Program staff looking at a person of their program; 404 for everyone else (no probing who exists)."""
    deps = deps_of(request)
    user = await current_user(request)
    program = request.path_params["program"]
    if program not in user.programs or not user.role.is_staff:
        raise Reject(ErrorCode.NOT_FOUND, "no such member in this program", status=404)
    member = await members.member_of(deps, program, request.path_params["user"])
    return deps, user, program, member


async def member_page(request: Request) -> Response:
    """One member's cases, counselor notes, follow-ups and restrictions in force, in this program."""
    deps, _, program, member = await _member_request(request)
    cases = await members.cases_of(deps, member.id, program)
    return json_response(MemberPage(
        id=member.id, handle=member.handle, role=member.role.value,
        cases=[case_summary(c) for c in cases], notes=members.notes_of(cases), followups=members.followups_of(cases),
        restrictions=await members.restrictions_of(deps, member.id, program),
    ))


async def unmute(request: Request) -> Response:
    """Let the member post again now (audited; every instance and the member hear of it at once)."""
    deps, user, program, member = await _member_request(request)
    body = await body_of(request, MemberUnmuteBody)
    await members.unmute(deps, member, program)
    await members.audit_member(deps, user, program, member, "member.unmuted", body.reason)
    return json_response({"restrictions": await members.restrictions_of(deps, member.id, program)})


async def lift(request: Request) -> Response:
    """End a suspension now (audited; the member may join again at once)."""
    deps, user, program, member = await _member_request(request)
    body = await body_of(request, MemberLiftBody)
    room = None
    if body.scope == "room":
        found = await deps.directory.room(body.room) if body.room else None
        if found is None or found.program != program:
            raise Reject(ErrorCode.INVALID, "scope room needs the id of a room of this program")
        room = found.id
    await members.lift(deps, member, program, room)
    await members.audit_member(deps, user, program, member, f"member.lifted.{body.scope}", body.reason, room)
    return json_response({"restrictions": await members.restrictions_of(deps, member.id, program)})


async def oncall_status(request: Request) -> Response:
    """Whether urgent cases page someone outside the app (never the endpoint itself: that is for admins)."""
    program = request.path_params["program"]
    deps, user = await staff_of(request, program)
    configured = await deps.oncall.config(program) is not None
    return json_response(OnCallStatus(configured=configured, can_configure=user.role is Role.ADMIN))


routes = [
    Route("/api/programs/{program}/members/{user}", member_page),
    Route("/api/programs/{program}/members/{user}/unmute", unmute, methods=["POST"]),
    Route("/api/programs/{program}/members/{user}/lift", lift, methods=["POST"]),
    Route("/api/programs/{program}/oncall/status", oncall_status),
]

# (method, path, tag, summary, body, roles) for service/http/openapi.py.
OPERATIONS: list[tuple[str, str, str, str, type | None, str]] = [
    ("GET", "/api/programs/{program}/members/{user}", "queue",
     "A member's cases, counselor notes, follow-ups and restrictions in force", None,
     "counselor, admin of the program (404 for anyone else)"),
    ("POST", "/api/programs/{program}/members/{user}/unmute", "queue", "Let a muted member post again now",
     MemberUnmuteBody, "counselor, admin of the program"),
    ("POST", "/api/programs/{program}/members/{user}/lift", "queue", "End a member's suspension now",
     MemberLiftBody, "counselor, admin of the program"),
    ("GET", "/api/programs/{program}/oncall/status", "queue",
     "Whether urgent cases page an on-call contact outside the app", None, "counselor, admin"),
]
