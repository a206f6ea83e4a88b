"""A bounded per-connection outbound queue with a priority lane.

Fan-out never waits on a socket: it appends pre-built frames here. When the normal lane is
full the connection is marked slow and must be closed (code 4008); it can resume from its
last message id. Safety frames (crisis notices, removals, case events) go in the priority
lane, which is drained first and never dropped in favour of chat.
"""

from __future__ import annotations

import asyncio


class Outbox:
    """Frames waiting to be written to one socket."""

    __slots__ = ("_closed", "_normal", "_priority", "_wakeup", "limit", "overflowed")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        # Lists, and an Event made on first wait: most sockets never wait, and each idle
        # connection's footprint is multiplied by thousands.
        self._normal: list[bytes] = []
        self._priority: list[bytes] = []
        self._wakeup: asyncio.Event | None = None
        self._closed = False
        self.overflowed = False

    def put(self, frame: bytes) -> bool:
        """Queue a chat frame; False (and the connection is slow) when the lane is full."""
        if self._closed:
            return False
        if len(self._normal) >= self.limit:
            self._overflow()
            return False
        self._normal.append(frame)
        return True

    def put_priority(self, frame: bytes) -> bool:
        """Queue a safety frame; it jumps ahead of chat and is only refused once closed."""
        if self._closed:
            return False
        # A client this far behind will be cut off anyway; keep memory bounded.
        if len(self._priority) >= self.limit * 4:
            self._overflow()
            return False
        self._priority.append(frame)
        return True

    def _overflow(self) -> None:
        self.overflowed = True
        self.close()

    def wake(self) -> None:
        """Let a waiting writer task take over (the socket could not be written right away)."""
        if self._wakeup is not None:
            self._wakeup.set()

    def close(self) -> None:
        """Stop accepting frames and wake the writer so it can finish."""
        self._closed = True
        self.wake()

    @property
    def closed(self) -> bool:
        """True once closed or overflowed."""
        return self._closed

    def __len__(self) -> int:
        return len(self._normal) + len(self._priority)

    def drain(self) -> list[bytes]:
        """Take everything queued, priority first."""
        batch = self._normal
        self._normal = []
        if self._priority:
            batch = self._priority + batch
            self._priority = []
        return batch

    async def next_batch(self) -> list[bytes]:
        """Wait until woken with frames queued and take them all; [] once closed and empty."""
        while True:
            if self._priority or self._normal:
                return self.drain()
            if self._closed:
                return []
            if self._wakeup is None:
                self._wakeup = asyncio.Event()
            self._wakeup.clear()
            await self._wakeup.wait()
