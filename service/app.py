"""The Starlette application: routes, middleware and the lifespan that wires Deps."""

from __future__ import annotations

import contextlib
import functools
import logging
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from channels.broker import BackendUnavailable
from channels.broker_redis import RedisBroker
from channels.envelope import Seq, format_seq, parse_seq
from channels.history import History, RateLimit, Retention
from channels.hub import Hub
from channels.keys import LeaseKeys, topic_room
from channels.lease import Leases
from channels.presence import PresenceStore
from channels.wsframe import text_frame
from moderation.audit import AuditLog
from moderation.cases import CaseStore
from moderation.linear import shipped_classifier
from moderation.pipeline import Moderator
from service.actions.casework import Casework
from service.actions.deps import Deps
from service.base import logs
from service.base.errors import ErrorCode, Reject
from service.base.settings import Settings
from service.base.tasks import Supervisor
from service.http import accounts, admin, health, held, openapi, outreach, rooms
from service.http import review as review_api
from service.http.common import json_response
from service.protocol import encode
from service.realtime import upkeep as maintenance
from service.realtime.endpoint import websocket_endpoint
from service.realtime.live import Live
from service.stores.accounts import Accounts
from service.stores.directory import Directory
from service.stores.feed import Feed
from service.stores.followups import Followups
from service.stores.keys import AccountKeys
from service.stores.login_guard import LoginGuard
from service.stores.messages import history_frames
from service.stores.oncall import OnCall
from service.stores.redis_conn import open_redis
from service.stores.restrictions import Restrictions
from service.stores.threads import Threads

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
     b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds a strict CSP and friends to every HTTP response (pure ASGI: no per-request overhead)."""

    def __init__(self, app: ASGIApp, https: bool = False) -> None:
        self.app = app
        # Behind HTTPS (secure cookies on), browsers are told to never come back over plain HTTP.
        self.extra = [(b"strict-transport-security", b"max-age=31536000; includeSubDomains")] if https else []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap ``send`` for HTTP responses."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                headers.extend(self.extra)
                if scope["path"].startswith("/api/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def reject_handler(request: Request, exc: Exception) -> Response:
    """Typed JSON errors for refused requests."""
    assert isinstance(exc, Reject)
    return json_response({"error": {"code": exc.code.value, "detail": exc.detail}}, status=exc.status)


async def unavailable_handler(request: Request, exc: Exception) -> Response:
    """Redis is down: say so, and that it is worth retrying."""
    return json_response(
        {"error": {"code": ErrorCode.UNAVAILABLE.value, "detail": "service briefly unavailable; try again"}},
        status=503, headers={"retry-after": "2"},
    )


async def build_deps(settings: Settings, **overrides: Any) -> Deps:
    """Connect to Redis and build every service of an instance."""
    handle = await open_redis(settings)
    redis = handle.client
    prefix = settings.key_prefix
    keys = AccountKeys(prefix)
    hub = Hub(keys.users_topic)
    instance_id = settings.instance_name or secrets.token_hex(4)
    broker = RedisBroker(redis, hub.dispatch, hub.on_resubscribed, name=f"{prefix}-{instance_id}-pubsub",
                         on_lost=hub.on_broker_lost)
    hub.bind(broker)
    history = History(redis, prefix, Retention(settings.history_max_len, settings.history_max_age_ms),
                      settings.idempotency_ttl_seconds * 1000)
    cases = CaseStore(redis, prefix, Leases(redis, LeaseKeys(prefix)))
    audit = AuditLog(redis, prefix)
    feed = Feed(redis, keys)
    moderator = overrides.pop("moderator", None) or Moderator.load(
        Path(settings.rules_dir) if settings.rules_dir else None,
        Path(settings.policy_file) if settings.policy_file else None,
        classifier=shipped_classifier() if settings.moderation_model else None,
    )
    casework = Casework(cases, audit, feed)
    oncall = OnCall(redis, prefix, cases, casework.announce)
    casework.on_urgent.append(oncall.alert)  # new urgent cases; escalation to crisis runs these too
    deps = Deps(
        settings=settings, handle=handle, keys=keys,
        accounts=Accounts(redis, keys, settings.session_ttl_seconds, settings.argon2_time_cost,
                          settings.argon2_memory_kib),
        directory=Directory(redis, keys), history=history,
        presence=PresenceStore(redis, prefix, settings.presence_ttl_seconds), hub=hub, broker=broker,
        moderator=moderator, cases=cases, audit=audit, feed=feed, casework=casework, oncall=oncall,
        instance_id=instance_id,
        restrictions=Restrictions(redis, keys), followups=Followups(redis, keys),
        login_guard=LoginGuard(redis, keys, settings.login_max_failures, settings.login_window_seconds),
        post_rate=RateLimit(settings.post_rate_limit, settings.post_rate_window_seconds * 1000),
        threads=Threads(redis, keys, settings.idempotency_ttl_seconds * 1000),
    )
    for key, value in overrides.items():
        setattr(deps, key, value)

    async def resync(topic: str, last: Seq) -> list[tuple[Seq, bytes]]:
        room = topic_room(prefix, topic)
        _, entries = await history.after(room, format_seq(last), settings.history_resume_limit)
        hidden = await history.removed(room)
        messages, _ = history_frames(room, entries, hidden)
        return [(parse_seq(m.id), text_frame(encode(m))) for m in messages]

    async def positions(topics: list[str]) -> list[Seq | None]:
        newest = await history.newest_ids([topic_room(prefix, topic) for topic in topics])
        return [parse_seq(found) if found else None for found in newest]

    hub.resync_source = resync
    hub.position_source = positions
    await broker.start()
    await hub.start()
    return deps


class WebSocketFastPath:
    """Sends ``/ws`` straight to its endpoint, around Starlette's middleware and router.

    Each live socket keeps its whole await chain in memory for hours; five framework layers
    per socket (none of which does anything for a WebSocket here) cost kilobytes × thousands.
    Everything else, and the lifespan, goes to the Starlette app.
    """

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.state = app.state

    @property
    def routes(self) -> list[Any]:
        """The Starlette app's routes."""
        return self.app.routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route one ASGI connection."""
        if scope["type"] == "websocket" and scope["path"] == "/ws":
            scope["app"] = self.app
            await websocket_endpoint(WebSocket(scope, receive, send))
            return
        await self.app(scope, receive, send)


def create_app(settings: Settings, **overrides: Any) -> WebSocketFastPath:
    """Build the ASGI app; Redis and background tasks come up in the lifespan."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        deps = await build_deps(settings, **overrides)
        app.state.deps = deps
        app.state.live = live = Live()
        supervisor: Supervisor = app.state.supervisor
        supervisor.start("maintenance", lambda: maintenance.run(deps, live))
        supervisor.start("oncall", deps.oncall.run)
        for name, job in app.state.background_jobs:
            supervisor.start(name, functools.partial(job, deps))
        logger.info("instance ready", extra={"instance": deps.instance_id, "redis": deps.handle.where})
        try:
            yield
        finally:
            await supervisor.aclose()
            await deps.hub.aclose()
            await deps.broker.aclose()
            await deps.handle.aclose()

    logs.quiet_protocol_loggers()
    static_dir = Path(settings.static_dir) if settings.static_dir else STATIC_DIR
    routes: list[Any] = [
        *health.routes, *accounts.routes, *admin.routes, *rooms.routes, *review_api.routes,
        *outreach.routes, *held.routes,
        Route("/api/openapi.json", openapi.openapi),
        WebSocketRoute("/ws", websocket_endpoint),
    ]
    if static_dir.is_dir():
        routes.append(Mount("/", app=StaticFiles(directory=static_dir, html=True), name="static"))
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders, https=settings.cookie_secure)],
        exception_handlers={Reject: reject_handler, BackendUnavailable: unavailable_handler},
        lifespan=lifespan,
    )
    app.state.settings = settings
    # Extra supervised loops as (name, job(deps)); tests use it to run a loop that crashes.
    app.state.background_jobs = []
    app.state.supervisor = Supervisor(base_delay_s=settings.loop_restart_base_seconds)
    return WebSocketFastPath(app)
