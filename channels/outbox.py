"""A bounded per-connection outbound queue with a priority lane.

Fan-out never waits on a socket: it appends pre-encoded frames here. When the normal
lane is full the connection is marked slow and must be closed (code 4008); it can
resume from its last message id. Safety frames (crisis notices, removals) go in the
priority lane, which is drained first and never dropped in favour of chat.
"""

from __future__ import annotations

import asyncio
from collections import deque


class Outbox:
    """Frames waiting to be written to one socket."""

    __slots__ = ("_closed", "_normal", "_priority", "_wakeup", "limit", "overflowed")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._normal: deque[str] = deque()
        self._priority: deque[str] = deque()
        self._wakeup = asyncio.Event()
        self._closed = False
        self.overflowed = False

    def put(self, frame: str) -> bool:
        """Queue a chat frame; False (and the connection is slow) when the lane is full."""
        if self._closed:
            return False
        if len(self._normal) >= self.limit:
            self._overflow()
            return False
        self._normal.append(frame)
        self._wakeup.set()
        return True

    def put_priority(self, frame: str) -> bool:
        """Queue a safety frame; it jumps ahead of chat and is only refused once closed."""
        if self._closed:
            return False
        # A client this far behind will be cut off anyway; keep memory bounded.
        if len(self._priority) >= self.limit * 4:
            self._overflow()
            return False
        self._priority.append(frame)
        self._wakeup.set()
        return True

    def _overflow(self) -> None:
        self.overflowed = True
        self._closed = True
        self._wakeup.set()

    def close(self) -> None:
        """Stop accepting frames and wake the writer so it can finish."""
        self._closed = True
        self._wakeup.set()

    @property
    def closed(self) -> bool:
        """True once closed or overflowed."""
        return self._closed

    def __len__(self) -> int:
        return len(self._normal) + len(self._priority)

    async def next_batch(self) -> list[str]:
        """Wait for frames and take all that are queued, priority first; [] once closed and empty."""
        while True:
            if self._priority or self._normal:
                batch = list(self._priority)
                self._priority.clear()
                batch.extend(self._normal)
                self._normal.clear()
                return batch
            if self._closed:
                return []
            self._wakeup.clear()
            await self._wakeup.wait()
