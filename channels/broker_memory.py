"""In-process Broker for unit tests and single-process tools."""

from __future__ import annotations

from channels.broker import OnMessage


class MemoryBus:
    """Connects MemoryBrokers in one process, standing in for Redis pub/sub."""

    def __init__(self) -> None:
        self.brokers: list[MemoryBroker] = []


class MemoryBroker:
    """A Broker whose publications reach every MemoryBroker on the same bus."""

    def __init__(self, bus: MemoryBus, on_message: OnMessage) -> None:
        self._bus = bus
        self._on_message = on_message
        self.topics: set[str] = set()
        bus.brokers.append(self)

    async def publish(self, topic: str, data: bytes) -> None:
        """Deliver to every broker on the bus subscribed to ``topic``."""
        for broker in list(self._bus.brokers):
            if topic in broker.topics:
                broker._on_message(topic, data)

    async def subscribe(self, topic: str) -> None:
        """Live immediately."""
        self.topics.add(topic)

    async def unsubscribe(self, topic: str) -> None:
        """Stop receiving ``topic``."""
        self.topics.discard(topic)

    async def aclose(self) -> None:
        """Leave the bus."""
        self.topics.clear()
        if self in self._bus.brokers:
            self._bus.brokers.remove(self)
