"""Broker over Redis pub/sub: one connection per instance, one SUBSCRIBE per topic."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict, deque
from collections.abc import Callable

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from channels.broker import BackendUnavailable, OnMessage, OnResubscribed

logger = logging.getLogger(__name__)

SUBSCRIBE_TIMEOUT = 5.0


class RedisBroker:
    """Owns a dedicated pub/sub connection and a reader task that dispatches messages."""

    def __init__(
        self, redis: Redis, on_message: OnMessage, on_resubscribed: OnResubscribed | None = None,
        name: str = "between-pubsub", on_lost: Callable[[], None] | None = None,
    ) -> None:
        self._redis = redis
        self._on_lost = on_lost
        self.name = name
        self._on_message = on_message
        self._on_resubscribed = on_resubscribed
        self._conn: AbstractConnection | None = None
        self._topics: set[str] = set()
        self._pending: dict[str, deque[asyncio.Future[None]]] = defaultdict(deque)
        self._reader: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._closing = False

    async def start(self) -> None:
        """Open the pub/sub connection and start reading."""
        await self._connect()
        self._reader = asyncio.create_task(self._read_loop(), name="broker-reader")

    async def _connect(self) -> None:
        pool = self._redis.connection_pool
        kwargs = dict(pool.connection_kwargs)
        kwargs["decode_responses"] = False
        kwargs["protocol"] = 2  # RESP3 would route messages to a push handler instead of read_response
        kwargs["socket_timeout"] = None  # a quiet channel is not a dead one (redis-py would default to 5 s)
        kwargs["client_name"] = self.name  # lets operators (and tests) find this connection
        conn = pool.connection_class(**kwargs)
        await conn.connect()
        self._conn = conn
        self._connected.set()

    async def publish(self, topic: str, data: bytes) -> None:
        """PUBLISH through the shared command connection pool."""
        try:
            await self._redis.publish(topic, data)
        except RedisError as exc:
            raise BackendUnavailable(str(exc)) from exc

    async def subscribe(self, topic: str) -> None:
        """SUBSCRIBE and wait for Redis to confirm it."""
        waiter = self._expect_confirmation(topic)
        self._topics.add(topic)
        try:
            await self._send("SUBSCRIBE", topic)
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT):
                await waiter
        except (RedisError, OSError, TimeoutError) as exc:
            with contextlib.suppress(ValueError):
                self._pending[topic].remove(waiter)
            raise BackendUnavailable(f"subscribe failed: {exc}") from exc

    async def unsubscribe(self, topic: str) -> None:
        """UNSUBSCRIBE; confirmation is not awaited (late messages are simply ignored)."""
        self._topics.discard(topic)
        with contextlib.suppress(RedisError, OSError):
            await self._send("UNSUBSCRIBE", topic)

    async def _send(self, *args: str) -> None:
        await self._connected.wait()
        assert self._conn is not None
        await self._conn.send_command(*args, check_health=False)

    async def _read_loop(self) -> None:
        while not self._closing:
            try:
                assert self._conn is not None
                reply = await self._conn.read_response(disable_decoding=True)
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                if self._closing:
                    return
                logger.warning("pub/sub connection lost; resubscribing", extra={"error": type(exc).__name__})
                if self._on_lost is not None:
                    self._on_lost()
                await self._reconnect()
                continue
            if not isinstance(reply, list) or len(reply) < 3:
                continue
            kind = reply[0]
            if kind == b"message":
                try:
                    self._on_message(reply[1].decode(), reply[2])
                except Exception:  # one bad frame must not stop every room on this instance
                    logger.exception("dispatch failed", extra={"topic": reply[1].decode()})
            elif kind == b"subscribe":
                waiters = self._pending.get(reply[1].decode())
                if waiters:
                    waiter = waiters.popleft()
                    if not waiter.done():
                        waiter.set_result(None)

    async def _reconnect(self) -> None:
        self._connected.clear()
        delay = 0.05
        while not self._closing:
            try:
                if self._conn is not None:
                    await self._conn.disconnect()
                await self._connect()
                topics = sorted(self._topics)
                waiters = [self._expect_confirmation(topic) for topic in topics]
                if topics:
                    assert self._conn is not None
                    await self._conn.send_command("SUBSCRIBE", *topics, check_health=False)
                logger.info("pub/sub reconnected", extra={"topics": len(topics)})
                if topics:
                    task = asyncio.create_task(self._resync_when_live(topics, waiters))
                    task.add_done_callback(lambda t: t.exception() if not t.cancelled() else None)
                return
            except (RedisError, OSError):
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    def _expect_confirmation(self, topic: str) -> asyncio.Future[None]:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending[topic].append(waiter)
        return waiter

    async def _resync_when_live(self, topics: list[str], waiters: list[asyncio.Future[None]]) -> None:
        # Messages published while we were away are gone from pub/sub; once the new
        # subscriptions are live, the hub re-reads history so no client misses them.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT):
                await asyncio.gather(*waiters)
        if self._on_resubscribed is not None and not self._closing:
            await self._on_resubscribed(topics)

    async def aclose(self) -> None:
        """Stop the reader and close the connection."""
        self._closing = True
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.disconnect()
        for waiters in self._pending.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.cancel()
