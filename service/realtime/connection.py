"""One member's WebSocket: identity, joined rooms, outbound queue and abuse counters."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from channels.envelope import Seq
from channels.outbox import Outbox
from channels.wsframe import payload_of, text_frame
from service.base.errors import Disconnect
from service.base.models import Room, User
from service.protocol import Member, ServerFrame, encode
from service.realtime.wsproto import RawSocket

# Frames on the user topic that the socket acts on instead of forwarding.
REFRESH_PREFIX = b'{"type":"refresh"'


class Flusher:
    """Writes every socket that got frames during one loop iteration, once, after it.

    Fan-out only appends to outboxes; one callback per iteration then gives each socket a
    single write of all its new frames, so a burst costs one syscall per socket, not one
    per frame, and no task switch per socket.
    """

    def __init__(self) -> None:
        self._dirty: list[Connection] = []
        self._scheduled = False

    def mark(self, conn: Connection) -> None:
        """Flush ``conn`` at the end of this iteration."""
        self._dirty.append(conn)
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        dirty, self._dirty = self._dirty, []
        self._scheduled = False
        for conn in dirty:
            conn.flush()


class PostActivity:
    """What a socket posted lately: digests for repeats, times for floods and link spam."""

    __slots__ = ("digests", "links", "posts")

    def __init__(self) -> None:
        self.digests: deque[str] = deque(maxlen=5)
        self.posts: deque[float] = deque(maxlen=64)
        self.links: deque[float] = deque(maxlen=64)


class UserState:
    """What all of one person's sockets on this instance share, so that opening more sockets buys no
    more typing notices, joins or repeated posts than one socket gets."""

    __slots__ = ("activity", "bad_frames", "joins", "sockets", "typing_sent")

    def __init__(self) -> None:
        self.sockets = 0
        self.bad_frames: deque[float] = deque()
        self.activity = PostActivity()
        self.typing_sent: dict[str, float] = {}
        self.joins: deque[float] = deque(maxlen=64)

    def join_allowed(self, limit: int, window_s: float) -> bool:
        """At most ``limit`` joins per window over all rooms (join/leave cycling floods presence)."""
        now = time.monotonic()
        joins = self.joins
        while joins and now - joins[0] > window_s:
            joins.popleft()
        if len(joins) >= limit:
            return False
        joins.append(now)
        return True


class RoomMembership:
    """A socket's membership of one room; drops chat it has already delivered."""

    __slots__ = ("buffer", "conn", "cursor", "joining", "member_key", "room", "watching")

    def __init__(self, conn: Connection, room: Room, member_key: str) -> None:
        self.conn = conn
        self.room = room
        self.member_key = member_key
        self.cursor: Seq | None = None
        self.joining = True
        self.buffer: list[tuple[Seq | None, bytes, bool]] = []
        self.watching = False  # receives the room without being in its presence

    def deliver(self, seq: Seq | None, frame: bytes, priority: bool) -> None:
        """Hub callback: queue a frame unless it was already sent (resume overlap)."""
        if self.joining:
            self.buffer.append((seq, frame, priority))
            return
        if seq is not None:
            if self.cursor is not None and seq <= self.cursor:
                return
            self.cursor = seq
        self.conn.queue(frame, priority)

    def go_live(self, cursor: Seq | None) -> None:
        """History has been sent up to ``cursor``; release what arrived meanwhile."""
        self.cursor = cursor
        self.joining = False
        pending, self.buffer = self.buffer, []
        for seq, frame, priority in pending:
            self.deliver(seq, frame, priority)


class Connection:
    """State of one socket; touched only from the event loop."""

    def __init__(
        self, conn_id: str, user: User, token: str, outbox_limit: int, on_slow: Callable[[], None],
        raw: RawSocket | None = None, flusher: Flusher | None = None, shared: UserState | None = None,
    ) -> None:
        self.id = conn_id
        self.user = user
        self.token = token
        self.outbox = Outbox(outbox_limit)
        self.rooms: dict[str, RoomMembership] = {}
        # Shared with the person's other sockets here (set by the endpoint); a lone socket has its own.
        self.shared = shared if shared is not None else UserState()
        # Frame budget: a token bucket refilled at frame_rate per second (set by the endpoint).
        self._tokens = 0.0
        self._tokens_at = 0.0
        # Made on first use: an idle socket (most of them) should cost as little as possible.
        self.muted_until = 0
        self.restrictions_version = -1  # unknown until the first post reads it
        self.refresh_requested: Callable[[bytes], None] | None = None
        self.close_with: Callable[[Disconnect], None] | None = None
        self.raw = raw
        self.start_writer: Callable[[], object] | None = None
        self.writer_running = False
        self._flusher = flusher
        self._marked = False
        self._on_slow = on_slow

    @property
    def activity(self) -> PostActivity:
        """Recent posting of this person on this instance, over all their sockets (for spam context)."""
        return self.shared.activity

    def member(self) -> Member:
        """How others see this person in presence lists."""
        return Member(id=self.user.id, handle=self.user.handle, role=self.user.role.value)

    def send(self, frame: ServerFrame, priority: bool = False) -> None:
        """Encode and queue a frame for this socket only."""
        self.queue(text_frame(encode(frame)), priority)

    def queue(self, frame: bytes, priority: bool) -> None:
        """Queue a pre-built frame; a full queue marks the socket slow."""
        ok = self.outbox.put_priority(frame) if priority else self.outbox.put(frame)
        if not ok:
            if self.outbox.overflowed:
                self._on_slow()
            return
        if self.raw is None or self._flusher is None:
            self._hand_to_writer()
        elif not self._marked:
            self._marked = True
            self._flusher.mark(self)

    def flush(self) -> None:
        """Write everything queued in one go if the socket can take it, else leave it to the writer."""
        self._marked = False
        raw = self.raw
        if raw is not None and raw.writable():
            frames = self.outbox.drain()
            if frames:
                raw.write(frames[0] if len(frames) == 1 else b"".join(frames))
        elif len(self.outbox):
            self._hand_to_writer()

    def _hand_to_writer(self) -> None:
        """Back-pressure (or no raw path): a writer task waits until the socket takes more."""
        if not self.writer_running and self.start_writer is not None:
            self.writer_running = True
            self.start_writer()
        self.outbox.wake()

    def deliver(self, seq: Seq | None, frame: bytes, priority: bool) -> None:
        """Hub callback for frames addressed to this user."""
        payload = payload_of(frame)
        if payload.startswith(REFRESH_PREFIX):
            if self.refresh_requested is not None:
                self.refresh_requested(payload)
            return
        self.queue(frame, True)

    def count_bad_frame(self, limit: int, window_s: float) -> bool:
        """Record a bad frame; True when the socket has sent too many."""
        now = time.monotonic()
        bad = self.shared.bad_frames  # per person: more sockets buy no more invalid frames
        bad.append(now)
        while bad and now - bad[0] > window_s:
            bad.popleft()
        return len(bad) > limit

    def typing_allowed(self, room: str, interval_s: float) -> bool:
        """At most one typing notice per person per room per interval, however many sockets they open."""
        now = time.monotonic()
        sent = self.shared.typing_sent
        if now - sent.get(room, 0.0) < interval_s:
            return False
        sent[room] = now
        return True

    def frame_allowed(self, rate: float, burst: float) -> bool:
        """Take one frame from this socket's budget (``burst`` at once, ``rate`` per second after)."""
        now = time.monotonic()
        self._tokens = min(burst, self._tokens + (now - self._tokens_at) * rate) if self._tokens_at else burst
        self._tokens_at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
