"""The local registry: which sockets of this instance listen to which topic.

One broker subscription per topic per instance, however many sockets listen. Dispatch
splits the envelope once, builds the WebSocket frame once and hands the same bytes to every
subscriber without awaiting, so a slow socket never delays the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Protocol

from channels.broker import Broker
from channels.envelope import Lane, Seq, parse_seq
from channels.wsframe import text_frame

logger = logging.getLogger(__name__)

ResyncSource = Callable[[str, Seq], Awaitable[list[tuple[Seq, bytes]]]]
# The newest history id of each topic (None: empty), for the periodic position check.
PositionSource = Callable[[list[str]], Awaitable[list[Seq | None]]]

# A topic whose history was empty when it was joined resyncs from the very start.
ORIGIN: Seq = (0, 0)


class Subscriber(Protocol):
    """A socket's membership of a topic."""

    def deliver(self, seq: Seq | None, frame: bytes, priority: bool) -> None:
        """Queue a complete WebSocket frame; ``seq`` is set for chat messages."""
        ...


class _Topic:
    __slots__ = ("gap_from", "held", "last_seq", "lock", "resync_from", "subscribers", "subscription")

    def __init__(self) -> None:
        self.subscribers: set[Subscriber] = set()
        self.lock = asyncio.Lock()  # serialises this topic's broker subscribe and unsubscribe
        # The topic's one broker subscription, held open while it has local subscribers.
        self.subscription: AsyncExitStack | None = None
        self.last_seq: Seq | None = None
        # While the broker reconnects, live frames wait here until history has filled the gap.
        self.resync_from: Seq | None = None
        self.held: list[tuple[bytes, str, bytes]] | None = None
        # A resync that failed: the gap starts here, and the next position check fills it.
        self.gap_from: Seq | None = None


