"""A minimal WebSocket client on a raw asyncio Protocol, cheap enough for 100k frames/s.

Only what a load generator needs: the RFC 6455 handshake with a bearer token, masked
client text frames, unmasked server frames (no extensions, so no compression), ping/pong
and close. Each complete text frame is handed to ``on_text`` as ``bytes`` without copying
it into a message object first.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import struct
from collections.abc import Callable

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


class HandshakeError(Exception):
    """The server refused the upgrade (status line and first header lines attached)."""


def _mask(payload: bytes, key: bytes) -> bytes:
    # XOR via big integers: one C-level operation instead of a Python loop per byte.
    n = len(payload)
    if n == 0:
        return payload
    repeated = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(repeated, "little")).to_bytes(n, "little")


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """A masked, unfragmented client frame."""
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    key = os.urandom(4)
    return header + key + _mask(payload, key)


class WsClient(asyncio.Protocol):
    """One client socket; ``opened`` resolves after the 101, ``closed`` with the close code."""

    def __init__(self, host: str, path: str, token: str, on_text: Callable[[bytes], None]) -> None:
        self._request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {{key}}\r\nAuthorization: Bearer {token}\r\n\r\n"
        )
        self.on_text = on_text
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[int] = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self._buf = b""
        self._upgraded = False
        self._key = b""
        self._fragments: list[bytes] = []
        self.frames_in = 0
        self.bytes_in = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transports are not subclasses
        self._key = base64.b64encode(os.urandom(16))
        transport.write(self._request.replace("{key}", self._key.decode()).encode())

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during handshake"))
        if not self.closed.done():
            self.closed.set_result(1006)

    def send_text(self, payload: bytes) -> None:
        """Queue one text frame (no-op once the socket is gone)."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(encode_frame(OP_TEXT, payload))

    def close(self, code: int = 1000) -> None:
        """Start the closing handshake; the transport is dropped when the server answers."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(encode_frame(OP_CLOSE, struct.pack("!H", code)))

    def abort(self) -> None:
        """Drop the TCP connection now."""
        if self.transport is not None:
            self.transport.abort()

    def _handshake(self, data: bytes) -> bytes | None:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            self._buf = data
            return None
        lines = head.split(b"\r\n")
        if not lines[0].startswith(b"HTTP/1.1 101"):
            self.opened.set_exception(HandshakeError(b" | ".join(lines[:3]).decode(errors="replace")))
            assert self.transport is not None
            self.transport.close()
            return None
        accept = base64.b64encode(hashlib.sha1(self._key + _GUID).digest())
        if not any(line.lower().startswith(b"sec-websocket-accept:") and line.split(b":", 1)[1].strip() == accept
                   for line in lines[1:]):
            self.opened.set_exception(HandshakeError("bad Sec-WebSocket-Accept"))
            assert self.transport is not None
            self.transport.close()
            return None
        self._upgraded = True
        self.opened.set_result(None)
        return rest

    def data_received(self, data: bytes) -> None:
        if self._buf:
            data = self._buf + data
            self._buf = b""
        if not self._upgraded:
            rest = self._handshake(data)
            if rest is None:
                return
            data = rest
        self.bytes_in += len(data)
        pos, n = 0, len(data)
        on_text = self.on_text
        while n - pos >= 2:
            b0 = data[pos]
            length = data[pos + 1] & 0x7F
            start = pos + 2
            if length == 126:
                if n - pos < 4:
                    break
                length = (data[pos + 2] << 8) | data[pos + 3]
                start = pos + 4
            elif length == 127:
                if n - pos < 10:
                    break
                length = int.from_bytes(data[pos + 2 : pos + 10], "big")
                start = pos + 10
            end = start + length
            if end > n:
                break
            pos = end
            opcode = b0 & 0x0F
            self.frames_in += 1
            if opcode == OP_TEXT and b0 & 0x80:
                on_text(data[start:end])
            else:
                self._control(b0, opcode, data[start:end])
        if pos < n:
            self._buf = data[pos:]

    def _control(self, b0: int, opcode: int, payload: bytes) -> None:
        assert self.transport is not None
        if opcode == OP_PING:
            self.transport.write(encode_frame(OP_PONG, payload))
        elif opcode == OP_CLOSE:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            if not self.closed.done():
                self.closed.set_result(code)
            if not self.transport.is_closing():
                self.transport.write(encode_frame(OP_CLOSE, payload[:2]))
                self.transport.close()
        elif opcode in (OP_TEXT, OP_CONT):
            self._fragments.append(payload)
            if b0 & 0x80:
                whole, self._fragments = b"".join(self._fragments), []
                self.on_text(whole)
