"""Loads the Lua scripts shipped in ``channels/lua``."""

from __future__ import annotations

from pathlib import Path

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

LUA_DIR = Path(__file__).with_name("lua")


def load(redis: Redis, name: str) -> AsyncScript:
    """Register ``lua/<name>.lua`` with a client (EVALSHA with automatic reload)."""
    return redis.register_script((LUA_DIR / f"{name}.lua").read_text())
