"""Moderation end to end over real sockets and Redis: crisis, flags, masks, reports, hides."""

from __future__ import annotations

import httpx
import pytest

from service.base.models import Role
from tests.helpers import Instance, World, ws_client
from tests.redis.review_helpers import CRISIS, program_world

pytestmark = pytest.mark.redis




# The second post matches no rule; the shipped crisis model, run in a worker thread, catches it.
MODEL_ONLY = "nobody will have to worry about me much longer, i made sure of it"


@pytest.mark.parametrize(("text", "rule_kind"), [(CRISIS, "rules"), (MODEL_ONLY, "model")])
async def test_crisis_post_is_held_poster_supported_and_counselor_on_other_instance_alerted(
    pair: tuple[Instance, Instance], text: str, rule_kind: str
) -> None:
    a_inst, b_inst = pair
    world = await program_world(a_inst)
    room = world.rooms["cohort"].id
    p = world.people
    async with (
        ws_client(a_inst.ws_url, p["sam"].token) as sam,
        ws_client(b_inst.ws_url, p["alex"].token) as alex,
        ws_client(b_inst.ws_url, p["lee"].token) as counselor,
    ):
        await sam.join(room)
        await alex.join(room)
        ack = await sam.post(room, text, "crisis-1")
        assert ack["status"] == "held" and "id" not in ack
        notice = await sam.expect("notice", kind="crisis")
        assert notice["ref"] == "crisis-1" and "counselor" in notice["text"].lower()
        values = {r["value"] for r in notice["resources"]}
        assert {"988", "741741"} <= values and any("662-4357" in v for v in values)
        event = await counselor.expect("case", event="new")
        assert event["case"]["urgent"] is True and event["case"]["categories"][0] == "crisis"
        assert event["case"]["post_state"] == "held" and "text" not in event["case"]
        # Nobody saw the post: not live, not in history.
        await sam.post(room, "thanks for listening everyone", "after-1")
        await alex.expect("message", text="thanks for listening everyone")
        assert all(m["text"] != text for m in alex.matching("message") + sam.matching("message"))
        joined = await alex.join(room)
        assert all(m["text"] != text for m in joined["history"])
    queue = await a_inst.deps.cases.open_queue(world.program)
    assert [c.source.value for c in queue] == ["crisis"]
    assert queue[0].post is not None and queue[0].post.text == text
    rules = [r.rule for r in queue[0].reasons]
    if rule_kind == "model":
        assert rules == ["model.crisis"]
    else:
        assert rules and all(r.startswith("crisis.") for r in rules)


async def test_retried_crisis_post_opens_one_case(instance: Instance) -> None:
    world = await program_world(instance)
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, world.people["sam"].token) as sam:
        await sam.join(room)
        first = await sam.post(room, CRISIS, "same")
        await sam.send({"type": "post", "room": room, "text": CRISIS, "client_id": "same"})
        acks = await sam.expect_count("ack", 2, client_id="same")
        assert acks[0] == acks[1] == first
        assert len(sam.matching("notice", kind="crisis")) == 1
    assert len(await instance.deps.cases.open_queue(world.program)) == 1


async def test_relapse_is_published_and_flagged(instance: Instance) -> None:
    world = await program_world(instance)
    room = world.rooms["cohort"].id
    text = "I relapsed last night and used again after 90 days"
    async with ws_client(instance.ws_url, world.people["sam"].token) as sam, \
            ws_client(instance.ws_url, world.people["lee"].token) as lee:
        await sam.join(room)
        ack = await sam.post(room, text, "r1")
        assert ack["status"] == "published"
        await sam.expect("message", text=text)
        event = await lee.expect("case", event="new")
        assert event["case"]["categories"] == ["relapse"] and event["case"]["urgent"] is False
    case = (await instance.deps.cases.open_queue(world.program))[0]
    assert case.message_id == ack["id"] and case.post_state.value == "published"


async def test_contact_details_are_masked_then_published_and_flagged(instance: Instance) -> None:
    world = await program_world(instance)
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, world.people["sam"].token) as sam, \
            ws_client(instance.ws_url, world.people["alex"].token) as alex:
        await sam.join(room)
        await alex.join(room)
        ack = await sam.post(room, "text me at 214-555-0187 or sam.r@example.com anytime", "c1")
        assert ack["status"] == "published"
        shown = await alex.expect("message", id=ack["id"])
        assert "555-0187" not in shown["text"] and "example.com" not in shown["text"]
        assert shown["masked"] is True
        await sam.expect("notice", kind="masked")
    assert (await instance.deps.cases.open_queue(world.program))[0].categories == ["contact"]


