"""Identifiers, tokens and clocks."""

from __future__ import annotations

import hashlib
import secrets
import time


def new_id(kind: str) -> str:
    """A short random id such as ``r_3kq9x0c2ab``."""
    return f"{kind}_{secrets.token_hex(6)}"


def new_token() -> str:
    """An opaque session token (256 bits)."""
    return secrets.token_urlsafe(32)


def new_invite_code() -> str:
    """An invite code that is easy to read out loud."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def token_hash(token: str) -> str:
    """How tokens and invite codes are stored: never in the clear."""
    return hashlib.sha256(token.encode()).hexdigest()


def now_ms() -> int:
    """Wall clock in milliseconds."""
    return int(time.time() * 1000)
