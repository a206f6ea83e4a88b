"""Every Redis client is bounded: a burst of callers waits for a pooled connection instead of failing,
and a Redis that hangs (SIGSTOP) makes requests answer 503 within the socket timeout, not hang."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from service.base.settings import Settings
from tests.helpers import World, eventually, running
from tests.redis_server import RedisProcess

pytestmark = pytest.mark.redis


async def test_a_burst_larger_than_the_pool_waits_instead_of_failing(
    make_settings: Callable[..., Settings], redis: Any,
) -> None:
    async with running(make_settings(redis_pool_size=5, redis_pool_timeout_seconds=10)) as inst:
        async with httpx.AsyncClient(base_url=inst.url, timeout=30,
                                     limits=httpx.Limits(max_connections=300)) as client:
            answers = await asyncio.gather(*(
                client.get("/api/me", headers={"authorization": f"Bearer {secrets.token_urlsafe(24)}"})
                for _ in range(300)))
    assert Counter(a.status_code for a in answers) == {401: 300}


async def test_a_hung_redis_answers_503_within_the_socket_timeout(
    make_settings: Callable[..., Settings], redis_process_factory: Callable[..., RedisProcess],
) -> None:
    server = redis_process_factory().start()
    assert server.proc is not None
    async with running(make_settings(redis_url=server.url, redis_socket_timeout_seconds=1.0)) as inst:
        world = World(inst.deps)
        await world.make_program()
        sam = await world.make_person("sam")
        headers = {"authorization": f"Bearer {sam.token}"}
        async with httpx.AsyncClient(base_url=inst.url, timeout=30) as client:
            assert (await client.get("/api/me", headers=headers)).status_code == 200
            os.kill(server.proc.pid, signal.SIGSTOP)
            try:
                started = time.monotonic()
                hung = await client.get("/api/me", headers=headers)
                waited = time.monotonic() - started
            finally:
                os.kill(server.proc.pid, signal.SIGCONT)
            assert hung.status_code == 503 and hung.json()["error"]["code"] == "unavailable"
            assert waited < 5, waited  # bounded by the 1 s socket timeout (plus retries), never open-ended

            async def back() -> bool:
                return (await client.get("/api/me", headers=headers)).status_code == 200
            await eventually(back, timeout=15)
