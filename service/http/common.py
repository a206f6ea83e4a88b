"""Shared pieces of the HTTP API: JSON in and out, typed bodies, public views, room lookups."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import msgspec
from msgspec import Meta
from starlette.requests import Request
from starlette.responses import Response

from moderation.audit import AuditEntry
from service.actions.auth import current_user
from service.actions.deps import Deps, deps_of
from service.base.errors import ErrorCode, Reject
from service.base.ids import now_ms
from service.base.models import Room, User
from service.base.text import clean_text

T = TypeVar("T")


_json = msgspec.json.Encoder()


Handle = Annotated[str, Meta(min_length=1, max_length=64)]


Password = Annotated[str, Meta(min_length=1, max_length=256)]


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """Encode with msgspec (Structs included)."""
    return Response(_json.encode(data), status_code=status, media_type="application/json", headers=headers)


MAX_BODY_BYTES = 64 * 1024


async def read_limited(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refused with 413 by its declared length or as soon as it streams past ``limit``:
    an oversized body is never held in memory (four unauthenticated 200 MB logins once took 1 GB)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise Reject(ErrorCode.TOO_LARGE, "request body too large", status=413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Reject(ErrorCode.TOO_LARGE, "request body too large", status=413)
    return bytes(body)


def _cleaned(body: T) -> T:
    """Every text field of a decoded body through ``clean_text`` (bodies are flat Structs)."""
    if not isinstance(body, msgspec.Struct):
        return body
    changes = {name: clean_text(value) for name in body.__struct_fields__
               if isinstance(value := getattr(body, name), str) and clean_text(value) != value}
    return msgspec.structs.replace(body, **changes) if changes else body


async def body_of(request: Request, kind: type[T]) -> T:
    """Decode and validate a JSON body; a bad one is a typed 400.

    A body must say it is JSON: a cross-site HTML form can only send form or text/plain bodies
    without a CORS preflight, so this alone stops form-based request forgery (login CSRF included).
    """
    raw = await read_limited(request)
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if raw and media != "application/json":
        raise Reject(ErrorCode.UNSUPPORTED_MEDIA, "send the body as application/json", status=415)
    try:
        return _cleaned(msgspec.json.decode(raw or b"{}", type=kind))
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


def admin_entry(program: str, actor: User, action: str, reason: str = "", subject: str | None = None) -> AuditEntry:
    return AuditEntry(ts=now_ms(), program=program, actor=actor.id, actor_role=actor.role.value,
                      actor_handle=actor.handle, action=action, subject=subject or actor.id, reason=reason)


async def room_in_program(request: Request) -> tuple[Deps, User, Room]:
    """The path's room when it belongs to one of the caller's programs, else 404 (no probing)."""
    deps = deps_of(request)
    user = await current_user(request)
    room = await deps.directory.room(request.path_params["room"])
    if room is None or room.program not in user.programs:
        raise Reject(ErrorCode.NOT_FOUND, "no such room", status=404)
    return deps, user, room


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
