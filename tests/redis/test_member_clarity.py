"""Members are never left guessing: their held posts are kept by the server (any device, any sign-in)
with what happens next, a host's hide tells its author kindly and records the host's own reason, and
leaving a room takes a member out of its presence at once while the socket serves their other rooms."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from redis.asyncio import Redis

from service.base.settings import Settings
from tests.helpers import Instance, running, ws_client
from tests.redis.review_helpers import CRISIS, api, case_for, post_as, program_world

pytestmark = pytest.mark.redis

SOURCING = "Does anyone know where to get some bars? Need them bad"
HELD_NEXT = "Waiting for a counselor's review. Only you can see it for now."
CRISIS_NEXT = "A counselor has been alerted and will reach out."


async def fresh_sign_in(inst: Instance, handle: str, password: str) -> httpx.AsyncClient:
    """A new session, as a second device would have (a new token through the real login)."""
    async with httpx.AsyncClient(base_url=inst.url) as anonymous:
        response = await anonymous.post("/api/login", json={"handle": handle, "password": password})
        assert response.status_code == 200, response.text
        token = response.json()["token"]
    return httpx.AsyncClient(base_url=inst.url, timeout=5, headers={"authorization": f"Bearer {token}"})


async def test_held_posts_are_kept_by_the_server_across_sign_ins_until_a_counselor_decides(
    instance: Instance,
) -> None:
    world = await program_world(instance)
    cohort = world.rooms["cohort"]
    await post_as(instance, world, "sam", cohort.id, CRISIS, "held-crisis")
    await post_as(instance, world, "sam", cohort.id, SOURCING, "held-sourcing")
    await post_as(instance, world, "alex", cohort.id, SOURCING, "held-alex")
    await post_as(instance, world, "sam", cohort.id, "see you all thursday", "published-1")

    device = await fresh_sign_in(instance, "sam", world.people["sam"].password)
    async with device:
        held = (await device.get("/api/me/held")).json()["held"]
        assert [(h["client_id"], h["status"], h["next"]) for h in held] == [
            ("held-crisis", "crisis", CRISIS_NEXT),
            ("held-sourcing", "held", HELD_NEXT),
        ]
        assert {h["room"] for h in held} == {cohort.id} and {h["room_name"] for h in held} == {"cohort"}
        assert [h["text"] for h in held] == [CRISIS, SOURCING]
        assert held[0]["ts"] <= held[1]["ts"]

        # Only one's own: alex sees alex's, and nothing of sam's.
        async with api(instance, world, "alex") as alex:
            assert [h["client_id"] for h in (await alex.get("/api/me/held")).json()["held"]] == ["held-alex"]

        # A decision takes a post off the list, and the author hears it live.
        async with ws_client(instance.ws_url, world.people["sam"].token) as sam_ws, api(instance, world, "lee") as lee:
            approve = await lee.post(f"/api/cases/{await case_for(instance, world, 'held-sourcing')}/approve", json={})
            assert approve.status_code == 200
            await sam_ws.expect("notice", kind="approved", ref="held-sourcing")
            assert [h["client_id"] for h in (await device.get("/api/me/held")).json()["held"]] == ["held-crisis"]
            crisis_case = await case_for(instance, world, "held-crisis")
            removed = await lee.post(f"/api/cases/{crisis_case}/remove", json={"reason": "calling you now"})
            assert removed.status_code == 200
            await sam_ws.expect("notice", kind="removed", ref="held-crisis")
        assert (await device.get("/api/me/held")).json()["held"] == []


async def test_a_resolved_case_no_longer_lists_its_post_as_waiting(instance: Instance) -> None:
    world = await program_world(instance)
    await post_as(instance, world, "sam", world.rooms["cohort"].id, SOURCING, "held-1")
    async with api(instance, world, "lee") as lee, api(instance, world, "sam") as sam:
        assert len((await sam.get("/api/me/held")).json()["held"]) == 1
        case_id = await case_for(instance, world, "held-1")
        assert (await lee.post(f"/api/cases/{case_id}/resolve", json={"note": "talked in group"})).status_code == 200
        assert (await sam.get("/api/me/held")).json()["held"] == []


async def test_a_hosts_hide_records_the_hosts_reason_and_tells_the_author_kindly(instance: Instance) -> None:
    world = await program_world(instance)
    evening = world.rooms["evening"].id
    p = world.people
    async with (
        ws_client(instance.ws_url, p["sam"].token) as sam,
        ws_client(instance.ws_url, p["jordan"].token) as jordan,
        ws_client(instance.ws_url, p["alex"].token) as alex,
    ):
        for client in (sam, jordan, alex):
            await client.join(evening)
        ack = await sam.post(evening, "my neighbour kayla is using again, everyone should know", "gossip-1")
        await jordan.expect("message", id=ack["id"])
        reason = "Shares someone else's private details"
        await jordan.send({"type": "hide", "room": evening, "message": ack["id"], "reason": reason})
        for client in (sam, jordan, alex):
            await client.expect("removed", id=ack["id"])

        notice = await sam.expect("notice", kind="hidden")
        assert notice["room"] == evening and notice["ref"] == "gossip-1"
        assert "waiting for a counselor's review" in notice["text"] and "only you can see it" in notice["text"]
        assert jordan.matching("notice", kind="hidden") == [] and alex.matching("notice", kind="hidden") == []

        case = next(c for c in await instance.deps.cases.open_queue(world.program) if c.source == "hide")
        assert [r.explanation for r in case.reasons] == [reason]
        assert case.reporter == p["jordan"].user.id

        # The hide is idempotent: hiding again tells nobody twice.
        await jordan.send({"type": "hide", "room": evening, "message": ack["id"], "reason": "again"})
        await jordan.send({"type": "ping", "nonce": "after-hide"})
        await jordan.expect("pong", nonce="after-hide")
        await sam.send({"type": "ping", "nonce": "sam-sync"})
        await sam.expect("pong", nonce="sam-sync")
        assert len(sam.matching("notice", kind="hidden")) == 1

    async with api(instance, world, "sam") as member:
        held = (await member.get("/api/me/held")).json()["held"]
        assert [(h["client_id"], h["status"]) for h in held] == [("gossip-1", "hidden")]
        assert "host" in held[0]["next"]
    async with api(instance, world, "lee") as lee:
        assert (await lee.post(f"/api/cases/{case.id}/remove", json={"reason": "private details"})).status_code == 200
    async with api(instance, world, "sam") as member:
        assert (await member.get("/api/me/held")).json()["held"] == []


async def test_a_hide_over_http_keeps_the_hosts_reason_too(instance: Instance) -> None:
    world = await program_world(instance)
    evening = world.rooms["evening"].id
    async with ws_client(instance.ws_url, world.people["sam"].token) as sam:
        await sam.join(evening)
        ack = await sam.post(evening, "ordinary words", "plain-1")
        async with api(instance, world, "jordan") as jordan:
            response = await jordan.post(f"/api/rooms/{evening}/messages/{ack['id']}/hide",
                                         json={"reason": "  Off topic for tonight  "})
            assert response.status_code == 201
        await sam.expect("notice", kind="hidden", ref="plain-1")
    case = await instance.deps.cases.get(response.json()["case"])
    assert case is not None and [r.explanation for r in case.reasons] == ["Off topic for tonight"]


async def test_leaving_a_room_leaves_its_presence_at_once_and_the_socket_keeps_the_other_rooms(
    make_settings: Callable[..., Settings], redis: Redis,
) -> None:
    # A long presence TTL: if the departure only showed when the entry expired, this test would time out.
    async with running(make_settings(instance_name="p", presence_ttl_seconds=60, presence_interval_seconds=20)) as inst:
        world = await program_world(inst)
        cohort, evening = world.rooms["cohort"].id, world.rooms["evening"].id
        p = world.people
        async with ws_client(inst.ws_url, p["sam"].token) as sam, ws_client(inst.ws_url, p["alex"].token) as alex:
            await alex.join(cohort)
            await alex.join(evening)
            await sam.join(cohort)
            await sam.join(evening)
            await alex.expect("presence", room=cohort, event="join")
            await sam.send({"type": "leave", "room": cohort})
            await sam.expect("left", room=cohort)
            gone = await alex.expect("presence", room=cohort, event="leave", timeout=2)
            assert gone["member"]["handle"] == "sam"
            assert alex.matching("presence", room=evening, event="leave") == []
            ack = await alex.post(evening, "still here in the evening room", "ev-1")
            await sam.expect("message", id=ack["id"])
            assert {m.handle for m in await inst.deps.presence.members(cohort)} == {"alex"}
