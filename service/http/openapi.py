"""The OpenAPI description of the HTTP API, built from the request Structs, the routes and ``review.ACTIONS``."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from service.http import accounts, admin, outreach, rooms
from service.http import review as review_api
from service.http.common import json_response
from service.stores.oncall import OnCallConfig

# (method, path, tag, summary, request body Struct or None, roles allowed)
OPERATIONS: list[tuple[str, str, str, str, type | None, str]] = [
    ("GET", "/healthz", "ops", "Liveness", None, "anyone"),
    ("GET", "/readyz", "ops", "Readiness (Redis reachable)", None, "anyone"),
    ("POST", "/api/login", "accounts", "Sign in; sets the session cookie and returns a bearer token",
     accounts.LoginBody,
     "anyone (rate-limited)"),
    ("POST", "/api/logout", "accounts", "End this session", None, "signed in"),
    ("POST", "/api/logout-everywhere", "accounts", "End every session of the caller", None, "signed in"),
    ("GET", "/api/me", "accounts", "The caller and their programs", None, "signed in"),
    ("POST", "/api/invites/redeem", "accounts", "Create a pseudonymous account from an invite code",
     accounts.RedeemBody,
     "anyone"),
    ("GET", "/api/rooms", "rooms", "Rooms the caller may join", None, "signed in"),
    ("GET", "/api/programs", "admin", "The caller's programs", None, "signed in"),
    ("POST", "/api/programs", "admin", "Create a program", admin.ProgramBody, "admin"),
    ("GET", "/api/programs/{program}/rooms", "rooms", "Rooms of a program the caller may join", None, "program"),
    ("POST", "/api/programs/{program}/rooms", "admin", "Create a room", admin.RoomBody, "admin of the program"),
    ("POST", "/api/programs/{program}/invites", "admin", "Issue an invite code", admin.InviteBody,
     "counselor (member/mentor invites), admin"),
    ("GET", "/api/programs/{program}/people", "admin",
     "People of the program: id, handle, role (?role=mentor,counselor filters)", None,
     "counselor, admin of the program"),
    ("POST", "/api/rooms/{room}/members", "admin", "Add a person to a restricted room", admin.MemberBody,
     "counselor, admin"),
    ("POST", "/api/users/{user}/revoke-sessions", "admin", "Sign a user out everywhere", None, "admin"),
    ("POST", "/api/users/{user}/unlock-login", "accounts", "Lift the sign-in brake on someone of your program",
     None, "counselor (members, mentors), admin"),
    ("POST", "/api/rooms/{room}/messages/{message}/report", "rooms", "Report a post to the counselors",
     rooms.ReportBody, "members of the room"),
    ("POST", "/api/rooms/{room}/messages/{message}/hide", "rooms", "Hide a post pending review", rooms.ReportBody,
     "the room's host, program staff"),
    ("GET", "/api/programs/{program}/oncall", "admin", "The program's on-call webhook (never the secret)", None,
     "admin of the program"),
    ("PUT", "/api/programs/{program}/oncall", "admin", "Set the on-call webhook for urgent cases",
     OnCallConfig, "admin of the program"),
    ("DELETE", "/api/programs/{program}/oncall", "admin", "Remove the on-call webhook", None,
     "admin of the program"),
    ("GET", "/api/programs/{program}/inbox", "queue", "What happened since the caller's last visit", None,
     "counselor, admin"),
    ("GET", "/api/programs/{program}/cases", "queue",
     "Queue cards by priority (?status=open|unclaimed|claimed|resolved|all, ?category=, ?room=, ?urgent=true,"
     " ?q=handle, ?limit=)", None, "counselor, admin"),
    ("GET", "/api/programs/{program}/followups", "queue", "Follow-ups due (?before=ms)", None, "counselor, admin"),
    ("GET", "/api/programs/{program}/audit", "audit",
     "Audit entries with handles (?case=, ?member=, ?member_handle=, ?actor=, ?actor_handle=, ?limit=, ?before=)",
     None, "counselor, admin"),
    ("GET", "/api/programs/{program}/audit/export", "audit", "The whole audit log as JSON Lines", None,
     "counselor, admin"),
    ("GET", "/api/rooms/{room}/held", "queue", "Held posts of a room", None, "host of the room, counselor, admin"),
    ("GET", "/api/cases/{case}", "queue", "A case with context and the author's case history", None,
     "counselor, admin; hosts for held posts of their rooms"),
    ("POST", "/api/cases/{case}/followups/{followup}/done", "queue", "Mark a follow-up done", None,
     "counselor, admin"),
    *[("POST", review_api.action_path(name), "queue", spec.summary, spec.body, spec.roles)
      for name, spec in review_api.ACTIONS.items()],
    *review_api.OPERATIONS,
]

EXTRA_OPERATIONS: list[tuple[str, str, str, str, type | None, str]] = [
    # Private check-ins (service/http/outreach.py): every answer with thread content carries the Part 2 notice.
    ("POST", "/api/cases/{case}/outreach", "outreach",
     "Reach out privately to the member a case is about (continues the case's thread if it has one)",
     outreach.OutreachBody, "counselor, admin of the program"),
    ("POST", "/api/programs/{program}/members/{user}/outreach", "outreach", "Reach out privately to a member",
     outreach.OutreachBody, "counselor, admin of the program"),
    ("GET", "/api/programs/{program}/members/{user}/outreach", "outreach", "A member's check-in threads", None,
     "counselor, admin of the program"),
    ("GET", "/api/me/outreach", "outreach", "The caller's own check-in threads", None, "signed in"),
    ("GET", "/api/outreach/{thread}", "outreach", "A check-in thread and its messages (staff reads are audited)",
     None, "the thread's member; counselors, admins of its program"),
    ("POST", "/api/outreach/{thread}/messages", "outreach",
     "Write in a check-in thread (members' replies are moderated)",
     outreach.OutreachBody, "the thread's member; counselors, admins of its program"),
    ("GET", "/api/me/held", "rooms", "The caller's own posts waiting for review, with what happens next", None,
     "signed in"),
]

_ERROR = {
    "type": "object",
    "properties": {"error": {"type": "object", "properties": {"code": {"type": "string"},
                                                               "detail": {"type": "string"}}}},
}


def build() -> dict[str, Any]:
    """The OpenAPI 3.1 document."""
    operations = OPERATIONS + EXTRA_OPERATIONS
    bodies = sorted({body for *_, body, _ in operations if body is not None}, key=lambda t: t.__name__)
    _, components = msgspec.json.schema_components(bodies, ref_template="#/components/schemas/{name}")
    paths: dict[str, dict[str, Any]] = {}
    for method, path, tag, summary, body, roles in operations:
        op: dict[str, Any] = {
            "tags": [tag], "summary": summary, "description": f"Allowed: {roles}.",
            "responses": {
                "200": {"description": "OK"},
                "400": {"description": "Invalid request", "content": {"application/json": {"schema": _ERROR}}},
                "401": {"description": "Not signed in"},
                "403": {"description": "Wrong role (or cross-site cookie write)"},
                "404": {"description": "Not found, or outside the caller's programs"},
                "409": {"description": "Conflict (claimed by someone else, already resolved, …)"},
                "429": {"description": "Rate-limited"},
                "503": {"description": "Redis unavailable; retry"},
            },
        }
        params = [part[1:-1] for part in path.split("/") if part.startswith("{")]
        if params:
            op["parameters"] = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                                for p in params]
        if body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{body.__name__}"}}}}
        paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Between", "version": "0.1.0",
                 "description": "Rooms, moderation and the counselor queue. The WebSocket protocol at /ws is "
                                "documented in the README and service/protocol.py."},
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "between_session"},
            },
        },
    }


async def openapi(request: Request) -> Response:
    """GET /api/openapi.json."""
    return json_response(build())
