"""Fixtures: a real Redis for the session, a unique key prefix per test, app instances."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import msgspec
import pytest
from redis.asyncio import Redis

from service.base.settings import Settings
from tests.helpers import Instance, World, running
from tests.redis_server import RedisProcess, pick_redis_url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """REDIS_URL if reachable, else a private redis-server for this run."""
    url, server = pick_redis_url()
    try:
        yield url
    finally:
        if server is not None:
            server.stop()


@pytest.fixture
def prefix() -> str:
    """Unique key prefix so tests never see each other's keys."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def redis(redis_url: str, prefix: str) -> AsyncIterator[Redis]:
    """A client; the test's keys are deleted afterwards."""
    client = Redis.from_url(redis_url, protocol=2)
    try:
        yield client
    finally:
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=1000)]
        for i in range(0, len(keys), 500):
            await client.delete(*keys[i : i + 500])
        await client.aclose()


@pytest.fixture
def make_settings(redis_url: str, prefix: str, tmp_path: Any) -> Callable[..., Settings]:
    """Settings for a test instance; cheap argon2 and fast presence so tests are quick."""

    def build(**changes: Any) -> Settings:
        base = Settings(
            redis_url=redis_url, key_prefix=prefix, data_dir=str(tmp_path / "var"), argon2_time_cost=1,
            argon2_memory_kib=1024, presence_interval_seconds=0.3, presence_ttl_seconds=1.2,
            allowed_origins=["http://allowed.example"], post_rate_limit=1000,
        )
        return msgspec.structs.replace(base, **changes)

    return build


@pytest.fixture
async def instance(make_settings: Callable[..., Settings], redis: Redis) -> AsyncIterator[Instance]:
    """One running app instance."""
    async with running(make_settings(instance_name="a")) as inst:
        yield inst


@pytest.fixture
async def world(instance: Instance) -> World:
    """A program with a cohort room and a few people."""
    w = World(instance.deps)
    await w.make_program()
    await w.make_room("cohort")
    return w


@pytest.fixture
async def pair(make_settings: Callable[..., Settings], redis: Redis) -> AsyncIterator[tuple[Instance, Instance]]:
    """Two app instances on separate Redis connections sharing one Redis."""
    async with running(make_settings(instance_name="a")) as a, running(make_settings(instance_name="b")) as b:
        yield a, b


@pytest.fixture
def redis_process_factory() -> Iterator[Callable[..., RedisProcess]]:
    """Private redis-server processes (for restart tests); all stopped afterwards."""
    made: list[RedisProcess] = []

    def make(**kw: Any) -> RedisProcess:
        server = RedisProcess(**kw)
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop(kill=True)
