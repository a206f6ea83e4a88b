"""One contract, run against every Broker implementation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from channels.broker import Broker

Received = asyncio.Queue[tuple[str, bytes]]
MakeBroker = Callable[[Received], Awaitable[Broker]]


async def subscribed_instance_receives_in_order(make: MakeBroker, topic: str) -> None:
    """Publications after subscribe() returns all arrive, in order."""
    got: Received = asyncio.Queue()
    receiver = await make(got)
    sender = await make(asyncio.Queue())
    await receiver.subscribe(topic)
    for i in range(20):
        await sender.publish(topic, f"m{i}".encode())
    async with asyncio.timeout(2):
        assert [(await got.get())[1] for _ in range(20)] == [f"m{i}".encode() for i in range(20)]


async def unsubscribed_instance_receives_nothing(make: MakeBroker, topic: str) -> None:
    """After unsubscribe(), nothing more arrives (checked with a marker on another topic)."""
    got: Received = asyncio.Queue()
    receiver = await make(got)
    sender = await make(asyncio.Queue())
    await receiver.subscribe(topic)
    await receiver.subscribe(topic + ":marker")
    await receiver.unsubscribe(topic)
    await sender.publish(topic, b"after")
    await sender.publish(topic + ":marker", b"marker")
    async with asyncio.timeout(2):
        assert await got.get() == (topic + ":marker", b"marker")
    assert got.empty()
