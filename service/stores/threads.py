"""Private check-in threads between one member and their program's counselors, kept as clinical record.

A thread is a hash (program, member, who started it, activity times), a list of messages (msgpack,
oldest first) and a set of the cases it belongs to; each member has a sorted set of their threads by
last activity, and a case points at the thread started from it. Nothing here expires: a thread is kept
while the member's account exists (README, "Check-ins"). Message text is stored here and nowhere else
(never in logs or the audit log).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from redis.asyncio import Redis
from redis.exceptions import WatchError

from service.stores.keys import AccountKeys
from service.stores.redis_conn import reply_bytes, reply_members, reply_text

if TYPE_CHECKING:
    from redis.asyncio.client import Pipeline
    from redis.typing import EncodableT, FieldT


class ThreadRecord(msgspec.Struct, kw_only=True):
    """Who a thread is between and when it last moved (times in ms)."""

    id: str
    program: str
    member: str
    member_handle: str
    started_by: str
    started_by_handle: str
    created: int
    updated: int
    last_staff: int = 0  # the newest counselor message
    last_member: int = 0  # the newest reply from the member
    member_read: int = 0  # the newest counselor message the member has opened

    @property
    def unread_by_member(self) -> bool:
        """A counselor wrote something the member has not opened yet."""
        return self.last_staff > self.member_read


class ThreadMessage(msgspec.Struct, frozen=True, kw_only=True):
    """One message as stored. ``categories``/``crisis`` are what moderation found in a member's reply."""

    id: str
    author_id: str
    author_handle: str
    author_role: str
    text: str
    ts: int
    client_id: str = ""
    categories: list[str] = msgspec.field(default_factory=list)
    crisis: bool = False


_encoder = msgspec.msgpack.Encoder()
_message_decoder = msgspec.msgpack.Decoder(ThreadMessage)
# The newest messages a read returns; a thread is a conversation, not a feed, so this is generous.
READ_LIMIT = 2000


def _fields_of(record: ThreadRecord) -> dict[FieldT, EncodableT]:
    # Every field is a str or an int (the hash stores them as text; _record_of converts back).
    return {name: getattr(record, name) for name in record.__struct_fields__}


def _record_of(raw: dict[bytes | str, bytes | str]) -> ThreadRecord | None:
    if not raw:
        return None
    fields = {reply_text(k): reply_text(v) for k, v in raw.items()}
    return msgspec.convert(fields, ThreadRecord, strict=False)


class Threads:
    """Check-in threads in Redis; callers check who may read or write (service/actions/outreach.py)."""

    def __init__(self, redis: Redis, keys: AccountKeys, dedupe_ttl_ms: int) -> None:
        self._redis = redis
        self._keys = keys
        self._dedupe_ttl_ms = dedupe_ttl_ms

    async def create(self, record: ThreadRecord, first: ThreadMessage, case: str | None) -> None:
        """Store a new thread with its first message, atomically; ``case`` is the case it was started from."""
        keys = self._keys
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(keys.thread(record.id), mapping=_fields_of(record))
        pipe.rpush(keys.thread_messages(record.id), _encoder.encode(first))
        pipe.zadd(keys.member_threads(record.member), {record.id: record.updated})
        if case:
            pipe.sadd(keys.thread_cases(record.id), case)
        if first.client_id:
            pipe.set(keys.thread_sent(record.id, first.client_id), _encoder.encode(first), px=self._dedupe_ttl_ms)
        await pipe.execute()

    async def get(self, thread_id: str) -> ThreadRecord | None:
        """A thread's record, or None."""
        return _record_of(await self._redis.hgetall(self._keys.thread(thread_id)))

    async def of_member(self, member: str, limit: int = 200) -> list[ThreadRecord]:
        """A member's threads, most recently active first."""
        ids = reply_members(await self._redis.zrevrange(self._keys.member_threads(member), 0, limit - 1))
        if not ids:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for thread_id in ids:
            pipe.hgetall(self._keys.thread(thread_id))
        return [r for r in (_record_of(raw) for raw in await pipe.execute()) if r is not None]

    async def messages(self, thread_id: str, limit: int = READ_LIMIT) -> list[ThreadMessage]:
        """The newest ``limit`` messages, oldest first."""
        raws = await self._redis.lrange(self._keys.thread_messages(thread_id), -limit, -1)
        return [_message_decoder.decode(reply_bytes(raw)) for raw in raws]

    async def append(
        self, record: ThreadRecord, message: ThreadMessage, from_staff: bool
    ) -> tuple[ThreadMessage, bool]:
        """Add a message; a retry with the same ``client_id`` returns the stored one and ``False``."""
        keys = self._keys
        sent = keys.thread_sent(record.id, message.client_id) if message.client_id else None
        for _ in range(20):
            async with self._redis.pipeline(transaction=True) as pipe:
                try:
                    if sent is not None:
                        await pipe.watch(sent)
                        earlier = await pipe.get(sent)
                        if earlier:
                            return _message_decoder.decode(reply_bytes(earlier)), False
                        pipe.multi()  # type: ignore[no-untyped-call]  # redis-py leaves Pipeline.multi unannotated
                    self._queue_append(pipe, record, message, from_staff, sent)
                    await pipe.execute()
                    return message, True
                except WatchError:
                    continue
        raise RuntimeError("thread append kept conflicting")

    def _queue_append(
        self, pipe: Pipeline, record: ThreadRecord, message: ThreadMessage, from_staff: bool, sent: str | None
    ) -> None:
        keys = self._keys
        pipe.rpush(keys.thread_messages(record.id), _encoder.encode(message))
        pipe.hset(keys.thread(record.id), mapping={"updated": message.ts,
                                                   "last_staff" if from_staff else "last_member": message.ts})
        pipe.zadd(keys.member_threads(record.member), {record.id: message.ts})
        if sent is not None:
            pipe.set(sent, _encoder.encode(message), px=self._dedupe_ttl_ms)

    async def mark_read(self, record: ThreadRecord) -> None:
        """The member opened the thread: everything a counselor wrote so far counts as read."""
        if record.unread_by_member:
            await self._redis.hset(self._keys.thread(record.id), "member_read", record.last_staff)

    async def link_case(self, thread_id: str, case_id: str) -> None:
        """Note that a case belongs to this thread (a crisis reply opened it)."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.sadd(self._keys.thread_cases(thread_id), case_id)
        pipe.set(self._keys.case_thread(case_id), thread_id, nx=True)
        await pipe.execute()

    async def cases(self, thread_id: str) -> list[str]:
        """Cases this thread belongs to."""
        return sorted(reply_text(m) for m in await self._redis.smembers(self._keys.thread_cases(thread_id)))

    async def claim_case(self, case_id: str, thread_id: str) -> str:
        """Let ``case_id`` lead to ``thread_id`` unless it already leads to a thread; returns the one it leads to."""
        key = self._keys.case_thread(case_id)
        if await self._redis.set(key, thread_id, nx=True):
            return thread_id
        existing = await self._redis.get(key)
        return reply_text(existing) if existing else thread_id

    async def forget_case(self, case_id: str, thread_id: str) -> None:
        """Point ``case_id`` at ``thread_id`` even though it led elsewhere (that thread was never stored)."""
        await self._redis.set(self._keys.case_thread(case_id), thread_id)

    async def count_reply(self, member: str, window_ms: int) -> int:
        """Count one reply in the member's current rate window; returns the count so far."""
        key = self._keys.reply_rate(member)
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(key, 0, nx=True, px=max(window_ms, 1))
        pipe.incr(key)
        _, count = await pipe.execute()
        return int(count)