async def test_report_and_host_hide_create_cases_and_hide_removes_live(instance: Instance) -> None:
    world = await program_world(instance)
    mentor, evening = world.people["jordan"], world.rooms["evening"]
    p = world.people
    async with (
        ws_client(instance.ws_url, p["sam"].token) as sam,
        ws_client(instance.ws_url, p["alex"].token) as alex,
        ws_client(instance.ws_url, mentor.token) as host,
    ):
        for c in (sam, alex, host):
            await c.join(evening.id)
        posted = await sam.post(evening.id, "honestly this group is pointless", "p1")
        await alex.send({"type": "report", "room": evening.id, "message": posted["id"], "reason": "felt hurtful"})
        await alex.expect("reported", message=posted["id"])
        await alex.send({"type": "hide", "room": evening.id, "message": posted["id"]})
        assert (await alex.expect("error", ref=posted["id"]))["code"] == "forbidden"
        await host.send({"type": "hide", "room": evening.id, "message": posted["id"], "reason": "check in 1:1"})
        for c in (sam, alex, host):
            await c.expect("removed", id=posted["id"])
        joined = await alex.join(evening.id)
        assert all(m["id"] != posted["id"] for m in joined["history"])
    sources = sorted(c.source.value for c in await instance.deps.cases.open_queue(world.program))
    assert sources == ["hide", "report"]


async def test_blocked_harassment_never_reaches_the_room(instance: Instance) -> None:
    world = await program_world(instance)
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, world.people["sam"].token) as sam, \
            ws_client(instance.ws_url, world.people["alex"].token) as alex:
        await sam.join(room)
        await alex.join(room)
        ack = await sam.post(room, "alex you worthless junkie, I will find you and hurt you", "h1")
        assert ack["status"] in ("held", "blocked")
        await sam.expect("notice")
        await sam.post(room, "sorry", "h2")
        await alex.expect("message", text="sorry")
        assert [m["text"] for m in alex.matching("message")] == ["sorry"]


async def test_report_and_hide_over_http(instance: Instance) -> None:
    world = await program_world(instance)
    mentor, evening = world.people["jordan"], world.rooms["evening"]
    other = World(instance.deps)
    await other.make_program("Elsewhere")
    outsider = await other.make_person("outsider")
    async with ws_client(instance.ws_url, world.people["sam"].token) as sam, \
            ws_client(instance.ws_url, world.people["alex"].token) as alex:
        await sam.join(evening.id)
        await alex.join(evening.id)
        posted = await sam.post(evening.id, "you all are fake and this is a joke", "p-http")
        base = f"{instance.url}/api/rooms/{evening.id}/messages/{posted['id']}"

        def auth(token: str) -> dict[str, str]:
            return {"authorization": f"Bearer {token}"}

        async with httpx.AsyncClient() as client:
            reported = await client.post(f"{base}/report", json={"reason": "hurtful"},
                                         headers=auth(world.people["alex"].token))
            assert reported.status_code == 201
            assert (await client.post(f"{base}/report", json={}, headers=auth(outsider.token))).status_code == 404
            missing = await client.post(f"{instance.url}/api/rooms/{evening.id}/messages/1-0/report", json={},
                                        headers=auth(world.people["alex"].token))
            assert missing.status_code == 404
            denied = await client.post(f"{base}/hide", json={}, headers=auth(world.people["alex"].token))
            assert denied.status_code == 403
            hidden = await client.post(f"{base}/hide", json={"reason": "check in"}, headers=auth(mentor.token))
            assert hidden.status_code == 201
        await alex.expect("removed", id=posted["id"])
    sources = sorted(c.source.value for c in await instance.deps.cases.open_queue(world.program))
    assert sources == ["hide", "report"]


async def test_retries_with_the_same_client_id_never_count_as_repeats(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, sam.token) as socket:
        await socket.join(room)
        first = await socket.post(room, "made it through the day", "retry-1")
        assert first["status"] == "published"
        for _ in range(3):  # a flaky connection resends the same post
            await socket.send({"type": "post", "room": room, "text": "made it through the day", "client_id": "retry-1"})
            again = await socket.expect("ack", client_id="retry-1")
            socket.frames.remove(again)
            assert (again["status"], again.get("id")) == ("published", first["id"])
    assert await instance.deps.cases.open_queue(world.program) == []
    assert len(await instance.deps.history.latest(room, 10)) == 1


async def test_a_reporter_hears_back_when_a_counselor_resolves_the_report(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    alex = await world.make_person("alex")
    lee = await world.make_person("lee", Role.COUNSELOR)
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, sam.token) as author, ws_client(instance.ws_url, alex.token) as reporter:
        await author.join(room)
        await reporter.join(room)
        posted = await author.post(room, "whatever, you all talk too much", "rep-1")
        await reporter.send({"type": "report", "room": room, "message": posted["id"], "reason": "unkind"})
        await reporter.expect("reported", room=room)
        (case,) = [c for c in await instance.deps.cases.open_queue(world.program) if c.reporter == alex.user.id]
        async with httpx.AsyncClient(base_url=instance.url, headers={"authorization": f"Bearer {lee.token}"}) as api:
            assert (await api.post(f"/api/cases/{case.id}/claim", json={})).status_code == 200
            resolved = await api.post(f"/api/cases/{case.id}/resolve", json={"note": "talked with sam"})
            assert resolved.status_code == 200
        thanks = await reporter.expect("notice", kind="reviewed")
        assert "reviewed your report" in thanks["text"] and "talked with sam" not in thanks["text"]
        assert author.matching("notice", kind="reviewed") == []
