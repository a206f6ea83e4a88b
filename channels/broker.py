"""The Broker: how frames travel between instances.

Guarantees (both implementations): at-most-once delivery of each publication to each
subscribed instance, in publish order per topic; ``subscribe`` returns only once the
subscription is live, so anything published afterwards is delivered. Losses (e.g. a
Redis reconnect) are reported through ``on_resubscribed`` so the hub can re-read the
durable history; pub/sub itself is never the record.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

OnMessage = Callable[[str, bytes], None]
OnResubscribed = Callable[[list[str]], Awaitable[None]]


class BackendUnavailable(Exception):
    """Redis could not be reached; the caller should tell the client to retry."""


class Broker(Protocol):
    """Publish and subscribe to topics; one subscription per topic per instance."""

    async def publish(self, topic: str, data: bytes) -> None:
        """Send ``data`` to every instance subscribed to ``topic``."""
        ...

    async def subscribe(self, topic: str) -> None:
        """Start receiving ``topic``; returns once the subscription is live."""
        ...

    async def unsubscribe(self, topic: str) -> None:
        """Stop receiving ``topic``."""
        ...

    async def aclose(self) -> None:
        """Drop all subscriptions and connections."""
        ...
