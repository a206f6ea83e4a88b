"""Several instances on one Redis: cross-instance fan-out, resume, presence healing."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from service.base.models import RoomKind
from tests.helpers import Instance, ProcessInstance, World, eventually, relaxed_rules, running, ws_client

pytestmark = pytest.mark.redis


async def _world(instance: Instance) -> World:
    world = World(instance.deps)
    await world.make_program()
    await world.make_room("cohort", RoomKind.COHORT)
    return world


async def test_clients_on_two_instances_receive_each_others_posts(pair: tuple[Instance, Instance]) -> None:
    a_inst, b_inst = pair
    world = await _world(a_inst)
    sam, alex = await world.make_person("sam"), await world.make_person("alex")
    room = world.rooms["cohort"].id
    async with ws_client(a_inst.ws_url, sam.token) as a, ws_client(b_inst.ws_url, alex.token) as b:
        await a.join(room)
        joined = await b.join(room)
        assert {m["handle"] for m in joined["presence"]} == {"sam", "alex"}
        await a.expect("presence", event="join")
        ack_a = await a.post(room, "from instance a", "a1")
        ack_b = await b.post(room, "from instance b", "b1")
        for client in (a, b):
            got = await client.expect_count("message", 2)
            assert [m["id"] for m in got] == [ack_a["id"], ack_b["id"]]
    # One broker subscription per room per instance, however many sockets.
    for inst in pair:
        assert inst.deps.hub.topics() == []


async def test_many_sockets_share_one_subscription_per_instance(instance: Instance) -> None:
    world = await _world(instance)
    room = world.rooms["cohort"].id
    people = [await world.make_person(f"member{i}") for i in range(6)]
    topic = instance.deps.history.keys(room).topic
    clients = [ws_client(instance.ws_url, p.token) for p in people]
    opened = [await c.__aenter__() for c in clients]
    try:
        for client in opened:
            await client.join(room)
        assert instance.deps.hub.subscriber_count(topic) == 6
        numsub = await instance.deps.handle.client.pubsub_numsub(topic)
        assert numsub[0][1] == 1
    finally:
        for c in clients:
            await c.__aexit__(None, None, None)


async def test_resume_on_other_instance_has_no_gap_and_no_duplicate(pair: tuple[Instance, Instance]) -> None:
    a_inst, b_inst = pair
    world = await _world(a_inst)
    sam, alex = await world.make_person("sam"), await world.make_person("alex")
    room = world.rooms["cohort"].id
    async with ws_client(a_inst.ws_url, sam.token) as poster:
        await poster.join(room)
        async with ws_client(b_inst.ws_url, alex.token) as first:
            await first.join(room)
            for i in range(2):
                await poster.post(room, f"before {i}", f"before{i}")
            seen = await first.expect_count("message", 2)
        last_seen = seen[-1]["id"]
        for i in range(4):
            await poster.post(room, f"missed {i}", f"missed{i}")
        # (fewer than the spam flood threshold of one author's posts per minute)

        # Keep posting while the member comes back, so the join races live traffic.
        async def keep_posting() -> None:
            for i in range(5):
                await poster.post(room, f"live {i}", f"live{i}")

        async with ws_client(a_inst.ws_url, alex.token) as back:
            racing = asyncio.create_task(keep_posting())
            joined = await back.join(room, after=last_seen)
            await racing
            assert joined["recovered"] is True
            assert [m["text"] for m in joined["history"]][:4] == [f"missed {i}" for i in range(4)]
            await back.expect("message", text="live 4")
            received = [m["id"] for m in joined["history"]] + [m["id"] for m in back.matching("message")]
            assert len(received) == len(set(received)), "duplicate delivery"
            all_ids = [entry_id for entry_id, _ in await a_inst.deps.history.latest(room, 100)]
            assert received == all_ids[all_ids.index(last_seen) + 1 :], "gap or reordering"


async def test_resume_after_history_loss_says_not_recovered(instance: Instance) -> None:
    world = await _world(instance)
    sam = await world.make_person("sam")
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, sam.token) as a:
        await a.join(room)
        cursor = (await a.post(room, "soon lost", "l1"))["id"]
    await instance.deps.handle.client.delete(instance.deps.history.keys(room).stream)
    async with ws_client(instance.ws_url, sam.token) as a:
        await a.join(room)
        await a.post(room, "after the loss", "l2")
    async with ws_client(instance.ws_url, sam.token) as a:
        joined = await a.join(room, after=cursor)
        assert joined["recovered"] is False
        assert [m["text"] for m in joined["history"]] == ["after the loss"]


async def test_resume_from_trimmed_history_says_not_recovered(instance: Instance) -> None:
    world = await _world(instance)
    sam = await world.make_person("sam")
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, sam.token) as a:
        await a.join(room)
        ids = [(await a.post(room, f"m{i}", f"m{i}"))["id"] for i in range(6)]
    await instance.deps.handle.client.xtrim(instance.deps.history.keys(room).stream, maxlen=2, approximate=False)
    async with ws_client(instance.ws_url, sam.token) as a:
        joined = await a.join(room, after=ids[1])
        assert joined["recovered"] is False
        assert [m["id"] for m in joined["history"]] == ids[-2:]
        joined = await a.join(room, after=ids[4])
        assert joined["recovered"] is True and [m["id"] for m in joined["history"]] == ids[5:]


async def test_slow_consumer_is_cut_off_without_delaying_others(  # type: ignore[no-untyped-def]
    make_settings, redis, tmp_path
) -> None:
    import socket

    import websockets

    settings = make_settings(outbox_limit=8, post_rate_limit=100_000, rules_dir=str(relaxed_rules(tmp_path)),
                             frame_rate=1e6, frame_burst=1e6)  # the poster here is a load generator
    async with running(settings) as inst:
        world = await _world(inst)
        room = world.rooms["cohort"].id
        poster, fast, slow = [await world.make_person(h) for h in ("poster", "fast", "slow")]
        raw = socket.create_connection(("127.0.0.1", inst.port))
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled = await websockets.connect(inst.ws_url, sock=raw, max_queue=1, ping_interval=None,
                                           additional_headers={"Authorization": f"Bearer {slow.token}"})
        await stalled.send(json.dumps({"type": "join", "room": room}))
        await stalled.recv()  # joined; from here on this client reads nothing
        async with ws_client(inst.ws_url, poster.token) as p, ws_client(inst.ws_url, fast.token) as f:
            await p.join(room)
            await f.join(room)
            text = "one day at a time, steady steps, " * 30
            total = 0

            async def cut_off() -> bool:
                return not any(c.user.handle == "slow" for c in inst.live.connections)

            while not await cut_off():
                await p.send({"type": "post", "room": room, "text": text, "client_id": f"c{total}"})
                total += 1
                if total % 50 == 0:
                    await p.expect("ack", client_id=f"c{total - 1}")
                assert total < 20_000, "slow client was never cut off"
            await p.send({"type": "post", "room": room, "text": "final", "client_id": "final"})
            await f.expect("message", text="final", timeout=10)
            assert len(f.matching("message")) == total + 1
        assert inst.deps.stats.slow_disconnects == 1
        # A peer that reads nothing could never take a close frame: the server dropped the connection.
        with pytest.raises(websockets.ConnectionClosed):
            async with asyncio.timeout(10):
                while True:
                    await stalled.recv()


async def test_presence_heals_when_an_instance_is_killed(make_settings, redis, redis_url, prefix) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(instance_name="survivor")
    async with running(settings) as survivor:
        world = await _world(survivor)
        room = world.rooms["cohort"].id
        sam, alex = await world.make_person("sam"), await world.make_person("alex")
        doomed = await ProcessInstance(env={
            "REDIS_URL": redis_url, "BETWEEN_KEY_PREFIX": prefix, "BETWEEN_PRESENCE_INTERVAL_SECONDS": "0.3",
            "BETWEEN_PRESENCE_TTL_SECONDS": "1.2", "BETWEEN_LOG_LEVEL": "WARNING",
        }).start()
        try:
            async with ws_client(survivor.ws_url, sam.token) as a:
                await a.join(room)
                async with ws_client(doomed.ws_url, alex.token) as b:
                    await b.join(room)
                    await a.expect("presence", event="join")
                    doomed.kill()
                    await b.wait_closed()
                    leave = await a.expect("presence", event="leave", timeout=5)
                    assert leave["member"]["handle"] == "alex"
                present = await survivor.deps.presence.members(room)
                assert [m.handle for m in present] == ["sam"]
                joined = await a.join(room)
                assert [m["handle"] for m in joined["presence"]] == ["sam"]
        finally:
            doomed.kill()


async def test_posts_keep_flowing_when_an_instance_dies(pair: tuple[Instance, Instance]) -> None:
    a_inst, b_inst = pair
    world = await _world(a_inst)
    sam, alex = await world.make_person("sam"), await world.make_person("alex")
    room = world.rooms["cohort"].id
    async with ws_client(a_inst.ws_url, sam.token) as a:
        await a.join(room)
        async with ws_client(b_inst.ws_url, alex.token) as b:
            await b.join(room)
            await b.post(room, "before", "x1")
            await a.expect("message", text="before")
        await b_inst.stop()
        await a.post(room, "after", "x2")
        await a.expect("message", text="after")
    await eventually(lambda: b_inst.task.done())


async def test_redis_outage_gives_clear_errors_and_nothing_acknowledged_is_lost(
    make_settings, redis_process_factory  # type: ignore[no-untyped-def]
) -> None:
    server = redis_process_factory(appendonly=True).start()
    async with running(make_settings(redis_url=server.url)) as inst:
        world = await _world(inst)
        room = world.rooms["cohort"].id
        sam = await world.make_person("sam")
        async with ws_client(inst.ws_url, sam.token) as a:
            await a.join(room)
            before = await a.post(room, "before the outage", "o-1")
            server.stop(kill=True)
            await a.send({"type": "post", "room": room, "text": "during the outage", "client_id": "o-2"})
            error = await a.expect("error", code="unavailable", timeout=10)
            assert error["ref"] == "o-2" and "try again" in error["detail"]
            server.start()
            # The client retries with the same client_id once Redis is back: one copy, in order.

            async def retried() -> bool:
                await a.send({"type": "post", "room": room, "text": "during the outage", "client_id": "o-2"})
                try:
                    await a.expect("ack", client_id="o-2", timeout=1)
                except TimeoutError:
                    return False
                return True

            await eventually(retried, timeout=15, interval=0.2)
            # Live delivery waits for the pub/sub connection's own reconnect (backoff up to 2 s)
            # and its resync from the stream; on a loaded machine that can take several seconds.
            await a.expect("message", text="during the outage", timeout=15)
        entries = [entry_id for entry_id, _ in await inst.deps.history.latest(room, 10)]
        assert entries[0] == before["id"] and len(entries) == 2


async def test_with_redis_down_http_and_the_handshake_answer_503_not_500(
    make_settings, redis_process_factory  # type: ignore[no-untyped-def]
) -> None:
    server = redis_process_factory(appendonly=True).start()
    async with running(make_settings(redis_url=server.url)) as inst:
        world = await _world(inst)
        sam = await world.make_person("sam")
        server.stop(kill=True)
        headers = {"authorization": f"Bearer {sam.token}"}
        async with httpx.AsyncClient(base_url=inst.url, timeout=10) as client:
            me = await client.get("/api/me", headers=headers)
            assert me.status_code == 503 and me.json()["error"]["code"] == "unavailable", me.text
            assert me.headers["retry-after"]
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            async with ws_client(inst.ws_url, sam.token):
                pass
        assert refused.value.response.status_code == 503
        assert refused.value.response.headers["retry-after"]
