"""Limits are per person, not per socket: more sockets buy no more typing notices, joins, invalid
frames or repeated posts; a person's sockets per instance are capped; each socket has a frame budget."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest

from service.base.settings import Settings
from tests.helpers import World, running, ws_client

pytestmark = pytest.mark.redis


async def test_a_person_may_hold_only_so_many_sockets(make_settings: Callable[..., Settings], redis: Any) -> None:
    async with running(make_settings(sockets_per_user=3)) as inst:
        world = World(inst.deps)
        await world.make_program()
        sam = await world.make_person("sam")
        async with AsyncExitStack() as stack:
            first = [await stack.enter_async_context(ws_client(inst.ws_url, sam.token)) for _ in range(3)]
            async with ws_client(inst.ws_url, sam.token) as extra:
                code, _ = await extra.wait_closed()
                assert code == 4508
            await first[0].close()
            async with ws_client(inst.ws_url, sam.token) as again:
                await again.send({"type": "ping", "nonce": "room for one more"})
                assert (await again.expect("pong"))["nonce"] == "room for one more"


async def test_a_socket_that_floods_frames_is_slowed_then_closed(
    make_settings: Callable[..., Settings], redis: Any,
) -> None:
    async with running(make_settings(frame_burst=10, frame_rate=1.0, bad_frame_limit=20)) as inst:
        world = World(inst.deps)
        await world.make_program()
        sam = await world.make_person("sam")
        async with ws_client(inst.ws_url, sam.token) as a:
            for i in range(40):
                await a.send({"type": "ping", "nonce": str(i)})
            code, _ = await a.wait_closed()
            assert code == 4529
            assert len(a.matching("pong")) <= 11  # the burst, and at most one refill
            assert a.matching("error", code="rate_limited")


async def test_typing_and_joins_are_limited_per_person_not_per_socket(
    make_settings: Callable[..., Settings], redis: Any,
) -> None:
    async with running(make_settings(joins_per_minute=6, typing_interval_seconds=30)) as inst:
        world = World(inst.deps)
        await world.make_program()
        room = (await world.make_room("cohort")).id
        sam = await world.make_person("sam")
        alex = await world.make_person("alex")
        async with AsyncExitStack() as stack:
            watcher = await stack.enter_async_context(ws_client(inst.ws_url, alex.token))
            await watcher.join(room)
            sockets = [await stack.enter_async_context(ws_client(inst.ws_url, sam.token)) for _ in range(4)]
            for s in sockets:
                await s.join(room)
            for s in sockets:
                await s.send({"type": "typing", "room": room})
            await sockets[0].send({"type": "ping", "nonce": "after typing"})
            await sockets[0].expect("pong")
            await watcher.expect("typing", room=room)
            # One notice for the person, not one per socket (the others were dropped, not queued).
            await sockets[1].send({"type": "post", "room": room, "text": "ok, here", "client_id": "t-1"})
            await watcher.expect("message", text="ok, here")
            assert len(watcher.matching("typing")) == 1
            # Four joins made; two more allowed this minute over all of sam's sockets, then refused.
            await sockets[2].join(room)
            await sockets[3].join(room)
            await sockets[0].send({"type": "join", "room": room})
            assert (await sockets[0].expect("error", ref=room))["code"] == "rate_limited"


async def test_the_same_text_from_many_sockets_is_a_repeat(
    make_settings: Callable[..., Settings], redis: Any,
) -> None:
    async with running(make_settings()) as inst:
        world = World(inst.deps)
        await world.make_program()
        room = (await world.make_room("cohort")).id
        sam = await world.make_person("sam")
        async with AsyncExitStack() as stack:
            sockets = [await stack.enter_async_context(ws_client(inst.ws_url, sam.token)) for _ in range(3)]
            statuses = []
            for i, s in enumerate(sockets):
                await s.join(room)
                statuses.append((await s.post(room, "join my server, link in bio", f"rep-{i}"))["status"])
            assert statuses[-1] == "held", statuses
