"""Every Redis key and channel name of the real-time layer.

A room's keys share one hash tag (``{r:<id>}``) so that on Redis Cluster its stream,
presence, topic and scripts all live on one shard.
"""

from __future__ import annotations


class RoomKeys:
    """Key names for one room under a deployment-wide prefix."""

    __slots__ = ("prefix", "room", "tag")

    def __init__(self, prefix: str, room: str) -> None:
        self.prefix = prefix
        self.room = room
        self.tag = f"{prefix}:{{r:{room}}}"

    @property
    def stream(self) -> str:
        """Stream of published posts: the room's history, ids are resume cursors."""
        return f"{self.tag}:stream"

    @property
    def topic(self) -> str:
        """Pub/sub channel fanning live frames out to every instance."""
        return f"{self.tag}:topic"

    @property
    def presence(self) -> str:
        """Sorted set of live connections, scored by heartbeat expiry (ms)."""
        return f"{self.tag}:presence"

    @property
    def removed(self) -> str:
        """Set of post ids hidden or removed from the room."""
        return f"{self.tag}:removed"

    def idempotency(self, user: str, client_id: str) -> str:
        """Remembers the answer to a post so a retry gets the same ack."""
        return f"{self.tag}:idem:{user}:{client_id}"

    def post_rate(self, user: str) -> str:
        """Fixed-window post counter for one member in this room."""
        return f"{self.tag}:rate:{user}"


def topic_room(prefix: str, topic: str) -> str:
    """Recover the room id from a topic name."""
    start = len(prefix) + 4  # len(":{r:")
    return topic[start : topic.index("}", start)]


class LeaseKeys:
    """Key names of leases (``channels.lease``) under a deployment-wide prefix.

    A lease's keys share the hash tag ``{lease:<name>}`` so its script runs on one shard.
    """

    __slots__ = ("prefix",)

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def lease(self, name: str) -> str:
        """``<token>:<holder>`` while the lease is held; expires with it."""
        return f"{self.prefix}:{{lease:{name}}}"

    def fence(self, name: str) -> str:
        """Counter of fencing tokens; never expires, so tokens never repeat."""
        return f"{self.prefix}:{{lease:{name}}}:fence"
