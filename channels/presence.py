"""Who is in a room, across instances, healing itself when an instance dies.

Each connection in a room is a sorted-set member ``<user>|<handle>|<role>|<conn>`` scored
by its heartbeat expiry. Instances refresh their members' scores on a timer; entries of a
dead instance expire and the next sweep announces those users' departure once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from channels import scripts
from channels.broker import BackendUnavailable
from channels.keys import RoomKeys


@dataclass(frozen=True, slots=True)
class PresentMember:
    """A user present in a room."""

    user: str
    handle: str
    role: str


def member_key(user: str, handle: str, role: str, conn: str) -> str:
    """The sorted-set member for one connection (handles never contain ``|``)."""
    return f"{user}|{handle}|{role}|{conn}"


def parse_member(raw: str) -> PresentMember:
    """Inverse of member_key (the connection part is dropped)."""
    user, handle, role, _ = raw.split("|", 3)
    return PresentMember(user, handle, role)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _text(member: object) -> str:
    # Sorted-set members as read without scores; redis-py's range type also covers scored pairs.
    if isinstance(member, bytes):
        return member.decode()
    if isinstance(member, str):
        return member
    raise TypeError(f"expected a sorted-set member, got {type(member).__name__}")


class PresenceStore:
    """Presence sorted sets with heartbeat expiry."""

    def __init__(self, redis: Redis, prefix: str, ttl_seconds: float) -> None:
        self._redis = redis
        self.prefix = prefix
        self.ttl_ms = int(ttl_seconds * 1000)
        self._enter = scripts.load(redis, "presence_enter")
        self._exit = scripts.load(redis, "presence_exit")
        self._sweep = scripts.load(redis, "presence_sweep")

    async def enter(self, room: str, member: str, user: str, join_frame: bytes) -> bool:
        """Add a connection; announces the user (returns True) if they were not present."""
        keys = RoomKeys(self.prefix, room)
        now = _now_ms()
        try:
            first = await self._enter(
                keys=[keys.presence], args=[keys.topic, member, f"{user}|", now + self.ttl_ms, now, join_frame]
            )
        except RedisError as exc:
            raise BackendUnavailable(str(exc)) from exc
        return bool(first)

    async def exit(self, room: str, member: str, user: str, leave_frame: bytes) -> bool:
        """Remove a connection; announces the user's departure if it was their last."""
        keys = RoomKeys(self.prefix, room)
        try:
            last = await self._exit(keys=[keys.presence], args=[keys.topic, member, f"{user}|", _now_ms(), leave_frame])
        except RedisError as exc:
            raise BackendUnavailable(str(exc)) from exc
        return bool(last)

    async def members(self, room: str) -> list[PresentMember]:
        """Distinct live users in a room."""
        raw = await self._redis.zrangebyscore(RoomKeys(self.prefix, room).presence, _now_ms(), "+inf")
        seen: dict[str, PresentMember] = {}
        for item in raw:
            member = parse_member(_text(item))
            seen.setdefault(member.user, member)
        return list(seen.values())

    async def heartbeat(self, members_by_room: dict[str, list[str]]) -> None:
        """Push the expiry of this instance's connections forward (one pipeline)."""
        if not members_by_room:
            return
        expiry = _now_ms() + self.ttl_ms
        pipe = self._redis.pipeline(transaction=False)
        for room, members in members_by_room.items():
            if members:
                pipe.zadd(RoomKeys(self.prefix, room).presence, dict.fromkeys(members, expiry))
        await pipe.execute()

    async def sweep(self, room: str) -> list[PresentMember]:
        """Drop expired connections; returns users who have now left (each reported once)."""
        left = await self._sweep(keys=[RoomKeys(self.prefix, room).presence], args=[_now_ms()])
        return [parse_member(_text(m)) for m in left]
