"""In-process Broker for unit tests and single-process tools.

Delivery is synchronous inside ``publish``. ``MemoryBus.drop`` stands in for Redis dropping
a pub/sub connection, so the loss-and-resubscribe path can be tested without Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from channels.broker import OnLost, OnMessage, OnResubscribed

logger = logging.getLogger(__name__)


class MemoryBus:
    """Connects MemoryBrokers in one process, standing in for Redis pub/sub."""

    def __init__(self) -> None:
        self.brokers: list[MemoryBroker] = []

    def drop(self, broker: MemoryBroker) -> None:
        """Cut ``broker`` off as Redis does on a killed connection: it reconnects on its own."""
        broker._connection_lost()


class MemoryBroker:
    """A Broker whose publications reach every MemoryBroker on the same bus."""

    def __init__(
        self, bus: MemoryBus, on_message: OnMessage, on_resubscribed: OnResubscribed | None = None,
        on_lost: OnLost | None = None,
    ) -> None:
        self._bus = bus
        self._on_message = on_message
        self._on_resubscribed = on_resubscribed
        self._on_lost = on_lost
        self._topics: set[str] = set()
        self._online = True
        self._reconnect: asyncio.Task[None] | None = None
        bus.brokers.append(self)

    async def publish(self, topic: str, data: bytes) -> None:
        """Deliver to every connected broker on the bus subscribed to ``topic``."""
        for broker in list(self._bus.brokers):
            if broker._online and topic in broker._topics:
                broker._on_message(topic, data)

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[None]:
        """Live as soon as entered."""
        if topic in self._topics:
            raise RuntimeError(f"already subscribed to {topic!r}")
        self._topics.add(topic)
        try:
            yield
        finally:
            self._topics.discard(topic)

    def _connection_lost(self) -> None:
        if not self._online:
            return
        self._online = False  # publications from now until the reconnect are lost, as on Redis
        if self._on_lost is not None:
            self._on_lost()
        self._reconnect = asyncio.create_task(self._resubscribe(), name="memory-broker-reconnect")

    async def _resubscribe(self) -> None:
        self._online = True
        if self._on_resubscribed is not None and self._topics:
            try:
                await self._on_resubscribed(sorted(self._topics))
            except Exception:  # as on Redis: a failing resync must not take the broker down
                logger.exception("on_resubscribed failed")

    async def aclose(self) -> None:
        """Leave the bus."""
        self._topics.clear()
        self._online = False
        if self._reconnect is not None:
            self._reconnect.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnect
        if self in self._bus.brokers:
            self._bus.brokers.remove(self)
