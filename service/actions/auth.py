"""Who is calling: session tokens from cookie or bearer header, origin checks, role guards."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import HTTPConnection, Request

from service.actions.deps import deps_of
from service.base.errors import ErrorCode, Reject
from service.base.models import Role, User
from service.base.settings import Settings

COOKIE_NAME = "between_session"


def token_of(conn: HTTPConnection) -> str | None:
    """The bearer token, else the session cookie."""
    header = conn.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return conn.cookies.get(COOKIE_NAME) or None


def origin_allowed(conn: HTTPConnection, settings: Settings) -> bool:
    """Refuse cross-site WebSocket hijacking: a browser's Origin must be ours or configured."""
    origin = conn.headers.get("origin")
    if origin is None:
        return True  # not a browser: such clients authenticate with a bearer token
    if origin in settings.allowed_origins:
        return True
    return urlsplit(origin).netloc.lower() == conn.headers.get("host", "").lower()


def _cookie_authenticated(request: Request) -> bool:
    return not request.headers.get("authorization") and COOKIE_NAME in request.cookies


async def current_user(request: Request) -> User:
    """The signed-in user, or 401. Cookie-authenticated writes must come from our own origin."""
    deps = deps_of(request)
    token = token_of(request)
    user = await deps.accounts.resolve(token) if token else None
    if user is None:
        raise Reject(ErrorCode.UNAUTHENTICATED, "sign in first", status=401)
    if request.method not in ("GET", "HEAD", "OPTIONS") and _cookie_authenticated(request):
        # SameSite=Strict already stops most cross-site requests; this closes the rest (CSRF).
        if request.headers.get("origin") is None or not origin_allowed(request, deps.settings):
            raise Reject(ErrorCode.FORBIDDEN, "cross-site request refused", status=403)
    return user


def require_role(user: User, minimum: Role) -> None:
    """403 unless the user's role is at least ``minimum``."""
    if user.role.rank < minimum.rank:
        raise Reject(ErrorCode.FORBIDDEN, f"needs the {minimum.value} role", status=403)


def require_program(user: User, program: str) -> None:
    """404 (not 403: don't confirm it exists) unless the user belongs to the program."""
    if program not in user.programs:
        raise Reject(ErrorCode.NOT_FOUND, "no such program", status=404)
