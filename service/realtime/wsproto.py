"""uvicorn's sans-I/O WebSocket protocol, plus a raw write path for pre-built frames.

ASGI hands every message through starlette → uvicorn → websockets, once per socket. For
fan-out that is the hot path, so each socket's scope carries a ``between.raw`` extension:
write already-framed bytes straight to the transport, several frames in one write, with
the transport's own flow control. Handshake, pings, closing and reading stay uvicorn's.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

if TYPE_CHECKING:
    from starlette.types import Scope

RAW_EXTENSION = "between.raw"


class RawSocket:
    """Direct, non-blocking writes of complete frames to one WebSocket's transport."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._protocol = protocol

    @property
    def open(self) -> bool:
        """Whether frames may still be written."""
        p = self._protocol
        return not (p.close_sent or p.disconnected or p.transport.is_closing())

    def writable(self) -> bool:
        """Open, and the transport is below its high-water mark."""
        return self.open and self._protocol.writable.is_set()

    async def wait_writable(self) -> None:
        """Wait until the transport drained below its low-water mark (or the socket is gone)."""
        await self._protocol.writable.wait()

    def write(self, data: bytes) -> bool:
        """Queue bytes on the transport; False if the socket is closing."""
        if not self.open:
            return False
        self._protocol.transport.write(data)
        return True

    def abort(self) -> None:
        """Drop the connection at once (a peer that reads nothing would never take a close frame).

        SO_LINGER 0 makes the kernel discard what it still buffers and reset the connection,
        instead of trying for minutes to push it at a peer that does not read.
        """
        transport = self._protocol.transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()


class InboundQueue:
    """uvicorn's per-socket receive queue, for one consumer: a list and at most one waiter.

    asyncio.Queue carries three deques and an Event per socket; at 10,000 idle sockets that
    is tens of megabytes for nothing.
    """

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        """Add an event and wake the consumer."""
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def empty(self) -> bool:
        """Nothing waiting."""
        return not self._items

    async def get(self) -> Any:
        """The next event, waiting if needed."""
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.pop(0)


class LightEvent:
    """asyncio.Event's interface without its per-instance deque (most sockets never wait on it)."""

    __slots__ = ("_flag", "_waiters")

    def __init__(self) -> None:
        self._flag = False
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        """Whether the flag is set."""
        return self._flag

    def set(self) -> None:
        """Set the flag and wake every waiter."""
        self._flag = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        """Reset the flag."""
        self._flag = False

    async def wait(self) -> None:
        """Return once the flag is set."""
        if self._flag:
            return
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        await waiter


class BetweenWebSocketProtocol(WebSocketsSansIOProtocol):
    """Adds the raw write path to each connection's ASGI scope, and forgets the handshake after it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # uvicorn declares these as asyncio.Queue/Event; ours are lighter stand-ins for the methods it calls.
        self.queue = InboundQueue()  # type: ignore[assignment]
        self.writable = LightEvent()  # type: ignore[assignment]
        self.writable.set()

    def handle_connect(self, event: Any) -> None:
        """Build the scope as uvicorn does, then offer the raw socket to the app."""
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][RAW_EXTENSION] = RawSocket(self)

    async def send(self, message: Any) -> None:
        """uvicorn's send; once the upgrade is answered, drop what only the handshake needed."""
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            # Thousands of idle sockets each kept their parsed request and response headers.
            # uvicorn types these as never None, but reads them only during the handshake.
            self.request = None  # type: ignore[assignment]
            self.response = None  # type: ignore[assignment]
            self.scope["headers"] = []


def raw_socket_of(scope: Scope) -> RawSocket | None:
    """The raw write path, when the server offers one."""
    extensions = scope.get("extensions") or {}
    raw = extensions.get(RAW_EXTENSION)
    return raw if isinstance(raw, RawSocket) else None


__all__ = ["RAW_EXTENSION", "BetweenWebSocketProtocol", "RawSocket", "raw_socket_of"]
