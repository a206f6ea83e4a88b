"""Program administration over HTTP: programs, rooms, invites, room members, session revocation, on-call."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.actions.auth import current_user, require_program, require_role
from service.actions.deps import Deps, deps_of
from service.base.errors import ErrorCode, Reject
from service.base.models import Program, Role, RoomKind, User
from service.http.common import (
    admin_entry,
    body_of,
    json_response,
    room_in_program,
    room_view,
)
from service.http.queue_common import staff_of
from service.stores.directory import may_join
from service.stores.oncall import OnCallConfig, public_config


class ProgramBody(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/programs."""

    name: Annotated[str, Meta(min_length=1, max_length=80)]
    timezone: str = "America/Chicago"


class RoomBody(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/programs/{id}/rooms."""

    name: Annotated[str, Meta(min_length=1, max_length=80)]
    kind: RoomKind = RoomKind.COHORT
    hosts: Annotated[list[str], Meta(max_length=50)] = msgspec.field(default_factory=list)


class InviteBody(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/programs/{id}/invites."""

    role: Role = Role.MEMBER
    uses: int = 1
    ttl_days: int = 14
    rooms: list[str] = msgspec.field(default_factory=list)


class MemberBody(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/rooms/{id}/members."""

    user: str


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
    await deps.audit.record(admin_entry(program.id, user, "program.create"))
    return json_response(program, status=201)


async def _admin_of(request: Request, program_id: str) -> tuple[Deps, User]:
    deps = deps_of(request)
    user = await current_user(request)
    require_program(user, program_id)
    require_role(user, Role.ADMIN)
    return deps, user


async def _check_hosts(deps: Deps, program_id: str, hosts: list[str]) -> list[str]:
    # A host may enter the room whatever their program (may_join): only this program's mentors and staff qualify.
    people = {u.id: u for u in await deps.accounts.get_many(sorted(set(hosts)))}
    for host in hosts:
        person = people.get(host)
        if person is None or program_id not in person.programs or person.role.rank < Role.MENTOR.rank:
            raise Reject(ErrorCode.INVALID, "hosts must be mentors, counselors or admins of this program")
    return list(dict.fromkeys(hosts))


async def create_room(request: Request) -> Response:
    """Admins add rooms to their programs."""
    program_id = request.path_params["program"]
    deps, user = await _admin_of(request, program_id)
    body = await body_of(request, RoomBody)
    hosts = await _check_hosts(deps, program_id, body.hosts)
    room = await deps.directory.create_room(program_id, body.name, body.kind, hosts)
    await deps.audit.record(admin_entry(program_id, user, "room.create", room.id))
    return json_response(room_view(room), status=201)


async def program_rooms(request: Request) -> Response:
    """Rooms of a program the caller can see."""
    program_id = request.path_params["program"]
    deps = deps_of(request)
    user = await current_user(request)
    require_program(user, program_id)
    rooms = [r for r in await deps.directory.rooms_of_program(program_id) if may_join(user, r)]
    return json_response({"rooms": [room_view(r) for r in rooms]})


async def program_people(request: Request) -> Response:
    """A program's people (id, handle, role) for its counselors and admins, e.g. to choose room hosts."""
    program_id = request.path_params["program"]
    deps, _ = await staff_of(request, program_id)
    wanted = {r.strip() for r in request.query_params.get("role", "").split(",") if r.strip()}
    unknown = wanted - {r.value for r in Role}
    if unknown:
        raise Reject(ErrorCode.INVALID, f"unknown role: {', '.join(sorted(unknown))}")
    people = [u for u in await deps.accounts.in_program(program_id)
              if not u.disabled and (not wanted or u.role.value in wanted)]
    # Never public_user(): it lists every program a person is in, and another program is none of this one's business.
    return json_response({"people": [{"id": u.id, "handle": u.handle, "role": u.role.value} for u in people]})


async def create_invite(request: Request) -> Response:
    """Admins (any role) and counselors (members, mentors) issue invite codes."""
    program_id = request.path_params["program"]
    deps, user = await staff_of(request, program_id)
    body = await body_of(request, InviteBody)
    if body.role.rank >= Role.COUNSELOR.rank:
        require_role(user, Role.ADMIN)
    code = await deps.directory.create_invite(program_id, body.role, user.id, body.uses, body.ttl_days, body.rooms)
    await deps.audit.record(admin_entry(program_id, user, "invite.create", f"role={body.role.value} uses={body.uses}"))
    return json_response({"code": code, "role": body.role.value, "uses": body.uses}, status=201)


async def add_room_member(request: Request) -> Response:
    """Admins and counselors add a person of the program to a restricted room."""
    deps, user, room = await room_in_program(request)
    require_role(user, Role.COUNSELOR)
    body = await body_of(request, MemberBody)
    target = await deps.accounts.get(body.user)
    if target is None or room.program not in target.programs:
        raise Reject(ErrorCode.NOT_FOUND, "no such member in this program", status=404)
    if room.kind is RoomKind.STAFF and target.role.rank < Role.MENTOR.rank:
        raise Reject(ErrorCode.FORBIDDEN, "members cannot be added to a staff room", status=403)
    await deps.directory.add_room_member(room, target.id)
    await deps.audit.record(admin_entry(room.program, user, "room.add_member", room.id, subject=target.id))
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
        await deps.audit.record(admin_entry(program, user, "sessions.revoke", f"sessions={count}", subject=target.id))
    return json_response({"ok": True, "sessions": count})


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
    await deps.audit.record(admin_entry(program, user, "oncall.configure"))
    return json_response({"oncall": public_config(body)})


async def delete_oncall(request: Request) -> Response:
    """Stop pushing a program's urgent cases."""
    program = request.path_params["program"]
    deps, user = await _admin_of(request, program)
    await deps.oncall.configure(program, None)
    await deps.audit.record(admin_entry(program, user, "oncall.remove"))
    return Response(status_code=204)


routes = [
    Route("/api/programs", list_programs, methods=["GET"]),
    Route("/api/programs", create_program, methods=["POST"]),
    Route("/api/programs/{program}/rooms", program_rooms, methods=["GET"]),
    Route("/api/programs/{program}/rooms", create_room, methods=["POST"]),
    Route("/api/programs/{program}/invites", create_invite, methods=["POST"]),
    Route("/api/programs/{program}/people", program_people, methods=["GET"]),
    Route("/api/rooms/{room}/members", add_room_member, methods=["POST"]),
    Route("/api/users/{user}/revoke-sessions", revoke_sessions, methods=["POST"]),
    Route("/api/programs/{program}/oncall", get_oncall, methods=["GET"]),
    Route("/api/programs/{program}/oncall", put_oncall, methods=["PUT"]),
    Route("/api/programs/{program}/oncall", delete_oncall, methods=["DELETE"]),
]