class Hub:
    """Fans frames from the broker out to this instance's sockets."""

    def __init__(self, users_topic: str) -> None:
        self.users_topic = users_topic
        self._topics: dict[str, _Topic] = {}
        self._users: dict[str, set[Subscriber]] = {}
        self._broker: Broker | None = None
        self._users_subscription = AsyncExitStack()
        self.resync_source: ResyncSource | None = None
        self.position_source: PositionSource | None = None

    def bind(self, broker: Broker) -> None:
        """Attach the broker (built after the hub because it calls ``dispatch``)."""
        self._broker = broker

    @property
    def broker(self) -> Broker:
        """The bound broker."""
        assert self._broker is not None, "Hub.bind() was not called"
        return self._broker

    async def start(self) -> None:
        """Subscribe the users topic, for the hub's lifetime (call once the broker has started)."""
        await self._users_subscription.enter_async_context(self.broker.subscribe(self.users_topic))

    async def aclose(self) -> None:
        """Drop the users topic and every room subscription (before the broker closes)."""
        entries = list(self._topics.values())
        self._topics.clear()
        for entry in entries:
            async with entry.lock:
                if entry.subscription is not None:
                    stack, entry.subscription = entry.subscription, None
                    await stack.aclose()
        await self._users_subscription.aclose()

    async def attach(self, topic: str, subscriber: Subscriber) -> None:
        """Register a subscriber; the first one on this instance subscribes the broker."""
        entry = self._topics.get(topic)
        if entry is None:
            entry = self._topics[topic] = _Topic()
        entry.subscribers.add(subscriber)
        if entry.subscription is not None:
            return
        async with entry.lock:
            if entry.subscription is None:
                stack = AsyncExitStack()
                try:
                    await stack.enter_async_context(self.broker.subscribe(topic))
                except BaseException:
                    entry.subscribers.discard(subscriber)
                    if not entry.subscribers and self._topics.get(topic) is entry:
                        del self._topics[topic]
                    raise
                entry.subscription = stack

    async def detach(self, topic: str, subscriber: Subscriber) -> None:
        """Unregister; the last one out unsubscribes the broker."""
        entry = self._topics.get(topic)
        if entry is None:
            return
        entry.subscribers.discard(subscriber)
        if entry.subscribers:
            return
        async with entry.lock:
            if not entry.subscribers and self._topics.get(topic) is entry:
                del self._topics[topic]
                if entry.subscription is not None:
                    stack, entry.subscription = entry.subscription, None
                    await stack.aclose()

    def attach_user(self, user: str, subscriber: Subscriber) -> None:
        """Receive frames addressed to ``user`` (the users topic is always subscribed)."""
        self._users.setdefault(user, set()).add(subscriber)

    def detach_user(self, user: str, subscriber: Subscriber) -> None:
        """Stop receiving frames addressed to ``user``."""
        subs = self._users.get(user)
        if subs is not None:
            subs.discard(subscriber)
            if not subs:
                del self._users[user]


    def live_topics_ready(self) -> bool:
        """No topic is holding live frames for a replay (the broker is not mid-reconnect)."""
        return all(entry.held is None for entry in self._topics.values())

    def topics(self) -> list[str]:
        """Topics with local subscribers."""
        return list(self._topics)

    def subscriber_count(self, topic: str) -> int:
        """Local subscribers of a topic."""
        entry = self._topics.get(topic)
        return len(entry.subscribers) if entry else 0

    def note_seq(self, topic: str, seq: Seq) -> None:
        """Record the newest chat id known for a topic (from history), the start of any resync."""
        entry = self._topics.get(topic)
        if entry is not None and (entry.last_seq is None or seq > entry.last_seq):
            entry.last_seq = seq

    def on_broker_lost(self) -> None:
        """The broker lost its connection: hold live frames until history has been replayed."""
        for entry in self._topics.values():
            if entry.held is None:
                entry.held = []
                entry.resync_from = entry.last_seq or ORIGIN

    def dispatch(self, topic: str, data: bytes) -> None:
        """Broker callback: unpack once, deliver to every local subscriber."""
        newline = data.index(b"\n")
        lane = data[:1]
        ident = data[1:newline].decode()
        # The WebSocket frame is built here, once, and the same bytes go to every socket.
        frame = text_frame(data[newline + 1 :])
        if lane == Lane.USER.value:
            for sub in list(self._users.get(ident, ())):
                sub.deliver(None, frame, True)
            return
        entry = self._topics.get(topic)
        if entry is None:
            return
        if entry.held is not None:
            entry.held.append((lane, ident, frame))
            return
        self._deliver(entry, lane, ident, frame)

    def _deliver(self, entry: _Topic, lane: bytes, ident: str, frame: bytes) -> None:
        seq: Seq | None = None
        if lane == Lane.CHAT.value:
            seq = parse_seq(ident)
            if entry.last_seq is None or seq > entry.last_seq:
                entry.last_seq = seq
        priority = lane == Lane.SAFETY.value
        for sub in list(entry.subscribers):
            sub.deliver(seq, frame, priority)

    async def on_resubscribed(self, topics: list[str]) -> None:
        """After a broker reconnect: replay history since the loss, then release held live frames.
        A replay that fails is not dropped: the gap is remembered and the next position check fills it."""
        for topic in topics:
            entry = self._topics.get(topic)
            if entry is None:
                continue
            start = entry.resync_from
            replayed = await self._replay(topic, entry, start) if start is not None else True
            held, entry.held, entry.resync_from = entry.held or [], None, None
            if not replayed:
                entry.gap_from = start if entry.gap_from is None else min(entry.gap_from, start or ORIGIN)
            for lane, ident, frame in held:
                self._deliver(entry, lane, ident, frame)  # subscribers drop what the replay already sent

    async def _replay(self, topic: str, entry: _Topic, start: Seq) -> bool:
        """Deliver history after ``start``; False if it could not be read."""
        if self.resync_source is None:
            return True
        try:
            missed = await self.resync_source(topic, start)
        except Exception:
            logger.warning("resync failed; the position check will retry", extra={"topic": topic}, exc_info=True)
            return False
        for seq, frame in missed:
            if entry.last_seq is None or seq > entry.last_seq:
                entry.last_seq = seq
            for sub in list(entry.subscribers):
                sub.deliver(seq, frame, False)
        if missed:
            logger.info("resynced topic", extra={"topic": topic, "count": len(missed)})
        return True

    async def check_positions(self) -> int:
        """Compare each topic's newest history id with the newest one delivered here, and replay any
        gap that nothing else noticed (a lost publication, a failed resync). Returns topics repaired.

        Safe against frames still in flight: subscribers drop what they already have, by id."""
        if self.position_source is None:
            return 0
        topics = [t for t, e in self._topics.items() if e.held is None and e.subscribers]
        if not topics:
            return 0
        newest = await self.position_source(topics)
        repaired = 0
        for topic, head in zip(topics, newest, strict=True):
            entry = self._topics.get(topic)
            if entry is None or entry.held is not None:
                continue
            behind = head is not None and (entry.last_seq is None or head > entry.last_seq)
            start = entry.gap_from if entry.gap_from is not None else (entry.last_seq or ORIGIN)
            if (behind or entry.gap_from is not None) and await self._replay(topic, entry, start):
                entry.gap_from = None
                repaired += behind
        return repaired
