"""Mutes (and later other restrictions) a member carries across sockets and instances."""

from __future__ import annotations

from service.deps import Deps
from service.ids import now_ms


async def load_mute(deps: Deps, user: str) -> int:
    """Until when (ms) the user is muted; 0 if not."""
    raw = await deps.redis.get(deps.keys.mute(user))
    return int(raw) if raw else 0


async def set_mute(deps: Deps, user: str, minutes: int) -> int:
    """Mute for a period and tell the user's sockets everywhere."""
    until = now_ms() + minutes * 60_000
    await deps.redis.set(deps.keys.mute(user), until, px=minutes * 60_000)
    await deps.feed.refresh(user, "mute")
    return until


async def clear_mute(deps: Deps, user: str) -> None:
    """Lift a mute."""
    await deps.redis.delete(deps.keys.mute(user))
    await deps.feed.refresh(user, "mute")
