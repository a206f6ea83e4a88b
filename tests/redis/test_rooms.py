"""Join, post, receive, history, idempotency, typing and presence over real sockets and Redis."""

from __future__ import annotations

import pytest

from service.base.models import Role, RoomKind
from tests.helpers import Instance, World, ws_client

pytestmark = pytest.mark.redis


async def test_post_reaches_everyone_in_one_order_with_ack(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    alex = await world.make_person("alex")
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, sam.token) as a, ws_client(instance.ws_url, alex.token) as b:
        joined = await a.join(room)
        assert joined["history"] == [] and joined["recovered"] is True
        assert joined["state"]["name"] == "cohort"
        await b.join(room)
        ack = await a.post(room, "hello from sam", "c1")
        assert ack["status"] == "published" and ack["id"]
        for client in (a, b):
            msg = await client.expect("message", id=ack["id"])
            assert msg["text"] == "hello from sam"
            assert msg["author"] == {"id": sam.user.id, "handle": "sam", "role": "member"}
        await b.post(room, "hi sam", "c2")
        order_a = [m["text"] for m in await a.expect_count("message", 2)]
        order_b = [m["text"] for m in await b.expect_count("message", 2)]
        assert order_a == order_b == ["hello from sam", "hi sam"]


async def test_join_returns_history_oldest_first(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, sam.token) as a:
        await a.join(room)
        ids = [(await a.post(room, f"post {i}", f"p{i}"))["id"] for i in range(5)]
    alex = await world.make_person("alex")
    async with ws_client(instance.ws_url, alex.token) as b:
        joined = await b.join(room)
        assert [m["id"] for m in joined["history"]] == ids
        assert [m["text"] for m in joined["history"]] == [f"post {i}" for i in range(5)]


async def test_retry_with_same_client_id_is_idempotent(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, sam.token) as a:
        await a.join(room)
        first = await a.post(room, "only once", "same-id")
        await a.send({"type": "post", "room": room, "text": "only once", "client_id": "same-id"})
        acks = await a.expect_count("ack", 2, client_id="same-id")
        assert acks[0] == acks[1] == first
    entries = await instance.deps.history.latest(room, 10)
    assert len(entries) == 1


async def test_post_without_join_is_refused_and_socket_survives(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, sam.token) as a:
        await a.send({"type": "post", "room": room, "text": "x", "client_id": "n1"})
        err = await a.expect("error", code="not_joined")
        assert err["ref"] == "n1"
        await a.send({"type": "ping", "nonce": "still-here"})
        await a.expect("pong", nonce="still-here")


async def test_member_cannot_join_another_programs_room_or_staff_room(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    staff_room = await world.make_room("staff", RoomKind.STAFF)
    other = World(instance.deps)
    await other.make_program("Other IOP")
    foreign = await other.make_room("their cohort")
    async with ws_client(instance.ws_url, sam.token) as a:
        for room in (foreign.id, staff_room.id, "r_doesnotexist"):
            await a.send({"type": "join", "room": room})
            err = await a.expect("error", ref=room)
            assert err["code"] == "forbidden"
        assert a.matching("joined") == []


async def test_restricted_room_admits_only_added_members_and_staff(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    alex = await world.make_person("alex")
    counselor = await world.make_person("lee", Role.COUNSELOR)
    room = world.rooms["cohort"]
    await instance.deps.directory.add_room_member(room, sam.user.id)
    async with ws_client(instance.ws_url, alex.token) as b:
        await b.send({"type": "join", "room": room.id})
        assert (await b.expect("error", ref=room.id))["code"] == "forbidden"
    for person in (sam, counselor):
        async with ws_client(instance.ws_url, person.token) as c:
            await c.join(room.id)


async def test_typing_is_relayed_and_rate_limited(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    alex = await world.make_person("alex")
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, sam.token) as a, ws_client(instance.ws_url, alex.token) as b:
        await a.join(room)
        await b.join(room)
        for _ in range(5):
            await a.send({"type": "typing", "room": room})
        await b.expect("typing", room=room)
        # A ping sent after the burst is answered after the burst was handled: one typing frame got through.
        await a.send({"type": "ping", "nonce": "after"})
        await a.expect("pong", nonce="after")
        await b.post(room, "marker", "m1")
        await b.expect("message", text="marker")
        assert len(b.matching("typing")) == 1


async def test_presence_join_and_leave_are_announced(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    alex = await world.make_person("alex")
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, sam.token) as a:
        await a.join(room)
        async with ws_client(instance.ws_url, alex.token) as b:
            joined = await b.join(room)
            assert {m["handle"] for m in joined["presence"]} == {"sam", "alex"}
            await a.expect("presence", event="join")
        leave = await a.expect("presence", event="leave")
        assert leave["member"]["handle"] == "alex"


async def test_second_socket_of_same_user_does_not_duplicate_presence(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    alex = await world.make_person("alex")
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, alex.token) as watcher:
        await watcher.join(room)
        async with ws_client(instance.ws_url, sam.token) as phone:
            await phone.join(room)
            await watcher.expect("presence", event="join")
            async with ws_client(instance.ws_url, sam.token) as laptop:
                joined = await laptop.join(room)
                assert [m["handle"] for m in joined["presence"]].count("sam") == 1
            await watcher.send({"type": "ping", "nonce": "x"})
            await watcher.expect("pong", nonce="x")
            await phone.post(room, "still here", "s1")
            await watcher.expect("message", text="still here")
            assert watcher.matching("presence", event="leave") == []
        await watcher.expect("presence", event="leave")


async def test_leave_stops_delivery(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    alex = await world.make_person("alex")
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, sam.token) as a, ws_client(instance.ws_url, alex.token) as b:
        await a.join(room)
        await b.join(room)
        await b.send({"type": "leave", "room": room})
        await b.expect("left", room=room)
        await a.post(room, "after leave", "x1")
        await a.expect("message", text="after leave")
        await b.send({"type": "ping", "nonce": "sync"})
        await b.expect("pong", nonce="sync")
        assert b.matching("message") == []
    assert instance.deps.hub.subscriber_count(instance.deps.history.keys(room).topic) == 0
