"""Accounts over HTTP: sign-in and out, invite redemption, who am I, my rooms."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.actions.auth import COOKIE_NAME, current_user, token_of
from service.actions.deps import Deps, deps_of
from service.actions.support import crisis_resources
from service.base.errors import Reject
from service.base.models import User
from service.http.common import (
    Handle,
    Password,
    admin_entry,
    body_of,
    client_address,
    json_response,
    public_user,
    room_view,
)


class LoginBody(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/login."""

    handle: Handle
    password: Password


class RedeemBody(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/invites/redeem."""

    code: Annotated[str, Meta(min_length=4, max_length=40)]
    handle: Handle
    password: Password


def _session_response(deps: Deps, user: User, token: str, status: int = 200) -> Response:
    response = json_response({"token": token, "user": public_user(user)}, status=status)
    response.set_cookie(
        COOKIE_NAME, token, max_age=deps.settings.session_ttl_seconds, httponly=True, samesite="strict",
        secure=deps.settings.cookie_secure, path="/",
    )
    return response


async def login(request: Request) -> Response:
    """Exchange a handle and password for a session (cookie and token)."""
    deps = deps_of(request)
    body = await body_of(request, LoginBody)
    s = deps.settings
    user = await deps.accounts.verify_login(
        body.handle, body.password, client_address(request), s.login_max_failures, s.login_window_seconds
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
    await deps.audit.record(admin_entry(invite.program, user, "account.create", f"role={invite.role.value}"))
    token = await deps.accounts.create_session(user)
    return _session_response(deps, user, token, status=201)


async def my_rooms(request: Request) -> Response:
    """Rooms the caller may enter."""
    deps = deps_of(request)
    user = await current_user(request)
    return json_response({"rooms": [room_view(r) for r in await deps.directory.rooms_for(user)]})


routes = [
    Route("/api/login", login, methods=["POST"]),
    Route("/api/logout", logout, methods=["POST"]),
    Route("/api/logout-everywhere", logout_everywhere, methods=["POST"]),
    Route("/api/me", me),
    Route("/api/invites/redeem", redeem_invite, methods=["POST"]),
    Route("/api/rooms", my_rooms),
]
