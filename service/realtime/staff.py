"""Live case events for counselors (all cases of their programs) and hosts (their rooms' cases)."""

from __future__ import annotations

import contextlib

import msgspec

from channels.envelope import Seq
from channels.wsframe import payload_of
from service.actions.deps import Deps
from service.base.models import Role
from service.protocol import CaseEvent
from service.realtime.connection import Connection

_case_event = msgspec.json.Decoder(CaseEvent)


class StaffFeed:
    """A socket's subscription to one program's case events, optionally limited to some rooms."""

    __slots__ = ("conn", "rooms", "topic")

    def __init__(self, conn: Connection, topic: str, rooms: set[str] | None) -> None:
        self.conn = conn
        self.topic = topic
        self.rooms = rooms

    def deliver(self, seq: Seq | None, frame: bytes, priority: bool) -> None:
        """Forward case events (safety lane); hosts only see ordinary cases of rooms they host.

        Crisis cases are for counselors only: a peer mentor never learns of one from this feed, even in
        a room they host. For hosts the filter fails closed: a frame it cannot read is not forwarded."""
        if self.rooms is not None:
            try:
                case = _case_event.decode(payload_of(frame)).case
            except msgspec.DecodeError:
                return
            if case.room not in self.rooms or case.urgent or "crisis" in case.categories:
                return
        self.conn.queue(frame, True)


async def attach_staff_feeds(deps: Deps, conn: Connection) -> list[StaffFeed]:
    """Subscribe counselors and admins to their programs' case events, mentors to their rooms'."""
    user = conn.user
    if user.role is Role.MEMBER:
        return []
    hosted: set[str] | None = None
    if user.role is Role.MENTOR:
        hosted = {r.id for r in await deps.directory.rooms_for(user) if user.id in r.hosts}
        if not hosted:
            return []
    feeds = []
    for program in user.programs:
        feed = StaffFeed(conn, deps.feed.staff_topic(program), hosted)
        await deps.hub.attach(feed.topic, feed)
        feeds.append(feed)
    return feeds


async def detach_staff_feeds(deps: Deps, feeds: list[StaffFeed]) -> None:
    """Unsubscribe (tolerates a Redis outage)."""
    for feed in feeds:
        with contextlib.suppress(Exception):
            await deps.hub.detach(feed.topic, feed)
