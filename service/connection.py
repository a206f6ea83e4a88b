"""One member's WebSocket: identity, joined rooms, outbound queue and abuse counters."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from channels.envelope import Seq
from channels.outbox import Outbox
from service.errors import Disconnect
from service.models import Role, Room, User
from service.protocol import Member, ServerFrame, encode

# Frames on the user topic that the socket acts on instead of forwarding.
REFRESH_PREFIX = '{"type":"refresh"'


class RoomMembership:
    """A socket's membership of one room; drops chat it has already delivered."""

    __slots__ = ("buffer", "conn", "cursor", "joining", "member_key", "room")

    def __init__(self, conn: Connection, room: Room, member_key: str) -> None:
        self.conn = conn
        self.room = room
        self.member_key = member_key
        self.cursor: Seq | None = None
        self.joining = True
        self.buffer: list[tuple[Seq | None, str, bool]] = []

    def deliver(self, seq: Seq | None, frame: str, priority: bool) -> None:
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

    def __init__(self, conn_id: str, user: User, token: str, outbox_limit: int, on_slow: Callable[[], None]) -> None:
        self.id = conn_id
        self.user = user
        self.token = token
        self.outbox = Outbox(outbox_limit)
        self.rooms: dict[str, RoomMembership] = {}
        self.typing_sent: dict[str, float] = {}
        self.bad_frames: deque[float] = deque()
        self.recent_digests: deque[str] = deque(maxlen=5)
        self.recent_posts: deque[float] = deque(maxlen=64)
        self.recent_links: deque[float] = deque(maxlen=64)
        self.muted_until = 0
        self.refresh_requested: Callable[[str], None] | None = None
        self.close_with: Callable[[Disconnect], None] | None = None
        self._on_slow = on_slow

    @property
    def role(self) -> Role:
        """The user's role."""
        return self.user.role

    def member(self) -> Member:
        """How others see this person in presence lists."""
        return Member(id=self.user.id, handle=self.user.handle, role=self.user.role.value)

    def send(self, frame: ServerFrame, priority: bool = False) -> None:
        """Encode and queue a frame for this socket only."""
        self.queue(encode(frame).decode(), priority)

    def queue(self, frame: str, priority: bool) -> None:
        """Queue an encoded frame; a full queue marks the socket slow."""
        ok = self.outbox.put_priority(frame) if priority else self.outbox.put(frame)
        if not ok and self.outbox.overflowed:
            self._on_slow()

    def deliver(self, seq: Seq | None, frame: str, priority: bool) -> None:
        """Hub callback for frames addressed to this user."""
        if frame.startswith(REFRESH_PREFIX):
            if self.refresh_requested is not None:
                self.refresh_requested(frame)
            return
        self.queue(frame, True)

    def count_bad_frame(self, limit: int, window_s: float) -> bool:
        """Record a bad frame; True when the socket has sent too many."""
        now = time.monotonic()
        self.bad_frames.append(now)
        while self.bad_frames and now - self.bad_frames[0] > window_s:
            self.bad_frames.popleft()
        return len(self.bad_frames) > limit

    def typing_allowed(self, room: str, interval_s: float) -> bool:
        """At most one typing notice per room per interval."""
        now = time.monotonic()
        if now - self.typing_sent.get(room, 0.0) < interval_s:
            return False
        self.typing_sent[room] = now
        return True
