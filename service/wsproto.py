"""uvicorn's sans-I/O WebSocket protocol, plus a raw write path for pre-built frames.

ASGI hands every message through starlette → uvicorn → websockets, once per socket. For
fan-out that is the hot path, so each socket's scope carries a ``between.raw`` extension:
write already-framed bytes straight to the transport, several frames in one write, with
the transport's own flow control. Handshake, pings, closing and reading stay uvicorn's.
"""

from __future__ import annotations

import contextlib
import socket
import struct
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

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


class BetweenWebSocketProtocol(WebSocketsSansIOProtocol):
    """Adds the raw write path to each connection's ASGI scope."""

    def handle_connect(self, event: Any) -> None:
        """Build the scope as uvicorn does, then offer the raw socket to the app."""
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][RAW_EXTENSION] = RawSocket(self)


def raw_socket_of(scope: dict[str, Any]) -> RawSocket | None:
    """The raw write path, when the server offers one."""
    extensions = scope.get("extensions") or {}
    raw = extensions.get(RAW_EXTENSION)
    return raw if isinstance(raw, RawSocket) else None


__all__ = ["RAW_EXTENSION", "BetweenWebSocketProtocol", "RawSocket", "raw_socket_of"]
