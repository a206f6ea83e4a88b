"""The Broker contract on Redis pub/sub, plus reconnect-and-resync after Redis drops the connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from unittest import mock

import pytest
from redis.asyncio import Redis

from channels.broker import BackendUnavailable, Broker
from channels.broker_redis import RedisBroker
from tests import broker_contract
from tests.broker_contract import Kill, MakeBroker, Probe
from tests.helpers import Instance, World, eventually, ws_client

pytestmark = pytest.mark.redis


@pytest.fixture
async def make(redis: Redis, prefix: str) -> AsyncIterator[MakeBroker]:
    made: list[RedisBroker] = []

    async def build(probe: Probe) -> Broker:
        broker = RedisBroker(redis, probe.on_message, probe.on_resubscribed, name=f"{prefix}-pubsub-{len(made)}",
                             on_lost=probe.on_lost)
        made.append(broker)
        await broker.start()
        return broker

    yield build
    for broker in made:
        await broker.aclose()


@pytest.fixture
def kill(redis: Redis) -> Kill:
    """CLIENT KILL the broker's pub/sub connection from another client, as Redis does on buffer overflow."""

    async def drop(broker: Broker) -> None:
        assert isinstance(broker, RedisBroker)
        ids = [c["id"] for c in await redis.client_list() if c.get("name") == broker.name]
        assert len(ids) == 1
        assert await redis.client_kill_filter(_id=ids[0]) == 1

    return drop


async def test_contract_order(make: MakeBroker, prefix: str) -> None:
    await broker_contract.receives_in_order(make, f"{prefix}:t")


async def test_contract_many_topics(make: MakeBroker, prefix: str) -> None:
    await broker_contract.many_topics_without_cross_talk(make, prefix)


async def test_contract_unsubscribe(make: MakeBroker, prefix: str) -> None:
    await broker_contract.unsubscribe_stops_delivery_and_resubscribe_works(make, f"{prefix}:t")


async def test_contract_two_instances(make: MakeBroker, prefix: str) -> None:
    await broker_contract.two_instances_on_one_topic(make, f"{prefix}:t")


async def test_contract_one_subscription_per_topic(make: MakeBroker, prefix: str) -> None:
    await broker_contract.one_subscription_per_topic(make, f"{prefix}:t")


async def test_contract_reconnect(make: MakeBroker, kill: Kill, prefix: str) -> None:
    await broker_contract.resubscribes_after_connection_loss(make, kill, prefix)


async def test_one_redis_subscription_per_topic_none_after_exit(make: MakeBroker, redis: Redis, prefix: str) -> None:
    """Redis itself sees one SUBSCRIBE per subscribed topic, and none once the block has exited."""
    topics = [f"{prefix}:a", f"{prefix}:b"]
    broker = await make(Probe())
    async with broker.subscribe(topics[0]), broker.subscribe(topics[1]):
        assert await redis.pubsub_numsub(*topics) == [(t.encode(), 1) for t in topics]
    await eventually(lambda: _no_subscribers(redis, topics))


async def _no_subscribers(redis: Redis, topics: list[str]) -> bool:
    return all(count == 0 for _, count in await redis.pubsub_numsub(*topics))


async def test_subscribe_fails_as_unavailable_when_redis_never_confirms(make: MakeBroker, prefix: str) -> None:
    """No connection and no reconnect: entering gives up with BackendUnavailable and keeps no state."""
    broker = await make(Probe())
    assert isinstance(broker, RedisBroker)
    broker._connected.clear()  # as while a reconnect is under way
    with mock.patch("channels.broker_redis.SUBSCRIBE_TIMEOUT", 0.05), pytest.raises(BackendUnavailable):
        async with broker.subscribe(f"{prefix}:t"):
            pass
    broker._connected.set()
    async with broker.subscribe(f"{prefix}:t"):  # the failed attempt left nothing behind
        assert broker._topics == {f"{prefix}:t"}
    assert not broker._pending


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
        clients = await instance.deps.handle.client.client_list()
        name = instance.deps.broker.name  # type: ignore[attr-defined]
        pubsub = [c for c in clients if c.get("name") == name]
        assert len(pubsub) == 1
        await instance.deps.handle.client.client_kill_filter(_id=pubsub[0]["id"])
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
    clients = await instance.deps.handle.client.client_list()
    name = instance.deps.broker.name  # type: ignore[attr-defined]
    return any(c.get("name") == name and int(c.get("sub", 0)) > 0 for c in clients)
