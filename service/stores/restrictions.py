"""Mutes and suspensions: durable per member, read on join and on every post's way."""

from __future__ import annotations

from redis.asyncio import Redis

from service.base.ids import now_ms, token_hash
from service.base.models import Room
from service.stores.keys import AccountKeys


class Restrictions:
    """Mute and suspension records that expire by themselves (a ``None`` period lasts until lifted).

    Every change also bumps the member's *restrictions version*, which the post path reads (with the
    session) in one round trip: a socket that missed the live notice of a mute, a suspension or a
    sign-out still sees it before its next post is accepted."""

    def __init__(self, redis: Redis, keys: AccountKeys) -> None:
        self._redis = redis
        self._keys = keys

    async def muted_until(self, user: str) -> int:
        """Until when (ms) the user is muted; 0 if not."""
        raw = await self._redis.get(self._keys.mute(user))
        return int(raw) if raw else 0

    async def mute(self, user: str, minutes: int) -> int:
        """Mute for a period; returns until when (ms)."""
        until = now_ms() + minutes * 60_000
        await self._redis.set(self._keys.mute(user), until, px=minutes * 60_000)
        await self._bump(user)
        return until

    async def suspend(self, user: str, scope: str, minutes: int | None) -> int:
        """Suspend from ``room:<id>`` or ``program:<id>``; returns until when (ms), 0 for "until lifted"."""
        key = self._keys.suspension(user, scope)
        until = now_ms() + minutes * 60_000 if minutes else 0
        if minutes:
            await self._redis.set(key, until, px=minutes * 60_000)
        else:
            await self._redis.set(key, 0)
        await self._bump(user)
        return until

    async def suspended_from(self, user: str, room: Room) -> bool:
        """Whether the user may not be in this room right now (suspended from it or its program)."""
        keys = [self._keys.suspension(user, f"room:{room.id}"), self._keys.suspension(user, f"program:{room.program}")]
        return any(value is not None for value in await self._redis.mget(keys))

    async def unmute(self, user: str) -> bool:
        """End a mute early; False if none was in force."""
        ended = bool(await self._redis.delete(self._keys.mute(user)))
        await self._bump(user)
        return ended

    async def lift(self, user: str, scope: str) -> bool:
        """End a suspension (``room:<id>`` or ``program:<id>``) early; False if none was in force."""
        ended = bool(await self._redis.delete(self._keys.suspension(user, scope)))
        await self._bump(user)
        return ended

    async def _bump(self, user: str) -> None:
        await self._redis.incr(self._keys.restrictions_version(user))

    async def gate(self, user: str, token: str) -> tuple[int, bool]:
        """The member's restrictions version and whether this session still exists, in one round trip."""
        pipe = self._redis.pipeline(transaction=False)
        pipe.get(self._keys.restrictions_version(user))
        pipe.exists(self._keys.session(token_hash(token)))
        version, alive = await pipe.execute()
        return (int(version) if version else 0), bool(alive)

    async def in_force(self, user: str, scopes: list[str]) -> tuple[int, dict[str, int]]:
        """The user's mute (until, ms; 0 if none) and which of ``scopes`` they are suspended from (until, ms;
        0 for "until lifted"), read in one round trip."""
        keys = [self._keys.mute(user)] + [self._keys.suspension(user, scope) for scope in scopes]
        mute, *suspensions = await self._redis.mget(keys)
        found = {scope: int(value) for scope, value in zip(scopes, suspensions, strict=True) if value is not None}
        return (int(mute) if mute else 0), found
