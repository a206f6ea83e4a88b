"""Per-frame logic of the WebSocket: join, leave, typing, ping, report, hide."""

from __future__ import annotations

import logging

import msgspec

from channels.envelope import Lane, parse_seq
from channels.presence import member_key
from service.actions.deps import Deps
from service.actions.reports import hide_post, report_post
from service.base.errors import CloseCode, Disconnect, ErrorCode, Reject
from service.base.ids import now_ms
from service.base.text import clean_text
from service.protocol import (
    ClientFrame,
    Hide,
    Join,
    Joined,
    Leave,
    Left,
    Member,
    Ping,
    Pong,
    Post,
    Presence,
    Report,
    Reported,
    RoomState,
    Typing,
    TypingNotice,
    encode,
)
from service.realtime.connection import Connection, RoomMembership
from service.realtime.posting import handle_post
from service.stores.directory import is_host, may_join
from service.stores.messages import history_frames

logger = logging.getLogger(__name__)


async def handle_frame(deps: Deps, conn: Connection, frame: ClientFrame) -> None:
    """Route one validated client frame."""
    match frame:
        case Post():
            text = clean_text(frame.text)
            if not text.strip():
                raise Reject(ErrorCode.BAD_FRAME, "post has no visible text", ref=frame.client_id)
            await _enforce(deps, conn, frame)
            await handle_post(deps, conn, frame if text == frame.text else msgspec.structs.replace(frame, text=text))
        case Join():
            await join(deps, conn, frame)
        case Leave():
            await leave(deps, conn, frame.room)
            conn.send(Left(room=frame.room))
        case Typing():
            await typing(deps, conn, frame)
        case Ping():
            conn.send(Pong(nonce=frame.nonce))
        case Report():
            await report(deps, conn, msgspec.structs.replace(frame, reason=clean_text(frame.reason or "")))
        case Hide():
            await hide(deps, conn, msgspec.structs.replace(frame, reason=clean_text(frame.reason or "")))


async def _enforce(deps: Deps, conn: Connection, frame: Post) -> None:
    """Durable state decides, not only the live notices: if a mute, suspension or sign-out changed since
    this socket last looked (its notice may have been lost), the socket catches up before posting."""
    version, alive = await deps.restrictions.gate(conn.user.id, conn.token)
    if not alive:
        if conn.close_with is not None:
            conn.close_with(Disconnect(CloseCode.UNAUTHENTICATED, "signed out"))
        raise Reject(ErrorCode.UNAUTHENTICATED, "you are signed out", ref=frame.client_id)
    if version == conn.restrictions_version:
        return
    conn.muted_until = await deps.restrictions.muted_until(conn.user.id)
    conn.restrictions_version = version
    membership = conn.rooms.get(frame.room)
    if membership is not None and await deps.restrictions.suspended_from(conn.user.id, membership.room):
        await leave(deps, conn, frame.room)
        conn.send(Left(room=frame.room), priority=True)
        raise Reject(ErrorCode.FORBIDDEN, "you are suspended from this room for now", ref=frame.client_id)


