"""Room actions over HTTP for members and hosts: report a post, hide one pending review."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.actions.auth import current_user
from service.actions.deps import Deps, deps_of
from service.actions.reports import hide_post, report_post
from service.base.errors import ErrorCode, Reject
from service.base.models import Room, User
from service.http.common import (
    body_of,
    json_response,
)
from service.stores.directory import may_join


class ReportBody(msgspec.Struct, forbid_unknown_fields=True):
    """POST /api/rooms/{room}/messages/{message}/report (or /hide)."""

    reason: Annotated[str, Meta(max_length=500)] = ""


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


routes = [
    Route("/api/rooms/{room}/messages/{message}/report", report_message, methods=["POST"]),
    Route("/api/rooms/{room}/messages/{message}/hide", hide_message, methods=["POST"]),
]
