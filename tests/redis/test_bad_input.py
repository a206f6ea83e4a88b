"""Every class of bad frame gets a typed error and the socket survives; floods are cut off."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from tests.helpers import Instance, World, ws_client

pytestmark = pytest.mark.redis


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("this is not json", "bad_json"),
        ("[1, 2", "bad_json"),
        (json.dumps({"type": "dance", "room": "r_1"}), "unknown_type"),
        (json.dumps({"room": "r_1"}), "bad_frame"),
        (json.dumps([1, 2, 3]), "bad_frame"),
        (json.dumps({"type": "post", "room": "r_1", "text": "", "client_id": "x"}), "bad_frame"),
        (json.dumps({"type": "post", "room": "r_1", "text": "hi"}), "bad_frame"),
        (json.dumps({"type": "join", "room": "r_1", "extra": True}), "bad_frame"),
        (json.dumps({"type": "join", "room": "../../etc"}), "bad_frame"),
        (json.dumps({"type": "join", "room": "r_1", "after": "yesterday"}), "bad_frame"),
        (json.dumps({"type": "post", "room": "r_1", "text": "x" * 5000, "client_id": "big"}), "bad_frame"),
        (json.dumps({"type": "post", "room": "r_1", "text": "y" * 3000, "client_id": "z" * 65}), "bad_frame"),
        ("[" * 1000 + "]" * 1000, "bad_json"),
        ('{"type": "post", "room": "r_1", "client_id": "deep", "text": ' + "[" * 5000 + "]" * 5000 + "}", "bad_json"),
        (json.dumps({"type": "join", "room": "r_1", "after": "99999999999999999999-0"}), "bad_frame"),
        (json.dumps({"type": "report", "room": "r_1", "message": "1-99999999999999999999"}), "bad_frame"),
        (json.dumps({"type": "typing", "room": "r_notjoined"}), "not_joined"),
        (json.dumps({"type": "leave", "room": "r_notjoined"}), "not_joined"),
    ],
)
async def test_bad_frame_gets_typed_error_and_socket_stays_open(
    instance: Instance, world: World, raw: str, code: str
) -> None:
    sam = await world.make_person("sam")
    async with ws_client(instance.ws_url, sam.token) as a:
        await a.send(raw)
        error = await a.expect("error")
        assert error["code"] == code, error
        assert error["detail"]
        await a.send({"type": "ping", "nonce": "alive"})
        await a.expect("pong", nonce="alive")


async def test_error_names_the_frame_it_refers_to(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    async with ws_client(instance.ws_url, sam.token) as a:
        await a.send({"type": "post", "room": "r_1", "text": "", "client_id": "mine-42"})
        assert (await a.expect("error"))["ref"] == "mine-42"


async def test_oversized_and_binary_frames(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    async with ws_client(instance.ws_url, sam.token) as a:
        await a.send("x" * (instance.settings.max_frame_bytes + 1))
        assert (await a.expect("error"))["code"] == "too_large"
        await a.conn.send(b"\x00\x01binary")
        await a.expect("error", code="binary_frame")
        await a.send({"type": "ping", "nonce": "alive"})
        await a.expect("pong", nonce="alive")


async def test_flood_of_bad_frames_closes_with_4529(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    async with ws_client(instance.ws_url, sam.token) as a:
        for _ in range(instance.settings.bad_frame_limit + 5):
            await a.send("garbage")
        code, reason = await a.wait_closed()
        assert code == 4529 and "invalid" in reason
        assert len(a.matching("error")) == instance.settings.bad_frame_limit + 1


async def test_post_rate_limit_gives_clear_error(make_settings, redis) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import running

    async with running(make_settings(post_rate_limit=3, post_rate_window_seconds=30)) as inst:
        world = World(inst.deps)
        await world.make_program()
        room = (await world.make_room("cohort")).id
        sam = await world.make_person("sam")
        async with ws_client(inst.ws_url, sam.token) as a:
            await a.join(room)
            for i in range(3):
                assert (await a.post(room, f"ok {i}", f"ok{i}"))["status"] == "published"
            await a.send({"type": "post", "room": room, "text": "one too many", "client_id": "over"})
            error = await a.expect("error", ref="over")
            assert error["code"] == "rate_limited" and "try again" in error["detail"]
            assert a.matching("ack", client_id="over") == []
            # A retry of an accepted post still gets its original ack, not a rate-limit error.
            await a.send({"type": "post", "room": room, "text": "ok 0", "client_id": "ok0"})
            acks = await a.expect_count("ack", 2, client_id="ok0")
            assert acks[0] == acks[1]
        assert len(await inst.deps.history.latest(room, 10)) == 3


async def test_oversized_request_bodies_are_refused_without_being_read(instance: Instance) -> None:
    async def send_head(head: str, body: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", instance.port)
        try:
            writer.write(head.encode() + body)
            await writer.drain()
            async with asyncio.timeout(5):
                return await reader.readuntil(b"\r\n\r\n") + await reader.read(400)
        finally:
            writer.close()

    # Declared 200 MB: refused from the header, after a few bytes of a body that never comes.
    declared = await send_head(
        "POST /api/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        "content-length: 209715200\r\n\r\n", b'{"handle": "')
    assert declared.startswith(b"HTTP/1.1 413") and b'"too_large"' in declared
    # Chunked with no length: refused as soon as it passes the limit, long before it ends.
    chunk = b"a" * 65536
    chunked = await send_head(
        "POST /api/login HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        "transfer-encoding: chunked\r\n\r\n", (b"10000\r\n" + chunk + b"\r\n") * 2)
    assert chunked.startswith(b"HTTP/1.1 413") and b'"too_large"' in chunked
    # The instance still serves.
    async with httpx.AsyncClient(base_url=instance.url) as client:
        assert (await client.get("/healthz")).status_code == 200


async def test_posts_reach_the_room_without_controls_or_direction_overrides(
    instance: Instance, world: World
) -> None:
    sam = await world.make_person("sam")
    alex = await world.make_person("alex")
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, sam.token) as a, ws_client(instance.ws_url, alex.token) as b:
        await a.join(room)
        await b.join(room)
        await a.post(room, "made it through today \u202etxet desrever\x1b[2J\x00 🎉 שלום", "clean-1")
        seen = await b.expect("message", room=room)
        assert seen["text"] == "made it through today txet desrever[2J 🎉 שלום"
        stored = [entry for entry in await instance.deps.history.latest(room, 5)]
        assert b"\\u202e" not in stored[-1][1] and "\u202e".encode() not in stored[-1][1]
        await a.send({"type": "post", "room": room, "text": "\u202e\u2066\x00", "client_id": "clean-2"})
        refused = await a.expect("error", ref="clean-2")
        assert refused["code"] == "bad_frame"
