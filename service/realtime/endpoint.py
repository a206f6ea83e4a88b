"""The ``/ws`` endpoint: handshake checks, then a reader and a writer per socket."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Coroutine
from typing import Any

import msgspec
from redis.exceptions import RedisError
from starlette.responses import Response
from starlette.websockets import WebSocket

from channels.broker import BackendUnavailable
from channels.wsframe import payload_of
from service.actions.auth import origin_allowed, token_of
from service.actions.deps import Deps, deps_of
from service.base.errors import CloseCode, Disconnect, ErrorCode, Reject
from service.protocol import Error, Left, decoder
from service.realtime.connection import Connection
from service.realtime.handlers import handle_frame, leave, leave_all
from service.realtime.live import live_of
from service.realtime.staff import attach_staff_feeds, detach_staff_feeds
from service.realtime.wsproto import raw_socket_of

logger = logging.getLogger(__name__)

_FRAME_ERRORS = {ErrorCode.BAD_JSON, ErrorCode.BAD_FRAME, ErrorCode.UNKNOWN_TYPE, ErrorCode.TOO_LARGE,
                 ErrorCode.BINARY, ErrorCode.NOT_JOINED, ErrorCode.FORBIDDEN}


def _ref_of(text: str) -> str | None:
    """Best effort: name the offending frame by its client_id or room."""
    with contextlib.suppress(Exception):
        raw = msgspec.json.decode(text)
        if isinstance(raw, dict):
            for key in ("client_id", "room"):
                if isinstance(raw.get(key), str):
                    return str(raw[key])[:64]
    return None


def _is_json(text: str) -> bool:
    # Typed decoding can fail on the shape before it reaches a syntax error further on. Untyped
    # decoding recurses per nesting level: a frame of a thousand brackets is not JSON we accept.
    try:
        msgspec.json.decode(text)
    except (msgspec.DecodeError, RecursionError):
        return False
    return True


def _classify(exc: msgspec.DecodeError, text: str) -> Reject:
    message = str(exc)
    if not isinstance(exc, msgspec.ValidationError) or not _is_json(text):
        return Reject(ErrorCode.BAD_JSON, "frame is not valid JSON")
    if "`$.type`" in message and "Invalid value" in message:
        return Reject(ErrorCode.UNKNOWN_TYPE, message, ref=_ref_of(text))
    return Reject(ErrorCode.BAD_FRAME, message, ref=_ref_of(text))


async def websocket_endpoint(websocket: WebSocket) -> None:
    """Authenticate the handshake, then serve frames until either side goes away."""
    deps = deps_of(websocket)
    live = live_of(websocket)
    if not origin_allowed(websocket, deps.settings):
        logger.warning("websocket refused: origin", extra={"reason": "origin"})
        await websocket.close(code=1008)
        return
    token = token_of(websocket)
    try:
        user = await deps.accounts.resolve(token) if token else None
    except BackendUnavailable:
        await _refuse_unavailable(websocket)
        return
    if user is None or token is None:
        await websocket.close(code=CloseCode.UNAUTHENTICATED)
        return
    shared = live.open_for(user.id, deps.settings.sockets_per_user)
    if shared is None:
        # Accepted, then closed, so a browser sees the code (a refused handshake only says "failed").
        # Terminal range: more sockets will not help; the client should use the ones it has.
        await websocket.accept()
        await websocket.close(code=CloseCode.TOO_MANY_SOCKETS, reason="too many open connections")
        return
    try:
        await websocket.accept()
    except BaseException:
        live.closed_for(user.id)
        raise
    _forget_handshake(websocket)
    # The socket keeps only what it needs of the account (not, say, the password hash).
    user = msgspec.structs.replace(user, password_hash="")
    closer = _Closer(asyncio.current_task())
    raw = raw_socket_of(websocket.scope)
    conn = Connection(secrets.token_hex(6), user, token, deps.settings.outbox_limit,
                      on_slow=lambda: closer(Disconnect(CloseCode.SLOW_CONSUMER, "slow consumer")),
                      raw=raw, flusher=live.flusher, shared=shared)
    owned: set[asyncio.Task[None]] = set()  # every task this socket starts; cancelled when it closes

    def spawn(work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        owned.add(task)
        task.add_done_callback(lambda done: _settled(owned, done, conn.id))

    conn.start_writer = lambda: spawn(_write(conn, websocket, closer))
    conn.muted_until = await deps.restrictions.muted_until(user.id)
    conn.refresh_requested = lambda _frame: spawn(_refresh(deps, conn, closer))
    conn.close_with = closer
    live.connections.add(conn)
    deps.stats.connections_opened += 1
    deps.hub.attach_user(user.id, conn)
    staff_feeds = await attach_staff_feeds(deps, conn)
    logger.info("connected", extra={"conn_id": conn.id, "user_id": user.id})
    code, reason = CloseCode.NORMAL, "bye"
    try:
        # The read loop runs in the ASGI task itself: one task per idle socket, not three.
        await _read(deps, conn, websocket, closer)
    except asyncio.CancelledError:
        if closer.reason is None:
            raise  # a real cancellation (server shutdown): let it through after cleanup below
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
    except Exception:
        logger.exception("reader crashed", extra={"conn_id": conn.id})
        code, reason = CloseCode.INTERNAL, "internal error"
    finally:
        if closer.reason is not None:
            code, reason = closer.reason.code, closer.reason.reason
            if code == CloseCode.SLOW_CONSUMER:
                deps.stats.slow_disconnects += 1
            elif code == CloseCode.TOO_MANY_BAD_FRAMES:
                deps.stats.abuse_disconnects += 1
        for task in list(owned):
            task.cancel()
        if code != CloseCode.SLOW_CONSUMER:
            conn.flush()  # frames already queued (e.g. the error that explains the close) go first
        conn.outbox.close()
        deps.hub.detach_user(user.id, conn)
        live.connections.discard(conn)
        live.closed_for(user.id)
        await detach_staff_feeds(deps, staff_feeds)
        await leave_all(deps, conn)
        if code == CloseCode.SLOW_CONSUMER and raw is not None and not raw.writable():
            # The close frame would queue behind everything the peer is not reading: drop it now.
            raw.abort()
        try:
            async with asyncio.timeout(2):
                await websocket.close(code=code, reason=reason)
        except Exception as exc:  # the peer is usually already gone
            logger.debug("close failed", extra={"error": type(exc).__name__})
        logger.info("disconnected", extra={"conn_id": conn.id, "close_code": int(code)})


def _forget_handshake(websocket: WebSocket) -> None:
    """Drop the parsed request headers and cookies Starlette cached: only the handshake needed them."""
    for cached in ("_headers", "_cookies"):
        websocket.__dict__.pop(cached, None)


class _Closer:
    """Ends a socket's read loop from outside (slow consumer, sign-out, abuse).

    The loop is only interrupted while it waits for the next frame, never in the middle of
    handling one, so a post is either handled whole or not read at all.
    """

    __slots__ = ("reason", "receiving", "task")

    def __init__(self, task: asyncio.Task[object] | None) -> None:
        self.task = task
        self.reason: Disconnect | None = None
        self.receiving = False

    def __call__(self, reason: Disconnect) -> None:
        if self.reason is None:
            self.reason = reason
            if self.receiving and self.task is not None:
                self.task.cancel()


async def _read(deps: Deps, conn: Connection, websocket: WebSocket, closer: _Closer) -> None:
    settings = deps.settings
    receive = websocket.receive
    while closer.reason is None:
        closer.receiving = True
        try:
            message = await receive()
        finally:
            closer.receiving = False
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        try:
            if not conn.frame_allowed(settings.frame_rate, settings.frame_burst):
                # Counted as a bad frame too (below): a socket that keeps flooding is closed with 4529.
                raise Reject(ErrorCode.RATE_LIMITED, "too many frames; slow down", abuse=True)
            if text is None:
                raise Reject(ErrorCode.BINARY, "frames must be JSON text")
            if len(text) > settings.max_frame_bytes or len(text.encode()) > settings.max_frame_bytes:
                raise Reject(ErrorCode.TOO_LARGE, f"frames are limited to {settings.max_frame_bytes} bytes")
            try:
                frame = decoder.decode(text)
            except msgspec.DecodeError as exc:
                raise _classify(exc, text) from None
            await handle_frame(deps, conn, frame)
        except Reject as rej:
            conn.send(Error(code=rej.code.value, detail=rej.detail, ref=rej.ref))
            if (rej.code in _FRAME_ERRORS or rej.abuse) and conn.count_bad_frame(settings.bad_frame_limit,
                                                                   settings.bad_frame_window_seconds):
                closer(Disconnect(CloseCode.TOO_MANY_BAD_FRAMES, "too many invalid frames"))
                return
        except (BackendUnavailable, RedisError, OSError):
            # Redis is briefly away: say so and keep the socket; the client retries with the same client_id.
            logger.warning("backend unavailable", extra={"conn_id": conn.id})
            conn.send(Error(code=ErrorCode.UNAVAILABLE.value, detail="service briefly unavailable; try again",
                            ref=_ref_of(text or "")))


async def _write(conn: Connection, websocket: WebSocket, closer: _Closer) -> None:
    """Runs only while a socket cannot take frames at once (or without the raw path)."""
    raw = conn.raw
    send = websocket.send
    try:
        while True:
            batch = await conn.outbox.next_batch()
            if not batch:
                return
            if raw is not None:
                await raw.wait_writable()
                if not raw.write(b"".join(batch)):
                    return
                if not len(conn.outbox) and raw.writable():
                    return  # caught up: the flusher writes directly again
            else:
                for frame in batch:
                    await send({"type": "websocket.send", "text": payload_of(frame).decode()})
                if not len(conn.outbox):
                    return
    except Exception:
        closer(Disconnect(CloseCode.NORMAL, "connection lost"))
    finally:
        conn.writer_running = False


async def _refuse_unavailable(websocket: WebSocket) -> None:
    """Redis is away during the handshake: answer 503 + retry-after (not 500), so clients back off."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        body = b'{"error":{"code":"unavailable","detail":"service briefly unavailable; try again"}}'
        await websocket.send_denial_response(Response(body, status_code=503, media_type="application/json",
                                                      headers={"retry-after": "2"}))
    else:
        await websocket.close(code=CloseCode.UNAVAILABLE)


def _settled(owned: set[asyncio.Task[None]], task: asyncio.Task[None], conn_id: str) -> None:
    """Forget a finished socket task; a crash is logged with its traceback, never silently dropped."""
    owned.discard(task)
    if task.cancelled():
        return
    exc = task.exception()
    if isinstance(exc, BackendUnavailable):
        logger.warning("socket task skipped: redis unavailable", extra={"conn_id": conn_id})
    elif exc is not None:
        logger.error("socket task crashed", extra={"conn_id": conn_id}, exc_info=exc)


async def _refresh(deps: Deps, conn: Connection, close_with: _Closer) -> None:
    """Re-read the session and restrictions after another instance changed them."""
    if not await deps.accounts.session_alive(conn.token):
        close_with(Disconnect(CloseCode.UNAUTHENTICATED, "signed out"))
        return
    conn.muted_until = await deps.restrictions.muted_until(conn.user.id)
    for room_id, membership in list(conn.rooms.items()):
        if await deps.restrictions.suspended_from(conn.user.id, membership.room):
            await leave(deps, conn, room_id)
            conn.send(Left(room=room_id), priority=True)
