"""Mutes and suspensions as actions: record them, then tell the member's sockets everywhere."""

from __future__ import annotations

from service.actions.deps import Deps


async def set_mute(deps: Deps, user: str, minutes: int) -> int:
    """Mute for a period and tell the user's sockets everywhere."""
    until = await deps.restrictions.mute(user, minutes)
    await deps.feed.refresh(user, "mute")
    return until


async def suspend(deps: Deps, user: str, scope: str, minutes: int | None) -> int:
    """Suspend from ``room:<id>`` or ``program:<id>`` (``None`` minutes: until lifted); sockets leave at once."""
    until = await deps.restrictions.suspend(user, scope, minutes)
    await deps.feed.refresh(user, "suspend")
    return until
