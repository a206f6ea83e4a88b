"""Accounts over HTTP: sign-in and out, invite redemption, who am I, my rooms."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.actions.auth import COOKIE_NAME, current_user, origin_allowed, require_role, token_of
from service.actions.deps import Deps, deps_of
from service.actions.support import crisis_resources
from service.base.errors import ErrorCode, Reject
from service.base.models import Role, User
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
from service.stores.login_guard import DEVICE_TTL_S

DEVICE_COOKIE = "between_device"


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


def _same_site_browser(request: Request) -> None:
    """Sign-in and redemption from another site's page are refused (login CSRF)."""
    if not origin_allowed(request, deps_of(request).settings):
        raise Reject(ErrorCode.FORBIDDEN, "sign in from Between's own page", status=403)


async def login(request: Request) -> Response:
    """Exchange a handle and password for a session (cookie and token)."""
    deps = deps_of(request)
    _same_site_browser(request)
    body = await body_of(request, LoginBody)
    device = request.cookies.get(DEVICE_COOKIE)
    device_owner = await deps.login_guard.device_user(device) if device else None
    target = await deps.accounts.by_handle(body.handle) if device_owner else None
    known = target is not None and target.id == device_owner
    reservation = await deps.login_guard.reserve_login(body.handle, client_address(request), known)
    user = await deps.accounts.verify_password(body.handle, body.password)
    await deps.login_guard.succeeded(reservation)
    token = await deps.accounts.create_session(user)
    response = _session_response(deps, user, token)
    if not known:
        _set_device_cookie(deps, response, await deps.login_guard.remember_device(user.id))
    return response


def _set_device_cookie(deps: Deps, response: Response, token: str) -> None:
    # Not a session: it only tells the guess limiter "this browser signed in here before".
    response.set_cookie(DEVICE_COOKIE, token, max_age=DEVICE_TTL_S, httponly=True, samesite="strict",
                        secure=deps.settings.cookie_secure, path="/api/login")


async def unlock_login(request: Request) -> Response:
    """A counselor or admin lifts the sign-in brake on a member of their program (they vouch for them)."""
    deps = deps_of(request)
    user = await current_user(request)
    require_role(user, Role.COUNSELOR)
    target = await deps.accounts.get(request.path_params["user"])
    if target is None or not set(target.programs) & set(user.programs) or (target.role.rank >= user.role.rank \
            and user.role is not Role.ADMIN):
        raise Reject(ErrorCode.NOT_FOUND, "no such user", status=404)
    await deps.login_guard.unlock(target.handle)
    for program in set(target.programs) & set(user.programs):
        await deps.audit.record(admin_entry(program, user, "login.unlock", "", subject=target.id))
    return json_response({"ok": True})


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
    _same_site_browser(request)
    body = await body_of(request, RedeemBody)
    reservation = await deps.login_guard.reserve_redemption(client_address(request))
    invite = await deps.directory.claim_invite(body.code)
    await deps.login_guard.succeeded(reservation)
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
    Route("/api/users/{user}/unlock-login", unlock_login, methods=["POST"]),
]
