"""The follow-up calendar of a program and each counselor's "last visit" mark."""

from __future__ import annotations

from redis.asyncio import Redis

from service.stores.keys import AccountKeys
from service.stores.redis_conn import reply_members


class Followups:
    """Open follow-ups per program, scored by due time (the case record holds their details)."""

    def __init__(self, redis: Redis, keys: AccountKeys) -> None:
        self._redis = redis
        self._keys = keys

    async def add(self, program: str, case_id: str, followup_id: str, due: int) -> None:
        """Put a follow-up on the calendar."""
        await self._redis.zadd(self._keys.followups(program), {f"{case_id}|{followup_id}": due})

    async def done(self, program: str, case_id: str, followup_id: str) -> None:
        """Take a follow-up off the calendar."""
        await self._redis.zrem(self._keys.followups(program), f"{case_id}|{followup_id}")

    async def due_before(self, program: str, before: int, limit: int = 200) -> list[tuple[str, str]]:
        """``(case id, follow-up id)`` pairs due before ``before`` (ms), soonest first."""
        members = await self._redis.zrangebyscore(self._keys.followups(program), "-inf", before, start=0, num=limit)
        pairs = [m.split("|", 1) for m in reply_members(members)]
        return [(case_id, followup_id) for case_id, followup_id in pairs]

    async def swap_last_visit(self, user: str, program: str, now: int) -> int | None:
        """Record a counselor's visit to a program's inbox; returns the previous one (ms), if any."""
        previous = await self._redis.getset(self._keys.last_visit(user, program), now)
        return int(previous) if previous else None
