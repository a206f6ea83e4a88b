"""The counselor queue in Redis: durable cases, a priority index per program, leases.

A case record is one msgpack value; each program has a sorted set of open cases scored by
priority (crisis, severity, age) and a sorted set of all cases by time. A claim is a
lease key set with NX and an expiry, so two counselors can never hold the same case and a
counselor who walks away releases it automatically. With AOF on, all of it survives a
restart of Redis and of the app.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import WatchError as _WatchError

from moderation.case_types import Case, CaseStatus, TimelineEntry, case_decoder, case_encoder, priority_score

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class CaseKeys:
    """Key names of the queue."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def case(self, case_id: str) -> str:
        """A case record."""
        return f"{self.prefix}:case:{case_id}"

    def lease(self, case_id: str) -> str:
        """Who holds a case, until the key expires."""
        return f"{self.prefix}:case:{case_id}:lease"

    def lock(self, case_id: str) -> str:
        """Short write lock serialising updates of one case record."""
        return f"{self.prefix}:case:{case_id}:lock"

    def open_cases(self, program: str) -> str:
        """Open cases of a program, by priority."""
        return f"{self.prefix}:cases:{program}:open"

    def all_cases(self, program: str) -> str:
        """Every case of a program, by creation time."""
        return f"{self.prefix}:cases:{program}:all"

    def author_cases(self, user: str) -> str:
        """Cases about one member, by creation time."""
        return f"{self.prefix}:cases:author:{user}"


class CaseStore:
    """Reads and writes cases; callers publish live events."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self.keys = CaseKeys(prefix)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    async def open(self, case: Case) -> bool:
        """Store a new case; False (and nothing changes) if that id exists already (a retry)."""
        if not await self._redis.set(self.keys.case(case.id), case_encoder.encode(case), nx=True):
            return False
        pipe = self._redis.pipeline(transaction=True)
        score = priority_score(case.urgent, case.severity, case.created)
        pipe.zadd(self.keys.open_cases(case.program), {case.id: score})
        pipe.zadd(self.keys.all_cases(case.program), {case.id: case.created})
        if case.author_id:
            pipe.zadd(self.keys.author_cases(case.author_id), {case.id: case.created})
        await pipe.execute()
        return True

    async def get(self, case_id: str) -> Case | None:
        """A case with its live claim state."""
        pipe = self._redis.pipeline(transaction=False)
        pipe.get(self.keys.case(case_id))
        pipe.get(self.keys.lease(case_id))
        pipe.pttl(self.keys.lease(case_id))
        raw, holder, ttl = await pipe.execute()
        if not raw:
            return None
        return _with_lease(case_decoder.decode(raw), holder, ttl)

    async def get_many(self, case_ids: list[str]) -> list[Case]:
        """Cases by id, in order, with claim state."""
        if not case_ids:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for case_id in case_ids:
            pipe.get(self.keys.case(case_id))
            pipe.get(self.keys.lease(case_id))
            pipe.pttl(self.keys.lease(case_id))
        results = await pipe.execute()
        cases = []
        for i in range(0, len(results), 3):
            raw, holder, ttl = results[i : i + 3]
            if raw:
                cases.append(_with_lease(case_decoder.decode(raw), holder, ttl))
        return cases

    async def open_queue(self, program: str, limit: int = 200) -> list[Case]:
        """Open cases of a program, highest priority first."""
        ids = await self._redis.zrange(self.keys.open_cases(program), 0, limit - 1)
        return await self.get_many([i.decode() for i in ids])

    async def recent(self, program: str, since_ms: int = 0, limit: int = 200) -> list[Case]:
        """Cases created since a time, newest first."""
        ids = await self._redis.zrevrangebyscore(self.keys.all_cases(program), "+inf", since_ms, start=0, num=limit)
        return await self.get_many([i.decode() for i in ids])

    async def by_author(self, user: str, limit: int = 20) -> list[Case]:
        """A member's recent cases, newest first."""
        ids = await self._redis.zrevrange(self.keys.author_cases(user), 0, limit - 1)
        return await self.get_many([i.decode() for i in ids])

    async def claim(self, case_id: str, counselor: str, lease_ms: int) -> bool:
        """Take a case for ``lease_ms``; exactly one of concurrent claimers wins."""
        if await self._redis.set(self.keys.lease(case_id), counselor, nx=True, px=lease_ms):
            return True
        # Claiming again what you already hold renews it.
        return bool(await self._renew(keys=[self.keys.lease(case_id)], args=[counselor, lease_ms]))

    async def release(self, case_id: str, counselor: str) -> bool:
        """Give a case back before the lease runs out."""
        return bool(await self._release(keys=[self.keys.lease(case_id)], args=[counselor]))

    async def holder(self, case_id: str) -> str | None:
        """Who holds the case now."""
        raw = await self._redis.get(self.keys.lease(case_id))
        return raw.decode() if raw else None

    async def update(self, case_id: str, change: Callable[[Case], Awaitable[Any] | Any]) -> Case | None:
        """Read-modify-write one case under optimistic locking (WATCH), retrying on conflict."""
        key = self.keys.case(case_id)
        for _ in range(20):
            async with self._redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    if not raw:
                        return None
                    case = case_decoder.decode(raw)
                    result = change(case)
                    if isinstance(result, Awaitable):
                        await result
                    pipe.multi()
                    pipe.set(key, case_encoder.encode(case))
                    if case.status is CaseStatus.RESOLVED:
                        pipe.zrem(self.keys.open_cases(case.program), case.id)
                    else:
                        score = priority_score(case.urgent, case.severity, case.created)
                        pipe.zadd(self.keys.open_cases(case.program), {case.id: score})
                    await pipe.execute()
                    return case
                except _WatchError:
                    continue
        raise RuntimeError("case update kept conflicting")

    async def add_timeline(self, case_id: str, entry: TimelineEntry) -> Case | None:
        """Append one timeline entry."""
        return await self.update(case_id, lambda case: case.timeline.append(entry))


def _with_lease(case: Case, holder: bytes | None, ttl: int) -> Case:
    if case.status is not CaseStatus.RESOLVED and holder:
        case.status = CaseStatus.CLAIMED
        case.assignee = holder.decode()
        case.lease_until = int(time.time() * 1000) + max(ttl, 0)
    return case
