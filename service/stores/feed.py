"""Frames addressed to people rather than rooms: private notices, staff case events, refreshes."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import RedisError

from channels.broker import BackendUnavailable
from channels.envelope import Lane, pack
from service.protocol import Refresh, RefreshWhat, ServerFrame, encode, encoder
from service.stores.keys import AccountKeys


class Feed:
    """Publishes to the users topic and to per-program staff topics."""

    def __init__(self, redis: Redis, keys: AccountKeys) -> None:
        self._redis = redis
        self._keys = keys
        self.users_topic = keys.users_topic

    def staff_topic(self, program: str) -> str:
        """Live case events of one program, for its counselors' sockets."""
        return self._keys.staff_topic(program)

    async def _publish(self, topic: str, data: bytes) -> None:
        try:
            await self._redis.publish(topic, data)
        except RedisError as exc:
            raise BackendUnavailable(str(exc)) from exc

    async def to_user(self, user: str, frame: ServerFrame) -> None:
        """Deliver a frame to every socket of one user, on every instance (priority lane)."""
        await self._publish(self.users_topic, pack(Lane.USER, encode(frame), user))

    async def refresh(self, user: str, what: RefreshWhat) -> None:
        """Ask a user's sockets to re-check their session or mute."""
        await self._publish(self.users_topic, pack(Lane.USER, encoder.encode(Refresh(what)), user))

    async def to_staff(self, program: str, frame: ServerFrame) -> None:
        """Deliver a case event to the program's connected counselors."""
        await self._publish(self.staff_topic(program), pack(Lane.SAFETY, encode(frame)))
