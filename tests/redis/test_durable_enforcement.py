"""Enforcement that cannot be lost: a mute, a suspension or a sign-out takes effect on the next post
even when the live notice about it never reached the socket (here it is never sent at all: the
change goes to the store only, as if its pub/sub message had been lost)."""

from __future__ import annotations

import pytest

from tests.helpers import Instance, World, ws_client

pytestmark = pytest.mark.redis


async def test_a_mute_whose_notice_was_lost_still_holds(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, sam.token) as socket:
        await socket.join(room)
        assert (await socket.post(room, "evening all", "d-1"))["status"] == "published"
        await instance.deps.restrictions.mute(sam.user.id, 30)  # no refresh published: the notice is lost
        await socket.send({"type": "post", "room": room, "text": "still here?", "client_id": "d-2"})
        assert (await socket.expect("error", ref="d-2"))["code"] == "muted"
        await instance.deps.restrictions.unmute(sam.user.id)
        assert (await socket.post(room, "thanks for the pause", "d-3"))["status"] == "published"


async def test_a_suspension_whose_notice_was_lost_still_holds(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, sam.token) as socket:
        await socket.join(room)
        await socket.post(room, "hello", "s-1")
        await instance.deps.restrictions.suspend(sam.user.id, f"room:{room}", None)
        await socket.send({"type": "post", "room": room, "text": "hello again", "client_id": "s-2"})
        assert (await socket.expect("error", ref="s-2"))["code"] == "forbidden"
        await socket.expect("left", room=room)
    entries = await instance.deps.history.latest(room, 5)
    assert len(entries) == 1


async def test_a_sign_out_whose_notice_was_lost_still_closes_the_socket(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, sam.token) as socket:
        await socket.join(room)
        await instance.deps.accounts.revoke_all(sam.user.id)  # no refresh published
        await socket.send({"type": "post", "room": room, "text": "am I still in?", "client_id": "o-1"})
        code, _ = await socket.wait_closed()
        assert code == 4501
    assert await instance.deps.history.latest(room, 5) == []
