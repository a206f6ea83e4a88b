"""The Broker contract on the in-memory implementation, plus what its simulated loss means."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from channels.broker import Broker
from channels.broker_memory import MemoryBroker, MemoryBus
from tests import broker_contract
from tests.broker_contract import MakeBroker, Probe


@pytest.fixture
def bus() -> MemoryBus:
    return MemoryBus()


@pytest.fixture
async def make(bus: MemoryBus) -> AsyncIterator[MakeBroker]:
    made: list[MemoryBroker] = []

    async def build(probe: Probe) -> Broker:
        broker = MemoryBroker(bus, probe.on_message, probe.on_resubscribed, on_lost=probe.on_lost)
        made.append(broker)
        return broker

    yield build
    for broker in made:
        await broker.aclose()


async def test_contract_order(make: MakeBroker) -> None:
    await broker_contract.receives_in_order(make, "t")


async def test_contract_many_topics(make: MakeBroker) -> None:
    await broker_contract.many_topics_without_cross_talk(make, "p")


async def test_contract_unsubscribe(make: MakeBroker) -> None:
    await broker_contract.unsubscribe_stops_delivery_and_resubscribe_works(make, "t")


async def test_contract_two_instances(make: MakeBroker) -> None:
    await broker_contract.two_instances_on_one_topic(make, "t")


async def test_contract_one_subscription_per_topic(make: MakeBroker) -> None:
    await broker_contract.one_subscription_per_topic(make, "t")


async def test_contract_reconnect(make: MakeBroker, bus: MemoryBus) -> None:
    # The memory broker has no connection of its own; MemoryBus.drop() plays Redis killing it.
    async def kill(broker: Broker) -> None:
        assert isinstance(broker, MemoryBroker)
        bus.drop(broker)

    await broker_contract.resubscribes_after_connection_loss(make, kill, "p")


async def test_publications_while_dropped_are_lost(make: MakeBroker, bus: MemoryBus) -> None:
    """Like Redis pub/sub, and unlike a queue: what is published during the outage never arrives."""
    probe = Probe()
    receiver, sender = await make(probe), await make(Probe())
    async with receiver.subscribe("t"):
        assert isinstance(receiver, MemoryBroker)
        bus.drop(receiver)
        await sender.publish("t", b"during")  # delivery is synchronous and the reconnect has not run yet
        assert probe.received.empty()
        async with asyncio.timeout(2):
            assert await probe.events.get() == ("lost", [])
            assert await probe.events.get() == ("resubscribed", ["t"])
        await sender.publish("t", b"after")
        assert await probe.take(1) == [("t", b"after")]
