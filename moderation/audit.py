"""The append-only audit log: every moderation and admin action, who/what/when/why.

Entries go to a program stream and, in the same MULTI, to per-case, per-member and
per-actor streams so each question ("what happened to this case / this member / what did
this counselor do") is one range read. Nothing here ever rewrites or deletes an entry.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import msgspec
from redis.asyncio import Redis

from moderation.keys import AuditKeys

if TYPE_CHECKING:
    from redis.typing import StreamEntry


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One recorded action. Message text is never part of an audit entry."""

    ts: int
    program: str
    actor: str
    action: str
    actor_role: str = ""
    actor_handle: str = ""
    case: str | None = None
    subject: str | None = None
    room: str | None = None
    message: str | None = None
    rule: str | None = None
    categories: list[str] = msgspec.field(default_factory=list)
    reason: str = ""
    id: str = ""


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(AuditEntry)
json_encoder = msgspec.json.Encoder()


class AuditLog:
    """Append and query audit entries."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self.keys = AuditKeys(prefix)

    async def record(self, entry: AuditEntry) -> None:
        """Append an entry to every stream it belongs to, atomically."""
        data = _encoder.encode(entry)
        pipe = self._redis.pipeline(transaction=True)
        pipe.xadd(self.keys.program(entry.program), {"d": data})
        if entry.case:
            pipe.xadd(self.keys.case(entry.case), {"d": data})
        if entry.subject:
            pipe.xadd(self.keys.subject(entry.subject), {"d": data})
        pipe.xadd(self.keys.actor(entry.actor), {"d": data})
        await pipe.execute()

    async def _read(self, key: str, limit: int, before: str | None = None) -> list[AuditEntry]:
        rows = await self._redis.xrevrange(key, max=f"({before}" if before else "+", count=limit)
        return [_decode(row) for row in rows or ()]

    async def for_program(self, program: str, limit: int = 100, before: str | None = None) -> list[AuditEntry]:
        """Newest first."""
        return await self._read(self.keys.program(program), limit, before)

    async def for_case(self, case_id: str, limit: int = 200) -> list[AuditEntry]:
        """Newest first."""
        return await self._read(self.keys.case(case_id), limit)

    async def for_subject(self, user: str, limit: int = 100, before: str | None = None) -> list[AuditEntry]:
        """Newest first."""
        return await self._read(self.keys.subject(user), limit, before)

    async def for_actor(self, user: str, limit: int = 100, before: str | None = None) -> list[AuditEntry]:
        """Newest first."""
        return await self._read(self.keys.actor(user), limit, before)

    async def export(self, program: str, batch: int = 500) -> AsyncIterator[bytes]:
        """A program's whole log, oldest first, as JSON Lines."""
        start = "-"
        key = self.keys.program(program)
        while True:
            entries = [_decode(row) for row in await self._redis.xrange(key, min=start, count=batch) or ()]
            for entry in entries:
                yield json_encoder.encode(entry) + b"\n"
            if len(entries) < batch:
                return
            start = f"({entries[-1].id}"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _decode(row: StreamEntry) -> AuditEntry:
    # redis-py's entry type allows a missing id or fields (XREADGROUP on deleted entries); XRANGE
    # never returns those, so they mean a bug or a foreign writer, not a state to handle.
    entry_id, fields = row
    data = fields.get(b"d") if fields else None
    if entry_id is None or not isinstance(data, bytes):
        raise ValueError(f"audit entry {entry_id!r} has no data field")
    return msgspec.structs.replace(_decoder.decode(data), id=_text(entry_id))
