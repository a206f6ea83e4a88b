"""Room history on a Redis Stream: atomic append-and-publish, reads and resume.

Entries hold one opaque field ``d`` (the service's encoded stored message); this module
never looks inside it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from channels import scripts
from channels.broker import BackendUnavailable
from channels.envelope import Lane, pack
from channels.keys import RoomKeys

if TYPE_CHECKING:
    from redis.typing import StreamEntry

Entry = tuple[str, bytes]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Retention:
    """How much history a room keeps."""

    max_len: int
    max_age_ms: int


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Posts allowed per window per member and room (0 disables)."""

    limit: int
    window_ms: int


@dataclass(frozen=True, slots=True)
class AppendResult:
    """Outcome of an append: ``ok`` (new), ``dup`` (a retry; ``answer`` is the first ack) or ``rate``."""

    status: str
    answer: str


class History:
    """Reads and writes room streams."""

    def __init__(self, redis: Redis, prefix: str, retention: Retention, idempotency_ttl_ms: int) -> None:
        self._redis = redis
        self.prefix = prefix
        self.retention = retention
        self.idempotency_ttl_ms = idempotency_ttl_ms
        self._append = scripts.load(redis, "append")
        self._remember = scripts.load(redis, "remember")
        self._remove = scripts.load(redis, "remove")

    def keys(self, room: str) -> RoomKeys:
        """Key names of a room."""
        return RoomKeys(self.prefix, room)

    async def append(
        self,
        room: str,
        user: str,
        client_id: str,
        stored: bytes,
        frame_prefix: bytes,
        frame_suffix: bytes,
        rate: RateLimit,
        status: str = "published",
    ) -> AppendResult:
        """Append, trim and publish in one step; the frame is ``prefix + id + suffix``."""
        keys = self.keys(room)
        min_id = ""
        if self.retention.max_age_ms > 0:
            min_id = f"{int(time.time() * 1000) - self.retention.max_age_ms}-0"
        try:
            status_raw, answer = await self._append(
                keys=[keys.stream, keys.idempotency(user, client_id), keys.post_rate(user)],
                args=[
                    keys.topic,
                    self.retention.max_len,
                    min_id,
                    self.idempotency_ttl_ms,
                    rate.limit,
                    rate.window_ms,
                    stored,
                    frame_prefix,
                    frame_suffix,
                    status,
                ],
            )
        except RedisError as exc:
            raise BackendUnavailable(str(exc)) from exc
        return AppendResult(_text(status_raw), _text(answer))

    async def prior_answer(self, room: str, user: str, client_id: str) -> str | None:
        """The answer already given to this ``client_id``, if it was seen before (a retry)."""
        raw = await self._call(self._redis.get(self.keys(room).idempotency(user, client_id)))
        return _text(raw) if raw is not None else None

    async def remember(self, room: str, user: str, client_id: str, answer: str, rate: RateLimit) -> AppendResult:
        """Record the ack of a post that was not published (held/blocked) so retries match."""
        keys = self.keys(room)
        try:
            status_raw, stored = await self._remember(
                keys=[keys.idempotency(user, client_id), keys.post_rate(user)],
                args=[answer, self.idempotency_ttl_ms, rate.limit, rate.window_ms],
            )
        except RedisError as exc:
            raise BackendUnavailable(str(exc)) from exc
        return AppendResult(_text(status_raw), _text(stored))

    async def latest(self, room: str, limit: int) -> list[Entry]:
        """The newest ``limit`` entries, oldest first."""
        rows = await self._call(self._redis.xrevrange(self.keys(room).stream, count=limit))
        return [_entry(row) for row in reversed(rows or [])]

    async def after(self, room: str, after: str, limit: int) -> tuple[bool, list[Entry]]:
        """Entries newer than ``after``; False when the cursor's entry is gone (trimmed or lost)."""
        stream = self.keys(room).stream
        pipe = self._redis.pipeline(transaction=False)
        pipe.xrange(stream, min=after, max=after, count=1)
        pipe.xrange(stream, min=f"({after}", count=limit + 1)
        anchor, rows = await self._call(pipe.execute())
        entries = [_entry(row) for row in rows[:limit]]
        return bool(anchor) and len(rows) <= limit, entries

    async def get(self, room: str, message_id: str) -> bytes | None:
        """One entry's stored data, or None."""
        rows = await self._call(self._redis.xrange(self.keys(room).stream, min=message_id, max=message_id, count=1))
        return _entry(rows[0])[1] if rows else None

    async def around(self, room: str, anchor: str, count: int) -> tuple[list[Entry], list[Entry]]:
        """Up to ``count`` entries before and after ``anchor`` (a stream id, or a ms time), oldest first;
        the anchor's own entry is in neither list."""
        stream = self.keys(room).stream
        if "-" in anchor:
            before_max, after_min = f"({anchor}", f"({anchor}"
        else:
            before_max, after_min = anchor, str(int(anchor) + 1)
        pipe = self._redis.pipeline(transaction=False)
        pipe.xrevrange(stream, max=before_max, count=count)
        pipe.xrange(stream, min=after_min, count=count)
        before, after = await self._call(pipe.execute())
        return [_entry(row) for row in reversed(before)], [_entry(row) for row in after]

    async def newest_ids(self, rooms: list[str]) -> list[str | None]:
        """Each room's newest entry id (None for an empty room), in one round trip."""
        pipe = self._redis.pipeline(transaction=False)
        for room in rooms:
            pipe.xrevrange(self.keys(room).stream, count=1)
        rows = await self._call(pipe.execute())
        return [_entry(found[0])[0] if found else None for found in rows]

    async def count_since(self, room: str, since_ms: int, cap: int) -> int:
        """How many entries arrived at or after ``since_ms`` (counted up to ``cap``)."""
        rows = await self._call(self._redis.xrange(self.keys(room).stream, min=f"{since_ms}-0", count=cap))
        return len(rows or [])

    async def removed(self, room: str) -> set[str]:
        """Ids hidden or removed from a room."""
        members = await self._call(self._redis.smembers(self.keys(room).removed))
        return {_text(m) for m in members}

    async def remove(self, room: str, message_id: str, frame: bytes) -> bool:
        """Hide a post everywhere (live and history); False if it already was."""
        keys = self.keys(room)
        try:
            added = await self._remove(keys=[keys.removed], args=[keys.topic, message_id, frame])
        except RedisError as exc:
            raise BackendUnavailable(str(exc)) from exc
        return bool(added)

    async def publish(self, room: str, lane: Lane, frame: bytes) -> None:
        """Publish a non-history frame (typing, notices) on the room topic."""
        await self._call(self._redis.publish(self.keys(room).topic, pack(lane, frame)))

    @staticmethod
    async def _call(awaitable: Awaitable[T]) -> T:
        try:
            return await awaitable
        except RedisError as exc:
            raise BackendUnavailable(str(exc)) from exc


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _entry(row: StreamEntry) -> Entry:
    # redis-py's entry type allows a missing id or fields (XREADGROUP on deleted entries); XRANGE
    # never returns those, so they mean a bug or a foreign writer, not a state to handle.
    entry_id, fields = row
    data = fields.get(b"d") if fields else None
    if entry_id is None or not isinstance(data, bytes):
        raise ValueError(f"stream entry {entry_id!r} has no data field")
    return _text(entry_id), data
