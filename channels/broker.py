"""The Broker: how frames travel between instances.

Guarantees (both implementations):

- At-most-once delivery of each publication to each subscribed instance, in publish order
  per topic. Pub/sub is never the record: durable data is re-read from history.
- ``async with broker.subscribe(topic)`` enters only once the subscription is live, so
  anything published after entry is delivered (barring a loss, below).
- After the block exits nothing more of that topic is delivered, even if the backend has
  not yet confirmed the unsubscribe; re-subscribing later works like a first subscribe.
- One subscription per topic per broker: entering a second one for a topic that is still
  subscribed raises ``RuntimeError``. The Hub counts local subscribers and subscribes once.
- Losses (e.g. a Redis reconnect) are reported: ``on_lost`` when the connection drops,
  then ``on_resubscribed(topics)`` once every subscription is live again, so the hub can
  fill the gap from history.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

OnMessage = Callable[[str, bytes], None]
OnResubscribed = Callable[[list[str]], Awaitable[None]]
OnLost = Callable[[], None]


class BackendUnavailable(Exception):
    """Redis could not be reached; the caller should tell the client to retry."""


class Broker(Protocol):
    """Publish and subscribe to topics; one subscription per topic per instance."""

    async def publish(self, topic: str, data: bytes) -> None:
        """Send ``data`` to every instance subscribed to ``topic``."""
        ...

    def subscribe(self, topic: str) -> AbstractAsyncContextManager[None]:
        """Receive ``topic`` inside the ``async with`` block: live on entry, unsubscribed on exit."""
        ...

    async def aclose(self) -> None:
        """Drop all subscriptions and connections."""
        ...

