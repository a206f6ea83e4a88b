"""Private check-in threads between a member and their program's counselors: started from a case or a
member, live on every instance, moderated replies (crisis → support + an urgent case), audited without
text, the Part 2 notice on every answer with thread content, and refused from the attacker's side."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from service.base.models import Role
from service.base.settings import Settings
from service.protocol import Pong
from tests.helpers import Instance, World, WsClient, eventually, running, ws_client
from tests.redis.review_helpers import CRISIS, RELAPSE, api, case_for, post_as, program_world

pytestmark = pytest.mark.redis

PART2 = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."
HELLO = "Hi sam, it's Dr. Lee. I saw your message in group tonight and wanted to check in. How are you doing?"
REPLY = "Thanks for reaching out. It's been a hard week but I'm okay tonight."


async def relapse_case(inst: Instance, world: World) -> str:
    """A flagged relapse post by sam in the cohort room, and its case."""
    await post_as(inst, world, "sam", world.rooms["cohort"].id, RELAPSE, "relapse-1")
    return await case_for(inst, world, "relapse-1")


async def synced(inst: Instance, client: WsClient, user_id: str, nonce: str) -> None:
    """Everything published to ``user_id`` before now has reached ``client`` (one users topic, in order)."""
    await inst.deps.feed.to_user(user_id, Pong(nonce=nonce))
    await client.expect("pong", nonce=nonce)


async def outreach_with(client: WsClient, text: str) -> dict[str, Any]:
    """The first ``outreach`` frame carrying a message with this text (waits for it)."""

    def found() -> dict[str, Any] | None:
        return next((f for f in client.matching("outreach") if f["message"]["text"] == text), None)

    frame: dict[str, Any] = await eventually(found)
    return frame


async def start(client: httpx.AsyncClient, url: str, text: str = HELLO, **extra: Any) -> dict[str, Any]:
    response = await client.post(url, json={"text": text, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_counselor_reaches_out_from_a_case_and_the_member_replies_live_across_instances(
    pair: tuple[Instance, Instance],
) -> None:
    a, b = pair
    world = await program_world(a)
    case_id = await relapse_case(a, world)
    p = world.people
    async with (
        ws_client(a.ws_url, p["sam"].token) as sam_ws,
        ws_client(b.ws_url, p["lee"].token) as lee_ws,
        ws_client(a.ws_url, p["kim"].token) as kim_ws,
        ws_client(b.ws_url, p["jordan"].token) as jordan_ws,
        ws_client(a.ws_url, p["alex"].token) as alex_ws,
        api(b, world, "lee") as lee,
        api(a, world, "sam") as sam,
    ):
        started = await start(lee, f"/api/cases/{case_id}/outreach")
        thread = started["thread"]
        assert started["notice"] == PART2 and started["created"] is True
        assert thread["member"]["handle"] == "sam" and thread["started_by"] == "lee"
        assert thread["cases"] == [case_id] and thread["program_name"] == "Test IOP"

        # Live to the member on the other instance, as a calm counselor message without staff-only fields.
        frame = await sam_ws.expect("outreach")
        assert frame["notice"] == PART2 and frame["thread"]["id"] == thread["id"]
        assert frame["message"]["text"] == HELLO and frame["message"]["author"]["role"] == "counselor"
        assert frame["thread"]["unread"] is True and frame["thread"]["cases"] == []
        assert "flags" not in frame["message"] and "crisis" not in frame["message"]
        # Every counselor of the program has it; a peer mentor and another member never do.
        await kim_ws.expect("outreach", notice=PART2)
        await lee_ws.expect("outreach", notice=PART2)
        for person, client in (("jordan", jordan_ws), ("alex", alex_ws)):
            await synced(a, client, p[person].user.id, f"sync-{person}")
            assert client.matching("outreach") == []

        mine = (await sam.get("/api/me/outreach")).json()
        assert mine["notice"] == PART2
        assert [(t["id"], t["unread"]) for t in mine["threads"]] == [(thread["id"], True)]
        opened = (await sam.get(f"/api/outreach/{thread['id']}")).json()
        assert opened["notice"] == PART2 and [m["text"] for m in opened["messages"]] == [HELLO]
        assert opened["thread"]["unread"] is False
        assert (await sam.get("/api/me/outreach")).json()["threads"][0]["unread"] is False

        replied = await sam.post(f"/api/outreach/{thread['id']}/messages", json={"text": REPLY, "client_id": "r-1"})
        assert replied.status_code == 201 and replied.json()["notice"] == PART2
        assert replied.json().get("support") is None
        seen = await outreach_with(lee_ws, REPLY)
        assert seen["thread"]["unread"] is True  # for counselors: the member is waiting for an answer
        await kim_ws.expect("outreach", thread=seen["thread"])

        # Reaching out from the same case again continues the conversation instead of starting another.
        again = await start(lee, f"/api/cases/{case_id}/outreach", text="I'm glad. Want to talk before Thursday?")
        assert again["thread"]["id"] == thread["id"]
        listed = (await lee.get(f"/api/programs/{world.program}/members/{p['sam'].user.id}/outreach")).json()
        assert listed["notice"] == PART2 and [t["id"] for t in listed["threads"]] == [thread["id"]]
        texts = [m["text"] for m in (await lee.get(f"/api/outreach/{thread['id']}")).json()["messages"]]
        assert texts == [HELLO, REPLY, "I'm glad. Want to talk before Thursday?"]
        case = (await lee.get(f"/api/cases/{case_id}")).json()["case"]
        assert [t["action"] for t in case["timeline"]].count("outreach") == 1


async def test_a_counselor_reaches_a_member_directly_and_retries_are_stored_once(instance: Instance) -> None:
    world = await program_world(instance)
    sam_id = world.people["sam"].user.id
    async with api(instance, world, "kim") as kim, ws_client(instance.ws_url, world.people["sam"].token) as sam_ws:
        url = f"/api/programs/{world.program}/members/{sam_id}/outreach"
        first = await start(kim, url, client_id="k-1")
        thread = first["thread"]["id"]
        assert first["thread"]["cases"] == []
        await sam_ws.expect("outreach")
        again = await kim.post(f"/api/outreach/{thread}/messages", json={"text": "one more", "client_id": "k-2"})
        retry = await kim.post(f"/api/outreach/{thread}/messages", json={"text": "one more", "client_id": "k-2"})
        assert again.status_code == 201 and retry.status_code == 200
        assert retry.json()["created"] is False and retry.json()["message"]["id"] == again.json()["message"]["id"]
        messages = (await kim.get(f"/api/outreach/{thread}")).json()["messages"]
        assert [m["text"] for m in messages] == [HELLO, "one more"]


async def test_a_crisis_reply_gives_the_member_support_opens_an_urgent_case_and_reaches_counselors(
    pair: tuple[Instance, Instance],
) -> None:
    a, b = pair
    world = await program_world(a)
    p = world.people
    async with (
        api(a, world, "lee") as lee,
        api(b, world, "sam") as sam,
        ws_client(a.ws_url, p["sam"].token) as sam_ws,
        ws_client(b.ws_url, p["lee"].token) as lee_ws,
        ws_client(a.ws_url, p["jordan"].token) as jordan_ws,
    ):
        thread = (await start(lee, f"/api/programs/{world.program}/members/{p['sam'].user.id}/outreach"))["thread"]
        answer = await sam.post(f"/api/outreach/{thread['id']}/messages", json={"text": CRISIS, "client_id": "c-1"})
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert body["notice"] == PART2
        support = body["support"]
        assert "alerted" in support["text"]
        assert {r["value"] for r in support["resources"]} >= {"988", "741741"}
        # The member's own copy carries no moderation detail.
        assert "crisis" not in body["message"] and "flags" not in body["message"]

        # Every device of the member gets the crisis panel.
        notice = await sam_ws.expect("notice", kind="crisis")
        assert notice["ref"] == body["message"]["id"] and notice["resources"]

        # The reply still reaches the counselors, marked, and an urgent case is open for them.
        delivered = await outreach_with(lee_ws, CRISIS)
        assert delivered["message"]["text"] == CRISIS and delivered["message"]["crisis"] is True
        assert "crisis" in delivered["message"]["flags"]
        event = await lee_ws.expect("case", event="new")
        assert event["case"]["urgent"] is True and event["case"]["source"] == "outreach"
        cases = [c for c in await a.deps.cases.open_queue(world.program) if c.source == "outreach"]
        assert len(cases) == 1
        case = cases[0]
        assert case.urgent and case.post is not None and case.post.text == CRISIS
        assert case.post.author_id == p["sam"].user.id and case.room == ""
        assert body["thread"]["cases"] == []  # the member's view names no cases
        assert (await lee.get(f"/api/outreach/{thread['id']}")).json()["thread"]["cases"] == [case.id]
        assert delivered["thread"]["cases"] == [case.id]
        assert (await lee.get(f"/api/cases/{case.id}")).status_code == 200

        # A peer mentor hosting a room never hears of it.
        await synced(a, jordan_ws, p["jordan"].user.id, "sync-jordan")
        assert jordan_ws.matching("case") == [] and jordan_ws.matching("outreach") == []

        # A retried crisis reply is stored once and opens no second case, but support comes again.
        retry = await sam.post(f"/api/outreach/{thread['id']}/messages", json={"text": CRISIS, "client_id": "c-1"})
        assert retry.status_code == 200 and retry.json()["support"] is not None
        assert len([c for c in await a.deps.cases.open_queue(world.program) if c.source == "outreach"]) == 1
        assert len((await lee.get(f"/api/outreach/{thread['id']}")).json()["messages"]) == 2

        # Contact details are not masked here: counselors are the right people to have them.
        phone = await sam.post(f"/api/outreach/{thread['id']}/messages", json={"text": "call me at 214-555-0100"})
        assert phone.json()["message"]["text"] == "call me at 214-555-0100"
        staff_copy = await outreach_with(lee_ws, "call me at 214-555-0100")
        assert staff_copy["message"]["flags"] == ["contact"] and "crisis" not in staff_copy["message"]


async def test_audit_records_start_messages_and_staff_reads_without_text(
    instance: Instance, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    world = await program_world(instance)
    case_id = await relapse_case(instance, world)
    sam_id = world.people["sam"].user.id
    async with api(instance, world, "lee") as lee, api(instance, world, "sam") as sam:
        thread = (await start(lee, f"/api/cases/{case_id}/outreach"))["thread"]["id"]
        await sam.get(f"/api/outreach/{thread}")  # the member's own read is not logged
        assert (await sam.post(f"/api/outreach/{thread}/messages", json={"text": REPLY})).status_code == 201
        assert (await lee.get(f"/api/outreach/{thread}")).status_code == 200
        entries = await instance.deps.audit.for_subject(sam_id)
        outreach = [e for e in reversed(entries) if e.action.startswith("outreach.")]
        assert [(e.action, e.actor) for e in outreach] == [
            ("outreach.start", world.people["lee"].user.id),
            ("outreach.message", world.people["lee"].user.id),
            ("outreach.message", sam_id),
            ("outreach.read", world.people["lee"].user.id),
        ]
        assert all(e.reason == f"thread {thread}" and e.program == world.program for e in outreach)
        assert outreach[0].case == case_id
        export = (await lee.get(f"/api/programs/{world.program}/audit/export")).text
    for text in (HELLO, REPLY, "hard week"):
        assert text not in export
        assert text not in caplog.text + "".join(str(r.__dict__) for r in caplog.records)


async def test_members_never_start_threads_or_read_anyone_elses(instance: Instance) -> None:
    world = await program_world(instance)
    case_id = await relapse_case(instance, world)
    p = world.people
    other = World(instance.deps)
    await other.make_program("Another clinic")
    await other.make_person("outsider", Role.COUNSELOR)
    await other.make_person("stranger")
    sam_id, alex_id = p["sam"].user.id, p["alex"].user.id
    async with api(instance, world, "lee") as lee:
        thread = (await start(lee, f"/api/cases/{case_id}/outreach"))["thread"]["id"]
    starts = [f"/api/cases/{case_id}/outreach", f"/api/programs/{world.program}/members/{alex_id}/outreach",
              f"/api/programs/{world.program}/members/{sam_id}/outreach"]
    body = {"text": "hey, just us two?"}

    # A member (or peer mentor) can never start a thread, with anyone.
    for handle in ("sam", "alex", "jordan"):
        async with api(instance, world, handle) as client:
            for url in starts:
                assert (await client.post(url, json=body)).status_code == 403, (handle, url)
            listing = await client.get(f"/api/programs/{world.program}/members/{sam_id}/outreach")
            assert listing.status_code == 403
    # Another member cannot read or write sam's thread; it does not exist for them, nor for the mentor.
    for handle in ("alex", "jordan"):
        async with api(instance, world, handle) as client:
            assert (await client.get(f"/api/outreach/{thread}")).status_code == 404
            assert (await client.post(f"/api/outreach/{thread}/messages", json=body)).status_code == 404
            assert (await client.get("/api/me/outreach")).json()["threads"] == []
    # Another program's counselor and member: nothing here exists for them.
    for handle in ("outsider", "stranger"):
        async with api(instance, other, handle) as client:
            assert (await client.get(f"/api/outreach/{thread}")).status_code == 404
            assert (await client.post(f"/api/outreach/{thread}/messages", json=body)).status_code == 404
            for url in starts:
                assert (await client.post(url, json=body)).status_code == 404, (handle, url)
            listing = await client.get(f"/api/programs/{world.program}/members/{sam_id}/outreach")
            assert listing.status_code == 404
    # Counselors only reach people their program treats: not a colleague, not another program's member.
    async with api(instance, world, "lee") as lee:
        for target in (p["kim"].user.id, other.people["stranger"].user.id, "u_nobody"):
            url = f"/api/programs/{world.program}/members/{target}/outreach"
            assert (await lee.post(url, json=body)).status_code == 404
        assert (await lee.get("/api/outreach/t_doesnotexist")).status_code == 404
    # Nobody signed in: 401 everywhere.
    async with httpx.AsyncClient(base_url=instance.url) as anonymous:
        for method, url in [("POST", u) for u in starts] + [
            ("GET", f"/api/programs/{world.program}/members/{sam_id}/outreach"), ("GET", "/api/me/outreach"),
            ("GET", f"/api/outreach/{thread}"), ("POST", f"/api/outreach/{thread}/messages"), ("GET", "/api/me/held"),
        ]:
            response = await anonymous.request(method, url, json=body if method == "POST" else None)
            assert response.status_code == 401, url


async def test_bad_messages_get_typed_errors(instance: Instance) -> None:
    world = await program_world(instance)
    url = f"/api/programs/{world.program}/members/{world.people['sam'].user.id}/outreach"
    async with api(instance, world, "lee") as lee:
        for bad in ({"text": ""}, {"text": "   \n "}, {"text": "x" * 4001}, {"text": "hi", "to": "alex"}, {}):
            response = await lee.post(url, json=bad)
            assert response.status_code == 400 and response.json()["error"]["code"] == "invalid", bad
        raw = await lee.post(url, content=b"{not json", headers={"content-type": "application/json"})
        assert raw.status_code == 400 and raw.json()["error"]["code"] == "bad_json"
        assert (await lee.get("/api/me/outreach")).json()["threads"] == []


async def test_a_flood_of_replies_is_slowed_but_a_crisis_reply_never_is(
    make_settings: Callable[..., Settings], redis: Redis,
) -> None:
    async with running(make_settings(instance_name="rate", post_rate_limit=2)) as inst:
        world = await program_world(inst)
        async with api(inst, world, "lee") as lee, api(inst, world, "sam") as sam:
            url = f"/api/programs/{world.program}/members/{world.people['sam'].user.id}/outreach"
            thread = (await start(lee, url))["thread"]["id"]
            statuses = [(await sam.post(f"/api/outreach/{thread}/messages", json={"text": f"ok {i}"})).status_code
                        for i in range(3)]
            assert statuses == [201, 201, 429]
            crisis = await sam.post(f"/api/outreach/{thread}/messages", json={"text": CRISIS})
            assert crisis.status_code == 201 and crisis.json()["support"]
