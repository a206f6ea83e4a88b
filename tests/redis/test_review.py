"""The counselor queue: each action's full lifecycle, live on every instance, and audited."""

from __future__ import annotations

import pytest

from service.base.ids import now_ms
from tests.helpers import Instance, ws_client
from tests.redis.review_helpers import CRISIS, RELAPSE, api, case_for, post_as, program_world

pytestmark = pytest.mark.redis


async def test_queue_orders_crisis_first_then_severity_then_age(instance: Instance) -> None:
    world = await program_world(instance)
    room = world.rooms["cohort"].id
    await post_as(instance, world, "sam", room, RELAPSE, "relapse-1")
    await post_as(instance, world, "alex", room, "call me at 214-555-0100", "contact-1")
    await post_as(instance, world, "sam", room, CRISIS, "crisis-1")
    async with api(instance, world, "lee") as lee:
        cases = (await lee.get(f"/api/programs/{world.program}/cases")).json()["cases"]
    assert cases[0]["urgent"] is True and cases[0]["categories"][0] == "crisis"
    assert len(cases) == 3
    rest = cases[1:]
    assert [c["severity"] for c in rest] == sorted((c["severity"] for c in rest), reverse=True)


async def test_approve_held_post_appears_delayed_for_everyone_across_instances(
    pair: tuple[Instance, Instance],
) -> None:
    a_inst, b_inst = pair
    world = await program_world(a_inst)
    room = world.rooms["cohort"].id
    p = world.people
    async with ws_client(a_inst.ws_url, p["sam"].token) as sam, ws_client(b_inst.ws_url, p["alex"].token) as alex:
        await sam.join(room)
        await alex.join(room)
        await sam.post(room, CRISIS, "held-1")
        case_id = await case_for(a_inst, world, "held-1")
        async with api(b_inst, world, "lee") as lee:
            detail = (await lee.get(f"/api/cases/{case_id}")).json()
            assert detail["case"]["post"]["text"] == CRISIS and detail["case"]["status"] == "open"
            claimed = await lee.post(f"/api/cases/{case_id}/claim", json={})
            assert claimed.status_code == 200 and claimed.json()["case"]["status"] == "claimed"
            # A crisis post is never shared by one stray click: the server wants it confirmed.
            unconfirmed = await lee.post(f"/api/cases/{case_id}/approve", json={})
            assert unconfirmed.status_code == 409 and unconfirmed.json()["error"]["code"] == "conflict"
            assert "confirm_crisis" in unconfirmed.json()["error"]["detail"]
            assert not sam.matching("message") and not alex.matching("message")
            approved = await lee.post(f"/api/cases/{case_id}/approve",
                                      json={"confirm_crisis": True, "note": "spoke with sam; safe to share"})
            assert approved.status_code == 200
            case = approved.json()["case"]
            # One step: shared and resolved, with the note as the resolution, and the lease let go.
            assert case["post_state"] == "approved" and case["status"] == "resolved"
            assert case["resolution"] == "spoke with sam; safe to share"
            ours = [t["action"] for t in case["timeline"] if not t["action"].startswith("oncall.")]
            assert ours == ["claimed", "approved.resolved"]
            assert await a_inst.deps.cases.holder(case_id) is None
            again = await lee.post(f"/api/cases/{case_id}/approve", json={"confirm_crisis": True})
            assert again.status_code == 409
        for client in (sam, alex):
            shown = await client.expect("message", text=CRISIS)
            assert shown["delayed"] is True
        await sam.expect("notice", kind="approved", ref="held-1")
    assert len([e for e in await a_inst.deps.history.latest(room, 10)]) == 1


async def test_remove_published_post_vanishes_live_and_from_history(pair: tuple[Instance, Instance]) -> None:
    a_inst, b_inst = pair
    world = await program_world(a_inst)
    room = world.rooms["cohort"].id
    p = world.people
    async with ws_client(a_inst.ws_url, p["sam"].token) as sam, ws_client(b_inst.ws_url, p["alex"].token) as alex:
        await sam.join(room)
        await alex.join(room)
        ack = await sam.post(room, RELAPSE, "rel-1")
        await alex.expect("message", id=ack["id"])
        case_id = await case_for(a_inst, world, "rel-1")
        async with api(b_inst, world, "lee") as lee:
            removed = await lee.post(f"/api/cases/{case_id}/remove", json={"reason": "let's talk in group"})
            assert removed.status_code == 200 and removed.json()["case"]["post_state"] == "removed"
            assert removed.json()["case"]["status"] == "resolved"
        for client in (sam, alex):
            await client.expect("removed", id=ack["id"])
        await sam.expect("notice", kind="removed", ref="rel-1")
        joined = await alex.join(room)
        assert joined["history"] == []