async def join(deps: Deps, conn: Connection, frame: Join) -> None:
    """Subscribe, announce, then send history and presence; live frames that raced are deduplicated."""
    if not conn.shared.join_allowed(deps.settings.joins_per_minute, 60.0):
        raise Reject(ErrorCode.RATE_LIMITED, "too many joins; wait a minute", ref=frame.room, abuse=True)
    room = await deps.directory.room(frame.room)
    if room is None or not may_join(conn.user, room):
        raise Reject(ErrorCode.FORBIDDEN, "no such room, or you are not a member of it", ref=frame.room)
    if await deps.restrictions.suspended_from(conn.user.id, room):
        raise Reject(ErrorCode.FORBIDDEN, "you are suspended from this room for now", ref=frame.room)
    if frame.room in conn.rooms:
        await leave(deps, conn, frame.room)
    # The member list only mattered for the check above; thousands of sockets need not each keep a copy.
    room = msgspec.structs.replace(room, members=[])
    membership = RoomMembership(conn, room, member_key(conn.user.id, conn.user.handle, conn.user.role.value, conn.id))
    membership.watching = frame.watch
    conn.rooms[room.id] = membership
    topic = deps.history.keys(room.id).topic
    try:
        # Subscribe first: anything published from here on reaches the membership's buffer.
        await deps.hub.attach(topic, membership)
        if not frame.watch:
            await deps.presence.enter(
                room.id, membership.member_key, conn.user.id,
                encode(Presence(room=room.id, event="join", member=conn.member())),
            )
        settings = deps.settings
        recovered = True
        if frame.after is not None:
            recovered, entries = await deps.history.after(room.id, frame.after, settings.history_resume_limit)
            if not recovered:
                entries = await deps.history.latest(room.id, settings.history_join_limit)
        else:
            entries = await deps.history.latest(room.id, settings.history_join_limit)
        hidden = await deps.history.removed(room.id) if entries else set()
        history, last = history_frames(room.id, entries, hidden)
        present = await deps.presence.members(room.id)
    except BaseException:
        conn.rooms.pop(room.id, None)
        await deps.hub.detach(topic, membership)
        raise
    if last is None and frame.after is not None and recovered:
        last = parse_seq(frame.after)
    state = RoomState(name=room.name, kind=room.kind.value, program=room.program, is_host=is_host(conn.user, room),
                      muted_until=conn.muted_until if conn.muted_until > now_ms() else 0)
    conn.send(
        Joined(
            room=room.id, history=history, recovered=recovered, state=state,
            presence=[Member(id=m.user, handle=m.handle, role=m.role) for m in present],
        )
    )
    membership.go_live(last)
    if last is not None:
        deps.hub.note_seq(topic, last)
    logger.info("joined", extra={"conn_id": conn.id, "room_id": room.id, "resumed": frame.after is not None,
                                 "recovered": recovered, "history": len(history)})


async def leave(deps: Deps, conn: Connection, room_id: str) -> None:
    """Unsubscribe and announce departure (idempotent)."""
    membership = conn.rooms.pop(room_id, None)
    if membership is None:
        raise Reject(ErrorCode.NOT_JOINED, "you are not in that room", ref=room_id)
    await deps.hub.detach(deps.history.keys(room_id).topic, membership)
    if membership.watching:
        return
    await deps.presence.exit(
        room_id, membership.member_key, conn.user.id,
        encode(Presence(room=room_id, event="leave", member=conn.member())),
    )


async def leave_all(deps: Deps, conn: Connection) -> None:
    """Disconnect cleanup: leave every room, tolerating a Redis outage."""
    for room_id in list(conn.rooms):
        try:
            await leave(deps, conn, room_id)
        except Exception:
            # Presence heals by expiry if Redis could not be told.
            logger.warning("leave on disconnect failed", extra={"conn_id": conn.id, "room_id": room_id})


async def typing(deps: Deps, conn: Connection, frame: Typing) -> None:
    """Relay a typing notice at most once per interval per room."""
    if frame.room not in conn.rooms:
        raise Reject(ErrorCode.NOT_JOINED, "you are not in that room", ref=frame.room)
    if conn.typing_allowed(frame.room, deps.settings.typing_interval_seconds):
        notice = encode(TypingNotice(room=frame.room, member=conn.member()))
        await deps.history.publish(frame.room, Lane.EPHEMERAL, notice)


async def report(deps: Deps, conn: Connection, frame: Report) -> None:
    """A member reports a post over the socket."""
    membership = conn.rooms.get(frame.room)
    if membership is None:
        raise Reject(ErrorCode.NOT_JOINED, "join the room first", ref=frame.message)
    await report_post(deps, conn.user, membership.room, frame.message, frame.reason)
    conn.send(Reported(room=frame.room, message=frame.message))


async def hide(deps: Deps, conn: Connection, frame: Hide) -> None:
    """A host hides a post over the socket."""
    membership = conn.rooms.get(frame.room)
    if membership is None:
        raise Reject(ErrorCode.NOT_JOINED, "join the room first", ref=frame.message)
    await hide_post(deps, conn.user, membership.room, frame.message, frame.reason)
