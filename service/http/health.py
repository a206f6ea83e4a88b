"""Liveness and readiness probes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from channels.broker import BackendUnavailable
from service.actions.deps import deps_of
from service.base.tasks import supervisor_of
from service.http.common import (
    json_response,
)


async def healthz(request: Request) -> Response:
    """Alive."""
    return json_response({"ok": True})


async def readyz(request: Request) -> Response:
    """Ready when Redis answers and no background loop keeps crashing."""
    deps = deps_of(request)
    failing = supervisor_of(request).failing()
    try:
        await deps.handle.ping()
        redis_ok = True
    except BackendUnavailable:
        redis_ok = False
    ok = redis_ok and not failing
    return json_response({"ok": ok, "redis": redis_ok, "failing_loops": failing, "instance": deps.instance_id},
                         status=200 if ok else 503)


routes = [
    Route("/healthz", healthz),
    Route("/readyz", readyz),
]
