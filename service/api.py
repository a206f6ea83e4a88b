"""HTTP API: sign-in, invites, programs and rooms (JSON in and out)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import msgspec
from msgspec import Meta
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from moderation.audit import AuditEntry
from service.auth import COOKIE_NAME, current_user, require_program, require_role, token_of
from service.deps import Deps, deps_of
from service.directory import may_join
from service.errors import ErrorCode, Reject
from service.ids import now_ms
from service.models import Program, Role, Room, RoomKind, User
from service.oncall import OnCallConfig, public_config
from service.posting import crisis_resources
from service.reports import hide_post, report_post

T = TypeVar("T")
_json = msgspec.json.Encoder()

Handle = Annotated[str, Meta(min_length=1, max_length=64)]
Password = Annotated[str, Meta(min_length=1, max_length=256)]


class LoginBody(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/login."""

    handle: Handle
    password: Password


class RedeemBody(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/invites/redeem."""

    code: Annotated[str, Meta(min_length=4, max_length=40)]
    handle: Handle
    password: Password


class ProgramBody(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/programs."""

    name: Annotated[str, Meta(min_length=1, max_length=80)]
    timezone: str = "America/Chicago"


class RoomBody(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/programs/{id}/rooms."""

    name: Annotated[str, Meta(min_length=1, max_length=80)]
    kind: RoomKind = RoomKind.COHORT
    hosts: list[str] = msgspec.field(default_factory=list)


class InviteBody(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/programs/{id}/invites."""

    role: Role = Role.MEMBER
    uses: int = 1
    ttl_days: int = 14
    rooms: list[str] = msgspec.field(default_factory=list)


class ReportBody(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/rooms/{room}/messages/{message}/report (or /hide)."""

    reason: Annotated[str, Meta(max_length=500)] = ""


class MemberBody(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/rooms/{id}/members."""

    user: str


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Encode with msgspec (Structs included)."""
    return Response(_json.encode(data), status_code=status, media_type="application/json", headers=headers)


async def body_of(request: Request, kind: type[T]) -> T:
    """Decode and validate a JSON body; a bad one is a typed 400."""
    raw = await request.body()
    if len(raw) > 64 * 1024:
        raise Reject(ErrorCode.TOO_LARGE, "request body too large", status=413)
    try:
        return msgspec.json.decode(raw or b"{}", type=kind)
    except msgspec.ValidationError as exc:
        raise Reject(ErrorCode.INVALID, str(exc)) from None
    except msgspec.DecodeError:
        raise Reject(ErrorCode.BAD_JSON, "body is not valid JSON") from None


def public_user(user: User) -> dict[str, Any]:
    """A user as the API shows them (never the password hash)."""
    return {"id": user.id, "handle": user.handle, "role": user.role.value, "programs": user.programs}


def room_view(room: Room) -> dict[str, Any]:
    """A room as the API shows it."""
    return {"id": room.id, "program": room.program, "name": room.name, "kind": room.kind.value, "hosts": room.hosts}


def _session_response(deps: Deps, user: User, token: str, status: int = 200) -> Response:
    response = json_response({"token": token, "user": public_user(user)}, status=status)
    response.set_cookie(
        COOKIE_NAME, token, max_age=deps.settings.session_ttl_seconds, httponly=True, samesite="strict",
        secure=deps.settings.cookie_secure, path="/",
    )
    return response


def _client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def login(request: Request) -> Response:
    """Exchange a handle and password for a session (cookie and token)."""
    deps = deps_of(request)
    body = await body_of(request, LoginBody)
    s = deps.settings
    user = await deps.accounts.verify_login(
        body.handle, body.password, _client_address(request), s.login_max_failures, s.login_window_seconds
    )
    token = await deps.accounts.create_session(user)
    return _session_response(deps, user, token)


async def logout(request: Request) -> Response:
    """End this session."""
    deps = deps_of(request)
    user = await current_user(request)
    token = token_of(request)
    if token:
        await deps.accounts.logout(token)
        await deps.feed.refresh(user.id, "session")
    response = json_response({"ok": True})
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


async def logout_everywhere(request: Request) -> Response:
    """End every session of the caller."""
    deps = deps_of(request)
    user = await current_user(request)
    count = await deps.accounts.revoke_all(user.id)
    await deps.feed.refresh(user.id, "session")
    response = json_response({"ok": True, "sessions": count})
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


async def me(request: Request) -> Response:
    """The caller and their programs."""
    deps = deps_of(request)
    user = await current_user(request)
    programs = await deps.directory.programs(user.programs)
    # Crisis lines are sent with the account so "Get help now" works before (and without) any flagged post.
    policy = deps.moderator.policy_for(programs[0].id if programs else "")
    support = {"text": policy.crisis_message, "resources": crisis_resources(policy)}
    return json_response({"user": public_user(user), "programs": [{"id": p.id, "name": p.name} for p in programs],
                          "support": support})


async def redeem_invite(request: Request) -> Response:
    """Create a pseudonymous account from an invite code, and sign it in."""
    deps = deps_of(request)
    body = await body_of(request, RedeemBody)
    invite = await deps.directory.claim_invite(body.code)
    try:
        user = await deps.accounts.create_user(body.handle, body.password, invite.role, [invite.program])
    except Reject:
        await deps.directory.release_invite(body.code)
        raise
    for room_id in invite.rooms:
        room = await deps.directory.room(room_id)
        if room is not None and room.program == invite.program:
            await deps.directory.add_room_member(room, user.id)
    await deps.audit.record(_admin_entry(invite.program, user, "account.create", f"role={invite.role.value}"))
    token = await deps.accounts.create_session(user)
    return _session_response(deps, user, token, status=201)


def _admin_entry(program: str, actor: User, action: str, reason: str = "", subject: str | None = None) -> AuditEntry:
    return AuditEntry(ts=now_ms(), program=program, actor=actor.id, actor_role=actor.role.value,
                      actor_handle=actor.handle, action=action, subject=subject or actor.id, reason=reason)


async def my_rooms(request: Request) -> Response:
    """Rooms the caller may enter."""
    deps = deps_of(request)
    user = await current_user(request)
    return json_response({"rooms": [room_view(r) for r in await deps.directory.rooms_for(user)]})


async def list_programs(request: Request) -> Response:
    """Programs of the caller."""
    deps = deps_of(request)
    user = await current_user(request)
    programs: list[Program] = await deps.directory.programs(user.programs)
    return json_response({"programs": programs})


async def create_program(request: Request) -> Response:
    """Admins create programs (and become their admins)."""
    deps = deps_of(request)
    user = await current_user(request)
    require_role(user, Role.ADMIN)
    body = await body_of(request, ProgramBody)
    program = await deps.directory.create_program(body.name, body.timezone)
    user.programs.append(program.id)
    await deps.accounts.save(user)
    await deps.audit.record(_admin_entry(program.id, user, "program.create"))
    return json_response(program, status=201)


async def _admin_of(request: Request, program_id: str) -> tuple[Deps, User]:
    deps = deps_of(request)
    user = await current_user(request)
    require_program(user, program_id)
    require_role(user, Role.ADMIN)
    return deps, user


async def create_room(request: Request) -> Response:
    """Admins add rooms to their programs."""
    program_id = request.path_params["program"]
    deps, user = await _admin_of(request, program_id)
    body = await body_of(request, RoomBody)
    room = await deps.directory.create_room(program_id, body.name, body.kind, body.hosts)
    await deps.audit.record(_admin_entry(program_id, user, "room.create", room.id))
    return json_response(room_view(room), status=201)


async def program_rooms(request: Request) -> Response:
    """Rooms of a program the caller can see."""
    program_id = request.path_params["program"]
    deps = deps_of(request)
    user = await current_user(request)
    require_program(user, program_id)
    rooms = [r for r in await deps.directory.rooms_of_program(program_id) if may_join(user, r)]
    return json_response({"rooms": [room_view(r) for r in rooms]})


async def create_invite(request: Request) -> Response:
    """Admins (any role) and counselors (members, mentors) issue invite codes."""
    program_id = request.path_params["program"]
    deps = deps_of(request)
    user = await current_user(request)
    require_program(user, program_id)
    require_role(user, Role.COUNSELOR)
    body = await body_of(request, InviteBody)
    if body.role.rank >= Role.COUNSELOR.rank:
        require_role(user, Role.ADMIN)
    code = await deps.directory.create_invite(program_id, body.role, user.id, body.uses, body.ttl_days, body.rooms)
    await deps.audit.record(_admin_entry(program_id, user, "invite.create", f"role={body.role.value} uses={body.uses}"))
    return json_response({"code": code, "role": body.role.value, "uses": body.uses}, status=201)


async def add_room_member(request: Request) -> Response:
    """Admins and counselors add a person of the program to a restricted room."""
    deps, user, room = await room_in_program(request)
    require_role(user, Role.COUNSELOR)
    body = await body_of(request, MemberBody)
    target = await deps.accounts.get(body.user)
    if target is None or room.program not in target.programs:
        raise Reject(ErrorCode.NOT_FOUND, "no such member in this program", status=404)
    await deps.directory.add_room_member(room, target.id)
    await deps.audit.record(_admin_entry(room.program, user, "room.add_member", room.id, subject=target.id))
    return json_response(room_view(room))


async def revoke_sessions(request: Request) -> Response:
    """An admin signs a user out everywhere (lost phone, compromised account)."""
    deps = deps_of(request)
    user = await current_user(request)
    require_role(user, Role.ADMIN)
    target = await deps.accounts.get(request.path_params["user"])
    if target is None or not set(target.programs) & set(user.programs):
        raise Reject(ErrorCode.NOT_FOUND, "no such user", status=404)
    count = await deps.accounts.revoke_all(target.id)
    await deps.feed.refresh(target.id, "session")
    for program in set(target.programs) & set(user.programs):
        await deps.audit.record(_admin_entry(program, user, "sessions.revoke", f"sessions={count}", subject=target.id))
    return json_response({"ok": True, "sessions": count})


async def room_in_program(request: Request) -> tuple[Deps, User, Room]:
    """The path's room when it belongs to one of the caller's programs, else 404 (no probing)."""
    deps = deps_of(request)
    user = await current_user(request)
    room = await deps.directory.room(request.path_params["room"])
    if room is None or room.program not in user.programs:
        raise Reject(ErrorCode.NOT_FOUND, "no such room", status=404)
    return deps, user, room


async def _room_for_member(request: Request) -> tuple[Deps, User, Room]:
    deps = deps_of(request)
    user = await current_user(request)
    room = await deps.directory.room(request.path_params["room"])
    if room is None or not may_join(user, room):
        raise Reject(ErrorCode.NOT_FOUND, "no such room", status=404)
    return deps, user, room


async def report_message(request: Request) -> Response:
    """A member reports a post to the program's counselors."""
    deps, user, room = await _room_for_member(request)
    body = await body_of(request, ReportBody)
    case_id = await report_post(deps, user, room, request.path_params["message"], body.reason)
    return json_response({"reported": True, "case": case_id}, status=201)


async def hide_message(request: Request) -> Response:
    """A room's host hides a post pending review."""
    deps, user, room = await _room_for_member(request)
    body = await body_of(request, ReportBody)
    case_id = await hide_post(deps, user, room, request.path_params["message"], body.reason)
    return json_response({"hidden": True, "case": case_id}, status=201)


async def get_oncall(request: Request) -> Response:
    """A program's on-call endpoint (never its secret)."""
    program = request.path_params["program"]
    deps, _ = await _admin_of(request, program)
    config = await deps.oncall.config(program)
    return json_response({"oncall": public_config(config) if config else None})


async def put_oncall(request: Request) -> Response:
    """Set where a program's urgent cases are pushed (HMAC-signed webhook)."""
    program = request.path_params["program"]
    deps, user = await _admin_of(request, program)
    body = await body_of(request, OnCallConfig)
    try:
        await deps.oncall.configure(program, body)
    except ValueError as exc:
        raise Reject(ErrorCode.INVALID, str(exc)) from None
    await deps.audit.record(_admin_entry(program, user, "oncall.configure"))
    return json_response({"oncall": public_config(body)})


async def delete_oncall(request: Request) -> Response:
    """Stop pushing a program's urgent cases."""
    program = request.path_params["program"]
    deps, user = await _admin_of(request, program)
    await deps.oncall.configure(program, None)
    await deps.audit.record(_admin_entry(program, user, "oncall.remove"))
    return Response(status_code=204)


async def healthz(request: Request) -> Response:
    """Alive."""
    return json_response({"ok": True})


async def readyz(request: Request) -> Response:
    """Ready when Redis answers."""
    deps = deps_of(request)
    try:
        await deps.redis.ping()
    except Exception:
        return json_response({"ok": False, "redis": False}, status=503)
    return json_response({"ok": True, "redis": True, "instance": deps.instance_id})


routes = [
    Route("/healthz", healthz),
    Route("/readyz", readyz),
    Route("/api/login", login, methods=["POST"]),
    Route("/api/logout", logout, methods=["POST"]),
    Route("/api/logout-everywhere", logout_everywhere, methods=["POST"]),
    Route("/api/me", me),
    Route("/api/invites/redeem", redeem_invite, methods=["POST"]),
    Route("/api/rooms", my_rooms),
    Route("/api/programs", list_programs, methods=["GET"]),
    Route("/api/programs", create_program, methods=["POST"]),
    Route("/api/programs/{program}/rooms", program_rooms, methods=["GET"]),
    Route("/api/programs/{program}/rooms", create_room, methods=["POST"]),
    Route("/api/programs/{program}/invites", create_invite, methods=["POST"]),
    Route("/api/rooms/{room}/members", add_room_member, methods=["POST"]),
    Route("/api/users/{user}/revoke-sessions", revoke_sessions, methods=["POST"]),
    Route("/api/rooms/{room}/messages/{message}/report", report_message, methods=["POST"]),
    Route("/api/rooms/{room}/messages/{message}/hide", hide_message, methods=["POST"]),
    Route("/api/programs/{program}/oncall", get_oncall, methods=["GET"]),
    Route("/api/programs/{program}/oncall", put_oncall, methods=["PUT"]),
    Route("/api/programs/{program}/oncall", delete_oncall, methods=["DELETE"]),
]
