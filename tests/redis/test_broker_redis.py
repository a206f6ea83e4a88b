"""The Broker contract on Redis pub/sub, plus reconnect-and-resync after Redis drops the connection."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from channels.broker import Broker
from channels.broker_redis import RedisBroker
from tests import broker_contract
from tests.helpers import Instance, World, eventually, ws_client

pytestmark = pytest.mark.redis


@pytest.fixture
async def make(redis: Redis) -> AsyncIterator[broker_contract.MakeBroker]:
    made: list[RedisBroker] = []

    async def build(queue: broker_contract.Received) -> Broker:
        broker = RedisBroker(redis, lambda topic, data: queue.put_nowait((topic, data)))
        await broker.start()
        made.append(broker)
        return broker

    yield build
    for broker in made:
        await broker.aclose()


async def test_contract_order(make: broker_contract.MakeBroker, prefix: str) -> None:
    await broker_contract.subscribed_instance_receives_in_order(make, f"{prefix}:t")


async def test_contract_unsubscribe(make: broker_contract.MakeBroker, prefix: str) -> None:
    await broker_contract.unsubscribed_instance_receives_nothing(make, f"{prefix}:t")


async def test_killed_pubsub_connection_resubscribes_and_replays_missed_posts(instance: Instance) -> None:
    world = World(instance.deps)
    await world.make_program()
    room = (await world.make_room("cohort")).id
    sam, alex = await world.make_person("sam"), await world.make_person("alex")
    async with ws_client(instance.ws_url, sam.token) as a, ws_client(instance.ws_url, alex.token) as b:
        await a.join(room)
        await b.join(room)
        await a.post(room, "before", "m0")
        await b.expect("message", text="before")
        # Redis drops this instance's pub/sub connection (as it does on output-buffer overflow).
        clients = await instance.deps.redis.client_list()
        name = instance.deps.broker.name  # type: ignore[attr-defined]
        pubsub = [c for c in clients if c.get("name") == name]
        assert len(pubsub) == 1
        await instance.deps.redis.client_kill_filter(_id=pubsub[0]["id"])
        for i in range(3):
            await a.post(room, f"during {i}", f"d{i}")
        for i in range(3):
            try:
                await b.expect("message", text=f"during {i}", timeout=5)
            except TimeoutError:
                raise AssertionError([(f["type"], f.get("text"), f.get("id")) for f in b.frames]) from None
        ids = [m["id"] for m in b.matching("message")]
        assert len(ids) == len(set(ids)) == 4
        await eventually(lambda: _subscribed(instance))


async def _subscribed(instance: Instance) -> bool:
    clients = await instance.deps.redis.client_list()
    name = instance.deps.broker.name  # type: ignore[attr-defined]
    return any(c.get("name") == name and int(c.get("sub", 0)) > 0 for c in clients)
