"""Leases against a real Redis: exclusion, fencing tokens, holder-only renew and release, fenced writes."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import WatchError

from channels.broker import BackendUnavailable
from channels.keys import LeaseKeys
from channels.lease import LeaseLost, Leases
from tests.helpers import eventually
from tests.redis_server import free_port

pytestmark = pytest.mark.redis

LONG = 60_000
SHORT = 50  # ms; long enough for the next command, short enough to wait out


@pytest.fixture
def keys(prefix: str) -> LeaseKeys:
    return LeaseKeys(prefix)


@pytest.fixture
def leases(redis: Redis, keys: LeaseKeys) -> Leases:
    return Leases(redis, keys)


async def _gone(redis: Redis, key: str) -> bool:
    return await redis.exists(key) == 0  # EXISTS also makes Redis expire a key that is due


async def test_exactly_one_of_concurrent_acquirers_wins(leases: Leases) -> None:
    tokens = await asyncio.gather(*(leases.acquire("case:1", f"counselor{i}", LONG) for i in range(10)))
    winners = [(i, t) for i, t in enumerate(tokens) if t is not None]
    assert len(winners) == 1
    i, token = winners[0]
    state = await leases.state("case:1")
    assert state is not None and (state.holder, state.token) == (f"counselor{i}", token)


async def test_a_held_lease_is_refused_even_to_its_holder_unless_reentrant(leases: Leases) -> None:
    token = await leases.acquire("job", "worker", LONG)
    assert token is not None
    assert await leases.acquire("job", "worker", LONG) is None  # two attempts by one worker still exclude
    assert await leases.acquire("job", "other", LONG, reentrant=True) is None


async def test_reentrant_acquire_by_the_holder_keeps_the_token_and_extends(leases: Leases, redis: Redis,
                                                                           keys: LeaseKeys) -> None:
    token = await leases.acquire("case:1", "sam", 1_000)
    assert await leases.acquire("case:1", "sam", LONG, reentrant=True) == token
    assert await redis.pttl(keys.lease("case:1")) > 1_000


async def test_fencing_token_grows_across_release_and_expiry(leases: Leases, redis: Redis, keys: LeaseKeys) -> None:
    first = await leases.acquire("case:1", "sam", LONG)
    assert first is not None and await leases.release("case:1", first)
    second = await leases.acquire("case:1", "alex", SHORT)
    assert second is not None and second > first
    third = await eventually(lambda: leases.acquire("case:1", "sam", LONG))  # once alex's lease has expired
    assert third > second
    assert await leases.acquire("case:2", "sam", LONG) == 1  # tokens count per name
    await redis.delete(keys.lease("case:1"))  # even with the lease key gone, the counter remembers
    assert await leases.acquire("case:1", "sam", LONG) == third + 1


async def test_expiry_lets_another_holder_acquire(leases: Leases) -> None:
    first = await leases.acquire("lock", "a", SHORT)
    assert first is not None
    assert await leases.acquire("lock", "b", LONG) is None
    second = await eventually(lambda: leases.acquire("lock", "b", LONG))
    assert second > first
    state = await leases.state("lock")
    assert state is not None and (state.holder, state.token) == ("b", second) and 0 < state.ttl_ms <= LONG


async def test_only_the_holders_token_renews_and_releases(leases: Leases, redis: Redis, keys: LeaseKeys) -> None:
    token = await leases.acquire("case:1", "sam", 1_000)
    assert token is not None
    assert not await leases.renew("case:1", token + 1, LONG)
    assert not await leases.release("case:1", token + 1)
    assert await redis.pttl(keys.lease("case:1")) <= 1_000
    assert await leases.check("case:1", token)
    assert await leases.renew("case:1", token, LONG)
    assert await redis.pttl(keys.lease("case:1")) > 1_000
    assert await leases.release("case:1", token)
    assert await leases.state("case:1") is None
    assert not await leases.check("case:1", token)
    assert not await leases.renew("case:1", token, LONG)  # released means gone, not renewable
    assert not await leases.release("case:1", token)


async def test_a_stale_holder_cannot_renew_release_or_pass_check(leases: Leases) -> None:
    stale = await leases.acquire("job", "paused worker", SHORT)
    assert stale is not None
    fresh = await eventually(lambda: leases.acquire("job", "new worker", LONG))
    # The paused worker wakes up and carries on with its old token: every step is refused.
    assert not await leases.check("job", stale)
    assert not await leases.renew("job", stale, LONG)
    assert not await leases.release("job", stale)
    state = await leases.state("job")
    assert state is not None and (state.holder, state.token) == ("new worker", fresh)
    assert await leases.check("job", fresh)


async def test_states_reads_many_leases_in_order(leases: Leases) -> None:
    a = await leases.acquire("case:a", "sam", LONG)
    c = await leases.acquire("case:c", "alex:with:colons", LONG)
    got = await leases.states(["case:a", "case:b", "case:c"])
    assert [(s.holder, s.token) if s else None for s in got] == [("sam", a), None, ("alex:with:colons", c)]
    assert await leases.states([]) == []


async def test_fenced_transaction_applies_while_the_token_holds(leases: Leases, redis: Redis, prefix: str) -> None:
    token = await leases.acquire("job", "worker", LONG)
    assert token is not None
    async with redis.pipeline(transaction=True) as pipe:
        await leases.fence(pipe, "job", token)
        pipe.multi()
        pipe.set(f"{prefix}:result", b"done")
        await pipe.execute()
    assert await redis.get(f"{prefix}:result") == b"done"


async def test_fence_refuses_a_token_that_no_longer_holds(leases: Leases, redis: Redis) -> None:
    stale = await leases.acquire("job", "paused worker", LONG)
    assert stale is not None and await leases.release("job", stale)
    assert await leases.acquire("job", "new worker", LONG) is not None
    async with redis.pipeline(transaction=True) as pipe:
        with pytest.raises(LeaseLost):
            await leases.fence(pipe, "job", stale)


async def test_fenced_transaction_fails_if_the_lease_expires_before_exec(
    leases: Leases, redis: Redis, keys: LeaseKeys, prefix: str,
) -> None:
    token = await leases.acquire("job", "worker", SHORT)
    assert token is not None
    async with redis.pipeline(transaction=True) as pipe:
        await leases.fence(pipe, "job", token)
        await eventually(lambda: _gone(redis, keys.lease("job")))  # the worker stalls past its expiry
        pipe.multi()
        pipe.set(f"{prefix}:result", b"late")
        with pytest.raises(WatchError):
            await pipe.execute()
    assert await redis.get(f"{prefix}:result") is None


async def test_redis_unreachable_is_backend_unavailable(keys: LeaseKeys) -> None:
    nowhere = Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))
    leases = Leases(nowhere, keys)
    try:
        with pytest.raises(BackendUnavailable):
            await leases.acquire("job", "worker", LONG)
        with pytest.raises(BackendUnavailable):
            await leases.renew("job", 1, LONG)
        with pytest.raises(BackendUnavailable):
            await leases.release("job", 1)
        with pytest.raises(BackendUnavailable):
            await leases.check("job", 1)
    finally:
        await nowhere.aclose()


async def test_ttl_must_be_positive(leases: Leases) -> None:
    with pytest.raises(ValueError):
        await leases.acquire("job", "worker", 0)
    with pytest.raises(ValueError):
        await leases.renew("job", 1, -5)