async def test_warn_mute_suspend_take_effect_live(pair: tuple[Instance, Instance]) -> None:
    a_inst, b_inst = pair
    world = await program_world(a_inst)
    room = world.rooms["cohort"].id
    async with ws_client(a_inst.ws_url, world.people["sam"].token) as sam:
        await sam.join(room)
        await sam.post(room, RELAPSE, "r-1")
        case_id = await case_for(a_inst, world, "r-1")
        async with api(b_inst, world, "lee") as lee:
            assert (await lee.post(f"/api/cases/{case_id}/warn", json={"text": "Please check in with me"})).is_success
            warning = await sam.expect("notice", kind="warning")
            assert warning["text"] == "Please check in with me"
            assert (await lee.post(f"/api/cases/{case_id}/mute", json={"minutes": 30, "reason": "cool off"})).is_success
            muted = await sam.expect("notice", kind="muted")
            assert muted["until"] > now_ms()

            async def refused() -> bool:
                await sam.send({"type": "post", "room": room, "text": "hello?", "client_id": f"m{len(sam.frames)}"})
                return bool(sam.matching("error", code="muted"))

            from tests.helpers import eventually

            await eventually(refused)
            rejoined = await sam.join(room)
            assert rejoined["state"]["muted_until"] == muted["until"]
            suspended = await lee.post(f"/api/cases/{case_id}/suspend", json={"scope": "room", "reason": "pause"})
            assert suspended.is_success
            await sam.expect("left", room=room)
            await sam.send({"type": "join", "room": room})
            assert "suspended" in (await sam.expect("error", ref=room))["detail"]


async def test_escalate_followup_note_resolve_and_audit(instance: Instance) -> None:
    world = await program_world(instance)
    room = world.rooms["cohort"].id
    await post_as(instance, world, "sam", room, RELAPSE, "r-2")
    case_id = await case_for(instance, world, "r-2")
    due = now_ms() + 3600_000
    async with api(instance, world, "lee") as lee:
        esc = await lee.post(f"/api/cases/{case_id}/escalate", json={"to": "supervisor", "note": "pattern"})
        assert esc.json()["case"]["severity"] == 3
        fu = await lee.post(f"/api/cases/{case_id}/followups",
                            json={"kind": "group", "note": "talk about it in Thursday's group", "due": due})
        followup_id = fu.json()["case"]["followups"][0]["id"]
        due_list = (await lee.get(f"/api/programs/{world.program}/followups")).json()["followups"]
        assert [f["id"] for f in due_list] == [followup_id]
        await lee.post(f"/api/cases/{case_id}/notes", json={"text": "spoke briefly after group"})
        resolved = await lee.post(f"/api/cases/{case_id}/resolve", json={"note": "supported; plan in place"})
        assert resolved.json()["case"]["status"] == "resolved"
        assert (await lee.post(f"/api/cases/{case_id}/warn", json={"text": "x"})).status_code == 409
        open_cases = (await lee.get(f"/api/programs/{world.program}/cases")).json()["cases"]
        assert case_id not in [c["id"] for c in open_cases]
        timeline = [t["action"] for t in resolved.json()["case"]["timeline"]]
        assert timeline == ["escalated.supervisor", "followup", "note", "resolved"]
        by_case = (await lee.get(f"/api/programs/{world.program}/audit", params={"case": case_id})).json()["entries"]
        actions = [e["action"] for e in by_case]
        assert actions[0] == "case.resolved" and actions[-1] == "case.open.flag"
        by_member = (await lee.get(f"/api/programs/{world.program}/audit",
                                   params={"member": world.people["sam"].user.id})).json()["entries"]
        assert {e["case"] for e in by_member} == {case_id}
        by_actor = (await lee.get(f"/api/programs/{world.program}/audit",
                                  params={"actor": world.people["lee"].user.id})).json()["entries"]
        assert {e["action"] for e in by_actor} >= {"case.resolved", "case.note", "case.followup"}
        assert {e["actor_handle"] for e in by_actor} == {"lee"}
        assert {t["actor_handle"] for t in resolved.json()["case"]["timeline"]} == {"lee"}
        export = await lee.get(f"/api/programs/{world.program}/audit/export")
        lines = export.text.strip().splitlines()
        assert export.headers["content-type"].startswith("application/x-ndjson")
        assert len(lines) >= len(by_case) and all(line.startswith("{") for line in lines)
        assert RELAPSE not in export.text, "audit entries never carry message text"


async def test_live_case_events_reach_counselors_new_claimed_resolved(pair: tuple[Instance, Instance]) -> None:
    a_inst, b_inst = pair
    world = await program_world(a_inst)
    room = world.rooms["cohort"].id
    async with ws_client(b_inst.ws_url, world.people["kim"].token) as kim:
        await post_as(a_inst, world, "sam", room, RELAPSE, "r-3")
        new = await kim.expect("case", event="new")
        case_id = new["case"]["id"]
        async with api(a_inst, world, "lee") as lee:
            await lee.post(f"/api/cases/{case_id}/claim", json={})
            claimed = await kim.expect("case", event="claimed")
            assert claimed["case"]["assignee"] == world.people["lee"].user.id
            await lee.post(f"/api/cases/{case_id}/resolve", json={"note": "ok"})
            await kim.expect("case", event="resolved")
