"""Background upkeep of one instance: presence heartbeats, healing sweeps, session checks."""

from __future__ import annotations

import asyncio
import logging

from redis.exceptions import RedisError

from channels.broker import BackendUnavailable
from channels.envelope import Lane
from service.actions.deps import Deps
from service.base.errors import CloseCode, Disconnect
from service.protocol import Member, Presence, encode
from service.realtime.live import Live

logger = logging.getLogger(__name__)

SESSION_CHECK_EVERY = 3  # heartbeats


async def heartbeat_once(deps: Deps, live: Live) -> None:
    """Refresh this instance's presence entries and announce users whose instance died."""
    by_room: dict[str, list[str]] = {}
    for conn in list(live.connections):
        for room_id, membership in conn.rooms.items():
            if not membership.watching:
                by_room.setdefault(room_id, []).append(membership.member_key)
    await deps.presence.heartbeat(by_room)
    for room_id in by_room:
        for gone in await deps.presence.sweep(room_id):
            member = Member(id=gone.user, handle=gone.handle, role=gone.role)
            frame = Presence(room=room_id, event="leave", member=member)
            await deps.history.publish(room_id, Lane.EPHEMERAL, encode(frame))


async def check_sessions(deps: Deps, live: Live) -> None:
    """Close sockets whose session expired or was revoked while they were open."""
    conns = list(live.connections)
    if not conns:
        return
    alive_now = await deps.accounts.sessions_alive([conn.token for conn in conns])
    for conn, alive in zip(conns, alive_now, strict=True):
        if not alive and conn.close_with is not None:
            conn.close_with(Disconnect(CloseCode.UNAUTHENTICATED, "session ended"))


async def run(deps: Deps, live: Live) -> None:
    """Loop until cancelled; a Redis outage is logged and retried, never fatal."""
    interval = deps.settings.presence_interval_seconds
    beat = 0
    while True:
        await asyncio.sleep(interval)
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            # redis-py can finish a command although its task was cancelled; honour the cancel here.
            raise asyncio.CancelledError
        beat += 1
        try:
            # Staff may edit the rule and policy files at any time; a rebuild takes a while, so off the loop.
            await asyncio.to_thread(deps.moderator.maybe_reload)
            await heartbeat_once(deps, live)
            # A gap nothing else noticed (a lost publication, a failed resync) is found and filled here.
            await deps.hub.check_positions()
            if beat % SESSION_CHECK_EVERY == 0:
                await check_sessions(deps, live)
        except (RedisError, BackendUnavailable, OSError):
            logger.warning("maintenance skipped: redis unavailable")
        except Exception:
            logger.exception("maintenance failed")
