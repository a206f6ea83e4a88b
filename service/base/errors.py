"""Refusals and disconnects, and the close codes clients rely on.

Close codes 4000–4499 mean "reconnect (and resume)", 4500–4999 mean "do not reconnect
without user action". Anything unexpected closes with 1011.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class CloseCode(IntEnum):
    """WebSocket close codes used by Between (documented in the README)."""

    NORMAL = 1000
    SERVICE_RESTART = 1012
    INTERNAL = 1011
    SLOW_CONSUMER = 4008
    UNAVAILABLE = 4013
    UNAUTHENTICATED = 4501
    TOO_MANY_SOCKETS = 4508
    TOO_MANY_BAD_FRAMES = 4529


class ErrorCode(StrEnum):
    """``code`` values of ``error`` frames and HTTP error bodies."""

    BAD_JSON = "bad_json"
    BAD_FRAME = "bad_frame"
    UNKNOWN_TYPE = "unknown_type"
    TOO_LARGE = "too_large"
    BINARY = "binary_frame"
    NOT_JOINED = "not_joined"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    RATE_LIMITED = "rate_limited"
    MUTED = "muted"
    UNAVAILABLE = "unavailable"
    INVALID = "invalid"
    CONFLICT = "conflict"
    UNAUTHENTICATED = "unauthenticated"
    UNSUPPORTED_MEDIA = "unsupported_media_type"


class Reject(Exception):
    """Refuse one frame or request with a typed error; the connection stays open."""

    def __init__(self, code: ErrorCode, detail: str, ref: str | None = None, status: int = 400,
                 abuse: bool = False) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.ref = ref
        self.status = status
        # Counts toward the socket's invalid-frame limit (4529) whatever its code.
        self.abuse = abuse


class Disconnect(Exception):
    """Close the WebSocket with a documented code."""

    def __init__(self, code: CloseCode, reason: str = "") -> None:
        super().__init__(reason or code.name.lower())
        self.code = code
        self.reason = reason or code.name.lower()
