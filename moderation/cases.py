"""The counselor queue in Redis: durable cases, a priority index per program, leases.

A case record is one msgpack value; each program has a sorted set of open cases scored by
priority (crisis, severity, age) and a sorted set of all cases by time. A claim is a lease
(``CaseLeases``; the service injects ``channels.lease.Leases``), so two counselors can never hold
the same case and a counselor who walks away releases it automatically. With AOF on, all of it survives a
restart of Redis and of the app.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import WatchError as _WatchError

from moderation.case_types import Case, CaseStatus, TimelineEntry, case_decoder, case_encoder, priority_score
from moderation.keys import CaseKeys

if TYPE_CHECKING:
    from redis.typing import ZSetRangeResponse




class HeldLease(Protocol):
    """Who holds a claim, with which fencing token, for how many more milliseconds."""

    @property
    def holder(self) -> str: ...
    @property
    def token(self) -> int: ...
    @property
    def ttl_ms(self) -> int: ...


class CaseLeases(Protocol):
    """What claims need from a lease primitive. ``channels.lease.Leases`` is one; the service injects
    it, since ``moderation/`` never imports ``channels/``."""

    async def acquire(self, name: str, holder: str, ttl_ms: int, *, reentrant: bool = False) -> int | None:
        """Take ``name`` (or renew it, for the same holder); its fencing token, or None if held by another."""
        ...

    async def release(self, name: str, token: int) -> bool:
        """End the lease held with ``token``."""
        ...

    async def states(self, names: Sequence[str]) -> Sequence[HeldLease | None]:
        """Current holders of several leases, in order."""
        ...


# KEYS: case, open index, all index, [author index]; ARGV: record, id, priority, created.
_OPEN = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
  if KEYS[4] then redis.call('ZADD', KEYS[4], ARGV[4], ARGV[2]) end
  return 1
end
return 0
"""


class CaseStore:
    """Reads and writes cases; callers publish live events."""

    def __init__(self, redis: Redis, prefix: str, leases: CaseLeases) -> None:
        self._redis = redis
        self.keys = CaseKeys(prefix)
        self._leases = leases
        self._open = redis.register_script(_OPEN)

    async def open(self, case: Case) -> bool:
        """Store a new case and index it in one atomic step (a crash leaves both or neither);
        False, and nothing changes, if that id exists already (a retry)."""
        keys = [self.keys.case(case.id), self.keys.open_cases(case.program), self.keys.all_cases(case.program),
                self.keys.author_cases(case.author_id) if case.author_id else ""]
        score = priority_score(case.urgent, case.severity, case.created)
        created = await self._open(keys=keys[:4] if case.author_id else keys[:3],
                                   args=[case_encoder.encode(case), case.id, score, case.created])
        return bool(created)

    async def steps_done(self, case_id: str) -> set[str]:
        """Which follow-up steps of opening a case (audit, announce, alert) have completed."""
        return {_text(m) for m in await self._redis.smembers(self.keys.open_steps(case_id))}

    async def mark_step(self, case_id: str, step: str) -> None:
        """Record that one follow-up step of opening a case completed (so a retry skips only that)."""
        await self._redis.sadd(self.keys.open_steps(case_id), step)

    async def get(self, case_id: str) -> Case | None:
        """A case with its live claim state."""
        found = await self.get_many([case_id])
        return found[0] if found else None

    async def get_many(self, case_ids: list[str]) -> list[Case]:
        """Cases by id, in order, with claim state."""
        if not case_ids:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for case_id in case_ids:
            pipe.get(self.keys.case(case_id))
        raws = await pipe.execute()
        claims = await self._leases.states([_lease_name(case_id) for case_id in case_ids])
        return [_with_lease(case_decoder.decode(raw), claim) for raw, claim in zip(raws, claims, strict=True) if raw]

    async def open_queue(self, program: str, limit: int = 200) -> list[Case]:
        """Open cases of a program, highest priority first."""
        ids = await self._redis.zrange(self.keys.open_cases(program), 0, limit - 1)
        return await self.get_many(_members(ids))

    async def recent(self, program: str, since_ms: int = 0, limit: int = 200) -> list[Case]:
        """Cases created since a time, newest first."""
        ids = await self._redis.zrevrangebyscore(self.keys.all_cases(program), "+inf", since_ms, start=0, num=limit)
        return await self.get_many(_members(ids))

    async def by_author(self, user: str, limit: int = 20) -> list[Case]:
        """A member's recent cases, newest first."""
        ids = await self._redis.zrevrange(self.keys.author_cases(user), 0, limit - 1)
        return await self.get_many(_members(ids))

    async def claim(self, case_id: str, counselor: str, lease_ms: int) -> bool:
        """Take a case for ``lease_ms``; exactly one of concurrent claimers wins. Claiming again what
        you already hold renews it."""
        return await self._leases.acquire(_lease_name(case_id), counselor, lease_ms, reentrant=True) is not None

    async def release(self, case_id: str, counselor: str) -> bool:
        """Give a case back before the lease runs out (only its holder can)."""
        (claim,) = await self._leases.states([_lease_name(case_id)])
        if claim is None or claim.holder != counselor:
            return False
        return await self._leases.release(_lease_name(case_id), claim.token)

    async def holder(self, case_id: str) -> str | None:
        """Who holds the case now."""
        (claim,) = await self._leases.states([_lease_name(case_id)])
        return claim.holder if claim else None

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
                    case = case_decoder.decode(_bytes(raw))
                    result = change(case)
                    if isinstance(result, Awaitable):
                        await result
                    pipe.multi()  # type: ignore[no-untyped-call]  # redis-py leaves Pipeline.multi unannotated
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


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _bytes(value: bytes | str) -> bytes:
    # Records are msgpack: a client with decode_responses=True cannot read them at all.
    if isinstance(value, str):
        raise TypeError("the case store needs a Redis client without decode_responses")
    return value


def _members(ids: ZSetRangeResponse) -> list[str]:
    # redis-py types every ZRANGE flavour alike; without WITHSCORES each member is a plain string.
    out = []
    for member in ids:
        if not isinstance(member, (bytes, str)):
            raise TypeError(f"sorted-set member {member!r} is not a string")
        out.append(_text(member))
    return out


def _lease_name(case_id: str) -> str:
    return f"case:{case_id}"


def _with_lease(case: Case, claim: HeldLease | None) -> Case:
    if case.status is not CaseStatus.RESOLVED and claim is not None:
        case.status = CaseStatus.CLAIMED
        case.assignee = claim.holder
        case.lease_until = int(time.time() * 1000) + max(claim.ttl_ms, 0)
    return case
