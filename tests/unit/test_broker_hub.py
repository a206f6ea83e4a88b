"""The Hub over the memory broker: one broker subscription per topic, and healing after a broker loss."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from channels.broker_memory import MemoryBroker, MemoryBus
from channels.envelope import Lane, Seq, pack
from channels.hub import Hub
from channels.wsframe import text_frame
from tests.helpers import eventually

Delivery = tuple[Seq | None, bytes, bool]


class Socket:
    """A Subscriber that records what the hub hands it."""

    def __init__(self) -> None:
        self.got: asyncio.Queue[Delivery] = asyncio.Queue()

    def deliver(self, seq: Seq | None, frame: bytes, priority: bool) -> None:
        self.got.put_nowait((seq, frame, priority))

    async def take(self, count: int) -> list[Delivery]:
        async with asyncio.timeout(2):
            return [await self.got.get() for _ in range(count)]


@dataclass
class Wired:
    bus: MemoryBus
    hub: Hub
    broker: MemoryBroker
    sender: MemoryBroker


@pytest.fixture
async def wired() -> AsyncIterator[Wired]:
    bus = MemoryBus()
    hub = Hub("users")
    broker = MemoryBroker(bus, hub.dispatch, hub.on_resubscribed, on_lost=hub.on_broker_lost)
    hub.bind(broker)
    sender = MemoryBroker(bus, lambda topic, data: None)
    yield Wired(bus, hub, broker, sender)
    await hub.aclose()
    await broker.aclose()
    await sender.aclose()


def chat(seq: str, body: bytes) -> bytes:
    return pack(Lane.CHAT, body, seq)


async def test_one_broker_subscription_per_topic_until_the_last_detach(wired: Wired) -> None:
    hub, broker = wired.hub, wired.broker
    a, b = Socket(), Socket()
    await asyncio.gather(hub.attach("room", a), hub.attach("room", b))  # a second broker subscribe would raise
    await wired.sender.publish("room", chat("1-0", b"one"))
    assert await a.take(1) == await b.take(1) == [((1, 0), text_frame(b"one"), False)]
    await hub.detach("room", a)
    await wired.sender.publish("room", chat("2-0", b"two"))
    assert await b.take(1) == [((2, 0), text_frame(b"two"), False)]
    assert a.got.empty()  # memory delivery is synchronous: it would be there already
    await hub.detach("room", b)
    assert hub.topics() == []
    async with broker.subscribe("room"):  # the hub let go of the topic, or this would raise
        pass
    c = Socket()
    await hub.attach("room", c)
    await wired.sender.publish("room", chat("3-0", b"three"))
    assert await c.take(1) == [((3, 0), text_frame(b"three"), False)]


async def test_users_topic_held_from_start_to_aclose(wired: Wired) -> None:
    hub, broker = wired.hub, wired.broker
    await hub.start()
    sam = Socket()
    hub.attach_user("sam", sam)
    await wired.sender.publish("users", pack(Lane.USER, b"hi", "sam"))
    assert await sam.take(1) == [(None, text_frame(b"hi"), True)]
    await hub.aclose()
    async with broker.subscribe("users"):
        pass


async def test_broker_loss_replays_history_then_releases_held_frames(wired: Wired) -> None:
    hub = wired.hub
    calls: list[tuple[str, Seq]] = []

    async def resync(topic: str, last: Seq) -> list[tuple[Seq, bytes]]:
        calls.append((topic, last))
        await wired.sender.publish(topic, chat("3-0", b"live"))  # arrives during the replay: held back
        return [((2, 0), text_frame(b"missed"))]

    hub.resync_source = resync
    sock = Socket()
    await hub.attach("room", sock)
    await wired.sender.publish("room", chat("1-0", b"first"))
    assert await sock.take(1) == [((1, 0), text_frame(b"first"), False)]
    wired.bus.drop(wired.broker)
    await wired.sender.publish("room", chat("2-0", b"lost"))  # gone from pub/sub; history has it
    assert await sock.take(2) == [((2, 0), text_frame(b"missed"), False), ((3, 0), text_frame(b"live"), False)]
    assert calls == [("room", (1, 0))]
    await wired.sender.publish("room", chat("4-0", b"after"))
    assert await sock.take(1) == [((4, 0), text_frame(b"after"), False)]


class History:
    """A stand-in for the room streams (the hub only ever sees them through its two callbacks)."""

    def __init__(self) -> None:
        self.entries: dict[str, list[tuple[Seq, bytes]]] = {}
        self.failures = 0  # how many reads fail before they work again
        self.reads: list[tuple[str, Seq]] = []

    def add(self, topic: str, seq: Seq, body: bytes) -> None:
        self.entries.setdefault(topic, []).append((seq, text_frame(body)))

    async def after(self, topic: str, last: Seq) -> list[tuple[Seq, bytes]]:
        self.reads.append((topic, last))
        if self.failures:
            self.failures -= 1
            raise ConnectionError("redis went away mid-resync")
        return [(seq, frame) for seq, frame in self.entries.get(topic, []) if seq > last]

    async def newest(self, topics: list[str]) -> list[Seq | None]:
        return [self.entries[t][-1][0] if self.entries.get(t) else None for t in topics]


@pytest.fixture
def history(wired: Wired) -> History:
    store = History()
    wired.hub.resync_source = store.after
    wired.hub.position_source = store.newest
    return store


async def test_a_room_joined_while_its_history_was_empty_still_replays(wired: Wired, history: History) -> None:
    sock = Socket()
    await wired.hub.attach("room", sock)  # nothing delivered yet: the hub knows no position
    wired.bus.drop(wired.broker)
    history.add("room", (5, 0), b"posted while the broker was away")
    assert await sock.take(1) == [((5, 0), text_frame(b"posted while the broker was away"), False)]
    assert history.reads == [("room", (0, 0))]


async def test_a_failed_resync_is_retried_by_the_position_check(wired: Wired, history: History) -> None:
    sock = Socket()
    await wired.hub.attach("room", sock)
    await wired.sender.publish("room", chat("1-0", b"first"))
    assert await sock.take(1) == [((1, 0), text_frame(b"first"), False)]
    history.add("room", (1, 0), b"first")
    history.add("room", (2, 0), b"missed")
    history.failures = 1
    wired.bus.drop(wired.broker)  # the broker comes back, but the resync after it fails...
    await eventually(lambda: history.reads == [("room", (1, 0))])
    await eventually(wired.hub.live_topics_ready)
    assert sock.got.empty()
    # ...and the next position check fills the gap.
    assert await wired.hub.check_positions() == 1
    assert await sock.take(1) == [((2, 0), text_frame(b"missed"), False)]
    assert history.reads[-1] == ("room", (1, 0))
    assert await wired.hub.check_positions() == 0 and sock.got.empty()  # nothing left to repair


async def test_the_position_check_catches_a_silently_lost_publication(wired: Wired, history: History) -> None:
    sock = Socket()
    await wired.hub.attach("room", sock)
    await wired.sender.publish("room", chat("1-0", b"first"))
    assert await sock.take(1) == [((1, 0), text_frame(b"first"), False)]
    history.add("room", (1, 0), b"first")
    history.add("room", (2, 0), b"in history, never published")  # no loss event: nothing else notices
    assert await wired.hub.check_positions() == 1
    assert await sock.take(1) == [((2, 0), text_frame(b"in history, never published"), False)]
    assert await wired.hub.check_positions() == 0 and sock.got.empty()
