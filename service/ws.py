"""The ``/ws`` endpoint: handshake checks, then a reader and a writer per socket."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

import msgspec
from starlette.websockets import WebSocket

from channels.broker import BackendUnavailable
from channels.wsframe import payload_of
from service.auth import origin_allowed, token_of
from service.connection import Connection
from service.deps import Deps, deps_of
from service.errors import CloseCode, Disconnect, ErrorCode, Reject
from service.handlers import handle_frame, leave, leave_all
from service.protocol import Error, Left, decoder
from service.restrictions import load_mute, suspended_from
from service.staff import attach_staff_feeds, detach_staff_feeds
from service.wsproto import raw_socket_of

logger = logging.getLogger(__name__)

_FRAME_ERRORS = {ErrorCode.BAD_JSON, ErrorCode.BAD_FRAME, ErrorCode.UNKNOWN_TYPE, ErrorCode.TOO_LARGE,
                 ErrorCode.BINARY, ErrorCode.NOT_JOINED}


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
    # Typed decoding can fail on the shape before it reaches a syntax error further on.
    try:
        msgspec.json.decode(text)
    except msgspec.DecodeError:
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
    if not origin_allowed(websocket, deps.settings):
        logger.warning("websocket refused: origin", extra={"reason": "origin"})
        await websocket.close(code=1008)
        return
    token = token_of(websocket)
    user = await deps.accounts.resolve(token) if token else None
    if user is None or token is None:
        await websocket.close(code=CloseCode.UNAUTHENTICATED)
        return
    await websocket.accept()
    closing: asyncio.Future[Disconnect] = asyncio.get_running_loop().create_future()

    def close_with(reason: Disconnect) -> None:
        if not closing.done():
            closing.set_result(reason)

    raw = raw_socket_of(websocket.scope)
    conn = Connection(secrets.token_hex(6), user, token, deps.settings.outbox_limit,
                      on_slow=lambda: close_with(Disconnect(CloseCode.SLOW_CONSUMER, "slow consumer")),
                      raw=raw, flusher=deps.flusher)
    conn.muted_until = await load_mute(deps, user.id)
    conn.refresh_requested = lambda _frame: _schedule_refresh(deps, conn, close_with)
    conn.close_with = close_with
    deps.connections.add(conn)
    deps.stats.connections_opened += 1
    deps.hub.attach_user(user.id, conn)
    staff_feeds = await attach_staff_feeds(deps, conn)
    logger.info("connected", extra={"conn_id": conn.id, "user_id": user.id})
    reader = asyncio.create_task(_read(deps, conn, websocket, close_with))
    writer = asyncio.create_task(_write(conn, websocket))
    code, reason = CloseCode.NORMAL, "bye"
    try:
        await asyncio.wait([reader, writer, closing], return_when=asyncio.FIRST_COMPLETED)
        if closing.done():
            code, reason = closing.result().code, closing.result().reason
            if code == CloseCode.SLOW_CONSUMER:
                deps.stats.slow_disconnects += 1
            elif code == CloseCode.TOO_MANY_BAD_FRAMES:
                deps.stats.abuse_disconnects += 1
        elif reader.done() and not reader.cancelled() and reader.exception() is not None:
            logger.error("reader crashed", exc_info=reader.exception(), extra={"conn_id": conn.id})
            code, reason = CloseCode.INTERNAL, "internal error"
        elif writer.done() and not writer.cancelled() and writer.exception() is not None:
            code, reason = CloseCode.NORMAL, "connection lost"
    finally:
        for task in (reader, writer):
            task.cancel()
        for task in (reader, writer):
            with contextlib.suppress(BaseException):
                await task
        conn.outbox.close()
        deps.hub.detach_user(user.id, conn)
        deps.connections.discard(conn)
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


async def _read(deps: Deps, conn: Connection, websocket: WebSocket, close_with) -> None:  # type: ignore[no-untyped-def]
    settings = deps.settings
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        try:
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
            if rej.code in _FRAME_ERRORS and conn.count_bad_frame(settings.bad_frame_limit,
                                                                   settings.bad_frame_window_seconds):
                close_with(Disconnect(CloseCode.TOO_MANY_BAD_FRAMES, "too many invalid frames"))
                return
        except BackendUnavailable:
            logger.warning("backend unavailable", extra={"conn_id": conn.id})
            conn.send(Error(code=ErrorCode.UNAVAILABLE.value, detail="service briefly unavailable; try again",
                            ref=_ref_of(text or "")))


async def _write(conn: Connection, websocket: WebSocket) -> None:
    """Runs only when a socket could not be written at once: waits out back-pressure."""
    raw = conn.raw
    send = websocket.send
    while True:
        batch = await conn.outbox.next_batch()
        if not batch:
            return
        if raw is not None:
            await raw.wait_writable()
            if not raw.write(b"".join(batch)):
                return
        else:
            for frame in batch:
                await send({"type": "websocket.send", "text": payload_of(frame).decode()})


def _schedule_refresh(deps: Deps, conn: Connection, close_with) -> None:  # type: ignore[no-untyped-def]
    async def refresh() -> None:
        if not await deps.accounts.session_alive(conn.token):
            close_with(Disconnect(CloseCode.UNAUTHENTICATED, "signed out"))
            return
        conn.muted_until = await load_mute(deps, conn.user.id)
        for room_id, membership in list(conn.rooms.items()):
            if await suspended_from(deps, conn.user.id, membership.room):
                await leave(deps, conn, room_id)
                conn.send(Left(room=room_id), priority=True)

    task = asyncio.get_running_loop().create_task(refresh())
    task.add_done_callback(lambda t: t.exception() if not t.cancelled() else None)
