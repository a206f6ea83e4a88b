"""Mutes and suspensions a member carries across sockets and instances."""

from __future__ import annotations

from service.deps import Deps
from service.ids import now_ms
from service.models import Room


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


async def suspend(deps: Deps, user: str, scope: str, minutes: int | None) -> int:
    """Suspend from ``room:<id>`` or ``program:<id>`` (``None`` minutes: until lifted); sockets leave at once."""
    until = now_ms() + minutes * 60_000 if minutes else 0
    key = deps.keys.suspension(user, scope)
    if minutes:
        await deps.redis.set(key, until, px=minutes * 60_000)
    else:
        await deps.redis.set(key, 0)
    await deps.feed.refresh(user, "suspend")
    return until


async def suspended_from(deps: Deps, user: str, room: Room) -> bool:
    """Whether the user may not be in this room right now."""
    keys = [deps.keys.suspension(user, f"room:{room.id}"), deps.keys.suspension(user, f"program:{room.program}")]
    return any(value is not None for value in await deps.redis.mget(keys))
