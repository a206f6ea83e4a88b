"""The few bytes around a frame on a pub/sub topic.

``<lane><id>\\n<frame>``: the lane says how to queue the frame, the id (chat only) lets
each subscriber drop what it has already seen. The frame itself is final JSON, encoded
once by the publisher and handed unchanged to every socket.
"""

from __future__ import annotations

from enum import Enum

Seq = tuple[int, int]


class Lane(bytes, Enum):
    """How a frame is queued at each socket."""

    CHAT = b"M"  # a room message with a stream id; deduplicated by id
    SAFETY = b"S"  # removals, notices: priority lane, never dropped for chat
    EPHEMERAL = b"E"  # presence, typing
    USER = b"U"  # addressed to one user's sockets; the id slot carries the user id


def pack(lane: Lane, frame: bytes, ident: str = "") -> bytes:
    """Wrap a pre-encoded frame for publishing."""
    return lane.value + ident.encode() + b"\n" + frame


def parse_seq(stream_id: str) -> Seq:
    """Turn a Redis stream id ``ms-n`` into a comparable tuple."""
    ms, _, n = stream_id.partition("-")
    return int(ms), int(n or 0)


def format_seq(seq: Seq) -> str:
    """Inverse of parse_seq."""
    return f"{seq[0]}-{seq[1]}"
