"""Broker over Redis pub/sub: one connection per instance, one SUBSCRIBE per topic."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from channels.broker import BackendUnavailable, OnLost, OnMessage, OnResubscribed

logger = logging.getLogger(__name__)

SUBSCRIBE_TIMEOUT = 5.0


class RedisBroker:
    """Owns a dedicated pub/sub connection and a reader task that dispatches messages."""

    def __init__(
        self, redis: Redis, on_message: OnMessage, on_resubscribed: OnResubscribed | None = None,
        name: str = "between-pubsub", on_lost: OnLost | None = None,
    ) -> None:
        self._redis = redis
        self._on_lost = on_lost
        self.name = name
        self._on_message = on_message
        self._on_resubscribed = on_resubscribed
        self._conn: AbstractConnection | None = None
        # Subscribed topics (live or starting); a reconnect resubscribes exactly these.
        self._topics: set[str] = set()
        # Of those, the ones Redis has confirmed on the current connection. Only their messages are
        # delivered: one arriving before its topic's confirmation is left over from an earlier subscription.
        self._live: set[str] = set()
        self._pending: dict[str, list[asyncio.Future[None]]] = defaultdict(list)
        self._reader: asyncio.Task[None] | None = None
        self._resyncs: set[asyncio.Task[None]] = set()
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
        await conn.connect()  # type: ignore[no-untyped-call]  # redis-py leaves AbstractConnection.connect unannotated
        self._conn = conn
        self._connected.set()

    async def publish(self, topic: str, data: bytes) -> None:
        """PUBLISH through the shared command connection pool."""
        try:
            await self._redis.publish(topic, data)
        except RedisError as exc:
            raise BackendUnavailable(str(exc)) from exc

    @contextlib.asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[None]:
        """SUBSCRIBE on entry (waiting for Redis to confirm it), UNSUBSCRIBE on exit."""
        await self._join(topic)
        try:
            yield
        finally:
            await self._leave(topic)

    async def _join(self, topic: str) -> None:
        if self._closing:
            raise RuntimeError("broker is closed")
        if topic in self._topics:
            raise RuntimeError(f"already subscribed to {topic!r}")
        waiter = self._expect_confirmation(topic)
        # Added before sending: a reconnect meanwhile resubscribes it, and its confirmation is ours.
        self._topics.add(topic)
        try:
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT):
                await self._connected.wait()
                assert self._conn is not None
                await self._conn.send_command("SUBSCRIBE", topic, check_health=False)
                await waiter
        except BaseException as exc:
            # Failed or cancelled: forget the topic so nothing of it is delivered. Should Redis
            # have subscribed anyway, the stray subscription ends with the next exit or reconnect.
            self._topics.discard(topic)
            self._live.discard(topic)
            self._forget(topic, waiter)
            if isinstance(exc, RedisError | OSError | TimeoutError):
                raise BackendUnavailable(f"subscribe failed: {exc!r}") from exc
            raise

    async def _leave(self, topic: str) -> None:
        # Discarded before any await: from here on the reader drops this topic's messages, and a
        # reconnect does not resubscribe it. So UNSUBSCRIBE is best effort and not confirmed.
        self._topics.discard(topic)
        self._live.discard(topic)
        if self._connected.is_set() and self._conn is not None and not self._closing:
            with contextlib.suppress(RedisError, OSError):
                await self._conn.send_command("UNSUBSCRIBE", topic, check_health=False)

    async def _read_loop(self) -> None:
        while True:
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
            if isinstance(reply, list) and len(reply) >= 3:
                self._handle(reply[0], reply[1].decode(), reply[2])

    def _handle(self, kind: bytes, topic: str, payload: bytes) -> None:
        if kind == b"message":
            if topic not in self._live:
                return  # unsubscribed (Redis has not caught up yet) or a leftover of an earlier subscription
            try:
                self._on_message(topic, payload)
            except Exception:  # one bad frame must not stop every room on this instance
                logger.exception("dispatch failed", extra={"topic": topic})
        elif kind == b"subscribe":
            # Whichever SUBSCRIBE this confirms (a join's, or a reconnect's that overtook a join
            # sent on the dead connection), the topic is live now, so every waiter for it is done.
            if topic in self._topics:
                self._live.add(topic)
            for waiter in self._pending.pop(topic, ()):
                if not waiter.done():
                    waiter.set_result(None)

    async def _reconnect(self) -> None:
        self._connected.clear()
        self._live.clear()
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
                    task = asyncio.create_task(self._resync_when_live(topics, waiters), name="broker-resync")
                    self._resyncs.add(task)
                    task.add_done_callback(self._resyncs.discard)
                return
            except (RedisError, OSError):
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    def _expect_confirmation(self, topic: str) -> asyncio.Future[None]:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending[topic].append(waiter)
        return waiter

    def _forget(self, topic: str, waiter: asyncio.Future[None]) -> None:
        if waiter.done() and not waiter.cancelled():
            waiter.exception()  # aclose() may have failed it while we waited for a connection: retrieved here
        waiters = self._pending.get(topic, [])
        if waiter in waiters:
            waiters.remove(waiter)
        if not waiters:
            self._pending.pop(topic, None)

    async def _resync_when_live(self, topics: list[str], waiters: list[asyncio.Future[None]]) -> None:
        # Messages published while we were away are gone from pub/sub; once the new
        # subscriptions are live, the hub re-reads history so no client misses them.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT):
                await asyncio.gather(*waiters)
        if self._on_resubscribed is not None and not self._closing:
            try:
                await self._on_resubscribed(topics)
            except Exception:  # the reader must go on; the next reconnect tries again
                logger.exception("on_resubscribed failed")

    async def aclose(self) -> None:
        """Stop the reader and close the connection."""
        self._closing = True
        self._topics.clear()
        self._live.clear()
        for task in [self._reader, *self._resyncs]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.disconnect()
        for waiters in self._pending.values():
            for waiter in waiters:  # only joins still wait here; tell them why
                if not waiter.done():
                    waiter.set_exception(BackendUnavailable("broker closed"))
        self._pending.clear()
