"""One contract, run against every Broker implementation (see the guarantees in channels/broker.py).

A backend's test module supplies ``make`` (a new broker wired to a Probe; all brokers of one test
share one bus or one Redis, like instances of one deployment) and ``kill`` (drop a broker's
connection the way that backend loses it in production).

"Nothing else arrived" is checked with per-topic order alone: after the period in question the
test subscribes and publishes once more, and that publication must be the next one received.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import pytest

from channels.broker import Broker

WAIT = 2.0
RECONNECT_WAIT = 5.0  # the Redis broker reconnects at once, but the test machine may be busy


class Probe:
    """What a broker reports to its owner, in the order it reports it."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        self.events: asyncio.Queue[tuple[str, list[str]]] = asyncio.Queue()

    def on_message(self, topic: str, data: bytes) -> None:
        """Broker callback: a publication."""
        self.received.put_nowait((topic, data))

    def on_lost(self) -> None:
        """Broker callback: the connection dropped."""
        self.events.put_nowait(("lost", []))

    async def on_resubscribed(self, topics: list[str]) -> None:
        """Broker callback: subscriptions are live again after a loss."""
        self.events.put_nowait(("resubscribed", topics))

    async def take(self, count: int, timeout: float = WAIT) -> list[tuple[str, bytes]]:
        """The next ``count`` publications received."""
        async with asyncio.timeout(timeout):
            return [await self.received.get() for _ in range(count)]


MakeBroker = Callable[[Probe], Awaitable[Broker]]
Kill = Callable[[Broker], Awaitable[None]]


async def receives_in_order(make: MakeBroker, topic: str) -> None:
    """Everything published after entry arrives once, in publish order."""
    probe = Probe()
    receiver, sender = await make(probe), await make(Probe())
    async with receiver.subscribe(topic):
        for i in range(200):
            await sender.publish(topic, f"m{i}".encode())
        assert await probe.take(200) == [(topic, f"m{i}".encode()) for i in range(200)]
    assert probe.received.empty()


async def many_topics_without_cross_talk(make: MakeBroker, prefix: str) -> None:
    """Concurrent subscriptions to many topics; each gets its own publications, in order, and no others."""
    topics = [f"{prefix}:t{i}" for i in range(40)]  # t1 is a prefix of t10..t19: names must match exactly
    mine, theirs, nobody = topics[:20], topics[20:30], topics[30:]
    probe, other = Probe(), Probe()
    receiver, neighbour, sender = await make(probe), await make(other), await make(Probe())
    async with contextlib.AsyncExitStack() as stack:
        await asyncio.gather(*(stack.enter_async_context(receiver.subscribe(t)) for t in mine))
        await asyncio.gather(*(stack.enter_async_context(neighbour.subscribe(t)) for t in theirs))
        for i in range(10):
            for topic in topics:
                await sender.publish(topic, f"{topic}#{i}".encode())
        got = await probe.take(len(mine) * 10)
        got_other = await other.take(len(theirs) * 10)
    for received, subscribed in ((got, mine), (got_other, theirs)):
        assert {topic for topic, _ in received} == set(subscribed)
        for topic in subscribed:
            assert [data for t, data in received if t == topic] == [f"{topic}#{i}".encode() for i in range(10)]
    assert not set(nobody) & {t for t, _ in got + got_other}
    assert probe.received.empty() and other.received.empty()


async def unsubscribe_stops_delivery_and_resubscribe_works(make: MakeBroker, topic: str) -> None:
    """Nothing arrives between exit and the next entry; after re-entry delivery resumes."""
    probe = Probe()
    receiver, sender = await make(probe), await make(Probe())
    async with receiver.subscribe(topic):
        await sender.publish(topic, b"before")
        assert await probe.take(1) == [(topic, b"before")]
    for i in range(5):
        await sender.publish(topic, f"between {i}".encode())
    async with receiver.subscribe(topic):
        await sender.publish(topic, b"again")
        assert await probe.take(1) == [(topic, b"again")]  # not "between 0": per-topic order
    assert probe.received.empty()


async def two_instances_on_one_topic(make: MakeBroker, topic: str) -> None:
    """Both subscribed instances get every publication in order; one leaving does not affect the other."""
    first, second = Probe(), Probe()
    a, b, sender = await make(first), await make(second), await make(Probe())
    async with b.subscribe(topic):
        async with a.subscribe(topic):
            for i in range(20):
                await sender.publish(topic, f"m{i}".encode())
            expected = [(topic, f"m{i}".encode()) for i in range(20)]
            assert await first.take(20) == expected
            assert await second.take(20) == expected
        await sender.publish(topic, b"only b")
        assert await second.take(1) == [(topic, b"only b")]
        async with a.subscribe(topic):
            await sender.publish(topic, b"both")
            assert await first.take(1) == [(topic, b"both")]
            assert await second.take(1) == [(topic, b"both")]


async def one_subscription_per_topic(make: MakeBroker, topic: str) -> None:
    """A second subscription to a subscribed topic is refused and leaves the first intact."""
    probe = Probe()
    receiver, sender = await make(probe), await make(Probe())
    async with receiver.subscribe(topic):
        with pytest.raises(RuntimeError):
            async with receiver.subscribe(topic):
                pass
        await sender.publish(topic, b"still")
        assert await probe.take(1) == [(topic, b"still")]
    async with receiver.subscribe(topic):  # once exited, the topic is free again
        await sender.publish(topic, b"new")
        assert await probe.take(1) == [(topic, b"new")]


async def resubscribes_after_connection_loss(make: MakeBroker, kill: Kill, prefix: str) -> None:
    """After a dropped connection: on_lost, then on_resubscribed with the live topics, then delivery again.

    Publications made while the connection is down may be lost (at-most-once); none are made here.
    """
    kept, left = f"{prefix}:kept", f"{prefix}:left"
    probe = Probe()
    receiver, sender = await make(probe), await make(Probe())
    async with receiver.subscribe(kept):
        async with receiver.subscribe(left):
            await sender.publish(left, b"left before")
            await sender.publish(kept, b"before")
            assert sorted(await probe.take(2)) == [(kept, b"before"), (left, b"left before")]
        await kill(receiver)
        async with asyncio.timeout(RECONNECT_WAIT):
            assert await probe.events.get() == ("lost", [])
            assert await probe.events.get() == ("resubscribed", [kept])  # not the topic that was exited
        for i in range(10):
            await sender.publish(left, f"left {i}".encode())
            await sender.publish(kept, f"after {i}".encode())
        assert await probe.take(10) == [(kept, f"after {i}".encode()) for i in range(10)]
        async with receiver.subscribe(left):  # subscribing after a reconnect works as before
            await sender.publish(left, b"left again")
            assert await probe.take(1) == [(left, b"left again")]
    assert probe.events.empty()
