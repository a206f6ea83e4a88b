"""The Broker contract on the in-memory implementation."""

from __future__ import annotations

from channels.broker import Broker
from channels.broker_memory import MemoryBroker, MemoryBus
from tests import broker_contract


def _factory():  # type: ignore[no-untyped-def]
    bus = MemoryBus()

    async def make(queue: broker_contract.Received) -> Broker:
        return MemoryBroker(bus, lambda topic, data: queue.put_nowait((topic, data)))

    return make


async def test_contract_order() -> None:
    await broker_contract.subscribed_instance_receives_in_order(_factory(), "t")


async def test_contract_unsubscribe() -> None:
    await broker_contract.unsubscribed_instance_receives_nothing(_factory(), "t")
