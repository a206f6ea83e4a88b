"""A member's own held posts over HTTP, so they follow the member to every device and sign-in."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.actions.auth import current_user
from service.actions.deps import deps_of
from service.actions.held import held_posts
from service.http.common import json_response
from service.protocol import MyHeldPosts


async def my_held(request: Request) -> Response:
    """The caller's posts waiting for review (only their own), oldest first, each with what happens next."""
    deps = deps_of(request)
    user = await current_user(request)
    return json_response(MyHeldPosts(held=await held_posts(deps, user)))


routes = [Route("/api/me/held", my_held)]
