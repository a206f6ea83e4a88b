"""Leases: exclusive, expiring hold of a name in Redis, with fencing tokens.

Guarantees:

- At most one holder per name at a time, on one Redis primary. (A failover that loses the last
  writes can hand a lease out twice, as with any Redis lock; fencing is the defence.)
- Every acquisition gets a fencing token larger than every earlier token of that name, whether
  that lease was released or expired. Tokens live in a counter key that never expires.
- ``renew`` and ``release`` act only for the current token: a holder that stalled past its
  expiry, while someone else took the lease, can neither extend nor end the new lease.
- A lease ends at its expiry unless renewed, and its holder is not told. Before acting, a holder
  can ``check`` its token; to make a Redis write itself conditional on still holding the lease,
  ``fence`` the transaction that does it.

Redis connection failures raise ``BackendUnavailable``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from channels import scripts
from channels.broker import BackendUnavailable
from channels.keys import LeaseKeys


@dataclass(frozen=True, slots=True)
class LeaseState:
    """Who holds a lease now, with which fencing token, for how many more milliseconds."""

    holder: str
    token: int
    ttl_ms: int


class LeaseLost(Exception):
    """The lease is no longer held with this token (expired, released or taken over)."""


class Leases:
    """Acquire, renew, release and verify leases by name (the caller picks names, e.g. ``case:<id>``)."""

    def __init__(self, redis: Redis, keys: LeaseKeys) -> None:
        self._redis = redis
        self._keys = keys
        self._acquire = scripts.load(redis, "lease_acquire")
        self._renew = scripts.load(redis, "lease_renew")
        self._release = scripts.load(redis, "lease_release")

    async def acquire(self, name: str, holder: str, ttl_ms: int, *, reentrant: bool = False) -> int | None:
        """Take ``name`` for ``ttl_ms`` and return its new fencing token; None if another holder has it.

        With ``reentrant``, a ``holder`` that already has the lease gets the new expiry and keeps
        its token (a counselor claiming their own case again). Otherwise a held lease is refused
        whoever asks, so concurrent attempts by one holder name still exclude each other.
        """
        _check_ttl(ttl_ms)
        with _unavailable():
            token = await self._acquire(
                keys=[self._keys.lease(name), self._keys.fence(name)], args=[holder, ttl_ms, int(reentrant)]
            )
        return None if token is None else int(token)

    async def renew(self, name: str, token: int, ttl_ms: int) -> bool:
        """Set the lease to expire ``ttl_ms`` from now; False (and nothing changes) unless ``token`` holds it."""
        _check_ttl(ttl_ms)
        with _unavailable():
            return bool(await self._renew(keys=[self._keys.lease(name)], args=[token, ttl_ms]))

    async def release(self, name: str, token: int) -> bool:
        """End the lease now; False (and nothing changes) unless ``token`` holds it."""
        with _unavailable():
            return bool(await self._release(keys=[self._keys.lease(name)], args=[token]))

    async def check(self, name: str, token: int) -> bool:
        """Whether ``token`` holds the lease at this moment (it may expire right after; see ``fence``)."""
        state = await self.state(name)
        return state is not None and state.token == token

    async def state(self, name: str) -> LeaseState | None:
        """The lease's holder, token and time left; None if nobody holds it."""
        return (await self.states([name]))[0]

    async def states(self, names: Sequence[str]) -> list[LeaseState | None]:
        """``state`` of several leases in one round trip, in order."""
        if not names:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for name in names:
            pipe.get(self._keys.lease(name))
            pipe.pttl(self._keys.lease(name))
        with _unavailable():
            replies = await pipe.execute()
        states: list[LeaseState | None] = []
        for raw, ttl in zip(replies[::2], replies[1::2], strict=True):
            # PTTL -2: it expired between the two reads.
            states.append(None if raw is None or ttl == -2 else _state(raw, ttl))
        return states

    async def fence(self, pipe: Pipeline, name: str, token: int) -> None:
        """Make ``pipe``'s next MULTI/EXEC conditional on ``token`` still holding the lease.

        Call on a pipeline before ``multi()``: it WATCHes the lease and raises LeaseLost unless
        ``token`` holds it now. Should the lease then expire, be released or change hands before
        EXEC, the EXEC fails with ``WatchError`` and none of the transaction is applied, so a
        holder that stalled past its expiry cannot write over its successor's work.
        """
        key = self._keys.lease(name)
        with _unavailable():
            await pipe.watch(key)
            raw = await pipe.get(key)
        if raw is None or _state(raw, 0).token != token:
            raise LeaseLost(name)


def _state(raw: bytes | str, ttl_ms: int) -> LeaseState:
    text = raw.decode() if isinstance(raw, bytes) else raw
    token, _, holder = text.partition(":")
    return LeaseState(holder, int(token), ttl_ms)


def _check_ttl(ttl_ms: int) -> None:
    if ttl_ms <= 0:
        raise ValueError(f"a lease needs a positive ttl, not {ttl_ms} ms")


@contextlib.contextmanager
def _unavailable() -> Iterator[None]:
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError) as exc:
        raise BackendUnavailable(str(exc)) from exc
