"""WebSocket text frames built once and written as-is to every socket.

Frames from a server are never masked (RFC 6455 §5.1), so one message is the same bytes for
every recipient: the header is computed once per fan-out, not once per socket.
"""

from __future__ import annotations

import struct

_FIN_TEXT = 0x81


def text_frame(payload: bytes) -> bytes:
    """A complete, unmasked, final text frame carrying ``payload`` (UTF-8 JSON)."""
    size = len(payload)
    if size < 126:
        return bytes((_FIN_TEXT, size)) + payload
    if size < 65536:
        return struct.pack("!BBH", _FIN_TEXT, 126, size) + payload
    return struct.pack("!BBQ", _FIN_TEXT, 127, size) + payload


def payload_of(frame: bytes) -> bytes:
    """The payload of a frame made by ``text_frame``."""
    marker = frame[1]
    if marker < 126:
        return frame[2:]
    return frame[4:] if marker == 126 else frame[10:]
