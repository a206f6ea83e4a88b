"""The queue that clears fast: cards with text and reasons, filters, bulk decisions, crisis confirmation,
lifting mutes and suspensions live, a readable audit log, the member page — and every refusal typed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from service.base.ids import now_ms
from service.base.models import Role
from tests.helpers import Instance, World, eventually, ws_client
from tests.redis.review_helpers import CRISIS, RELAPSE, api, case_for, post_as, program_world

pytestmark = pytest.mark.redis

HARSH = "you're pathetic, nobody here wants you"  # harassment, severity 2: held
SOURCING = "Does anyone know where to get some bars? Need them bad"  # sourcing, severity 2: held
PHONE = "call me at 214-555-0100"  # contact: published masked, and a case


async def _other_program(inst: Instance) -> World:
    other = World(inst.deps)
    await other.make_program("Another clinic")
    await other.make_room("theirs")
    await other.make_person("outsider", Role.COUNSELOR)
    await other.make_person("stranger")
    return other


def _cases(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return list(response.json()["cases"])


async def test_queue_cards_carry_the_post_as_shown_and_the_reason_in_words(instance: Instance) -> None:
    world = await program_world(instance)
    cohort = world.rooms["cohort"].id
    await post_as(instance, world, "sam", cohort, HARSH, "harsh")
    await post_as(instance, world, "alex", cohort, PHONE, "phone")
    shared = await post_as(instance, world, "sam", cohort, "I made it through the week", "fine")
    async with ws_client(instance.ws_url, world.people["alex"].token) as alex:
        await alex.join(cohort)
        await alex.send({"type": "report", "room": cohort, "message": shared["id"], "reason": "feels off to me"})
        await alex.expect("reported")
    async with api(instance, world, "lee") as lee:
        listed = _cases(await lee.get(f"/api/programs/{world.program}/cases"))
    cards = {c["author"] + ":" + c["source"]: c for c in listed}
    harsh = cards["sam:hold"]
    assert harsh["text"] == HARSH and harsh["masked"] is False and harsh["crisis"] is False
    assert harsh["reasons"][0]["explanation"] == "insult aimed at someone"
    assert harsh["reasons"][0]["rule"] == "harassment.targeted_insult"
    assert harsh["author_id"] == world.people["sam"].user.id
    # A masked post's card shows what the group saw, never the phone number.
    phone = cards["alex:flag"]
    assert phone["masked"] is True and "555" not in phone["text"] and "[contact removed]" in phone["text"]
    report = cards["sam:report"]
    assert report["reporter_handle"] == "alex" and report["reasons"][0]["explanation"] == "feels off to me"


async def test_filters_and_handle_search_run_on_the_server(instance: Instance) -> None:
    world = await program_world(instance)
    cohort, evening = world.rooms["cohort"].id, world.rooms["evening"].id
    await post_as(instance, world, "sam", cohort, HARSH, "harsh")
    await post_as(instance, world, "alex", evening, SOURCING, "sourcing")
    await post_as(instance, world, "alex", cohort, RELAPSE, "relapse")
    await post_as(instance, world, "sam", evening, CRISIS, "crisis")
    sourcing, relapse = await case_for(instance, world, "sourcing"), await case_for(instance, world, "relapse")
    url = f"/api/programs/{world.program}/cases"
    async with api(instance, world, "lee") as lee:
        assert len(_cases(await lee.get(url))) == 4
        assert [c["categories"] for c in _cases(await lee.get(url, params={"category": "sourcing"}))] == [["sourcing"]]
        assert {c["room"] for c in _cases(await lee.get(url, params={"room": evening}))} == {evening}
        assert len(_cases(await lee.get(url, params={"room": evening}))) == 2
        urgent = _cases(await lee.get(url, params={"urgent": "true"}))
        assert [(c["author"], c["urgent"]) for c in urgent] == [("sam", True)]
        assert {c["author"] for c in _cases(await lee.get(url, params={"q": "AL"}))} == {"alex"}
        assert _cases(await lee.get(url, params={"q": "nobody"})) == []

        assert (await lee.post(f"/api/cases/{sourcing}/claim", json={})).status_code == 200
        assert (await lee.post(f"/api/cases/{relapse}/resolve", json={"note": "talked in group"})).status_code == 200
        assert [c["id"] for c in _cases(await lee.get(url, params={"status": "claimed"}))] == [sourcing]
        claimed = _cases(await lee.get(url, params={"status": "claimed"}))[0]
        assert claimed["assignee_handle"] == "lee" and claimed["lease_until"] > now_ms()
        assert sourcing not in [c["id"] for c in _cases(await lee.get(url, params={"status": "unclaimed"}))]
        # "open" stays what it always meant (older clients rely on it): the working queue, claimed or not.
        assert sourcing in [c["id"] for c in _cases(await lee.get(url, params={"status": "open"}))]
        assert [c["id"] for c in _cases(await lee.get(url, params={"status": "resolved"}))] == [relapse]
        assert len(_cases(await lee.get(url, params={"status": "all"}))) == 4
        assert len(_cases(await lee.get(url))) == 3, "the working queue is open and claimed cases"
        combined = _cases(await lee.get(url, params={"status": "unclaimed", "room": evening, "q": "sam"}))
        assert [c["categories"][0] for c in combined] == ["crisis"]


BAD_QUERIES = [
    ("/api/programs/{program}/cases", {"status": "nope"}),
    ("/api/programs/{program}/cases", {"category": "weather"}),
    ("/api/programs/{program}/cases", {"urgent": "maybe"}),
    ("/api/programs/{program}/cases", {"limit": "abc"}),
    ("/api/programs/{program}/cases", {"limit": "-1"}),
    ("/api/programs/{program}/cases", {"limit": "1e9"}),
    ("/api/programs/{program}/cases", {"room": "../../etc"}),
    ("/api/programs/{program}/cases", {"room": "r_elsewhere"}),
    ("/api/programs/{program}/cases", {"q": "x" * 65}),
    ("/api/programs/{program}/cases", {"sneaky": "1"}),
    ("/api/programs/{program}/audit", {"limit": "abc"}),
    ("/api/programs/{program}/audit", {"limit": "-1"}),
    ("/api/programs/{program}/audit", {"limit": "1e9"}),
    ("/api/programs/{program}/audit", {"before": "abc"}),
    ("/api/programs/{program}/audit", {"member": "a b"}),
    ("/api/programs/{program}/followups", {"before": "abc"}),
    ("/api/programs/{program}/followups", {"before": "-1"}),
    ("/api/programs/{program}/followups", {"before": "1e99"}),
    ("/api/programs/{program}/inbox", {"since": "abc"}),
    ("/api/programs/{program}/inbox", {"since": "-1"}),
]


@pytest.mark.parametrize(("path", "params"), BAD_QUERIES)
async def test_bad_query_parameters_are_typed_400s(instance: Instance, path: str, params: dict[str, str]) -> None:
    world = await program_world(instance)
    async with api(instance, world, "lee") as lee:
        response = await lee.get(path.format(program=world.program), params=params)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["detail"], error


async def test_a_refused_inbox_read_leaves_the_last_visit_mark_alone(instance: Instance) -> None:
    world = await program_world(instance)
    url = f"/api/programs/{world.program}/inbox"
    async with api(instance, world, "lee") as lee:
        first = (await lee.get(url)).json()
        for since in ("abc", "-1", "1.5"):
            assert (await lee.get(url, params={"since": since})).status_code == 400
        again = (await lee.get(url)).json()
        assert again["since"] == first["now"], "a bad request moved the last-visit mark"
        good = (await lee.get(url, params={"since": "1000"})).json()
        assert good["since"] == 1000


async def test_bulk_approve_and_dismiss_act_on_each_case_and_audit_each(instance: Instance) -> None:
    world = await program_world(instance)
    cohort = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, world.people["sam"].token) as sam, \
            ws_client(instance.ws_url, world.people["alex"].token) as alex:
        await sam.join(cohort)
        await alex.join(cohort)
        await sam.post(cohort, HARSH, "h1")
        await alex.post(cohort, SOURCING, "s1")
        await alex.post(cohort, "who has a plug near downtown", "s2")
        await sam.post(cohort, RELAPSE, "r1")
        harsh, sourcing, plug, relapse = [await case_for(instance, world, c) for c in ("h1", "s1", "s2", "r1")]
        note = "reviewed the evening batch"
        async with api(instance, world, "lee") as lee:
            approved = await lee.post(f"/api/programs/{world.program}/cases/bulk",
                                      json={"action": "approve", "cases": [harsh, sourcing], "note": note})
            assert approved.status_code == 200, approved.text
            body = approved.json()
            assert body["failed"] == [] and {c["id"] for c in body["done"]} == {harsh, sourcing}
            assert {c["status"] for c in body["done"]} == {"resolved"}
            for client, text in ((sam, HARSH), (alex, SOURCING)):
                await client.expect("message", text=text, delayed=True)
            await sam.expect("notice", kind="approved", ref="h1")

            dismissed = await lee.post(f"/api/programs/{world.program}/cases/bulk",
                                       json={"action": "dismiss", "cases": [plug, relapse, plug], "note": note})
            assert dismissed.status_code == 200 and dismissed.json()["failed"] == []
            # The held post stays out of the room (its author is told); the flagged one stays as it is.
            await alex.expect("notice", kind="removed", ref="s2")
            assert not alex.matching("message", text="who has a plug near downtown")
            stored = {c.id: c for c in await instance.deps.cases.get_many([plug, relapse])}
            assert stored[plug].post_state == "removed" and stored[relapse].post_state == "published"
            assert {c.status for c in stored.values()} == {"resolved"}

            for case_id, action in ((harsh, "case.approved.resolved"), (sourcing, "case.approved.resolved"),
                                    (plug, "case.removed.resolved"), (relapse, "case.dismissed")):
                entries = (await lee.get(f"/api/programs/{world.program}/audit", params={"case": case_id})).json()
                decided = [e for e in entries["entries"] if e["action"] == action]
                assert len(decided) == 1, (case_id, [e["action"] for e in entries["entries"]])
                assert decided[0]["reason"] == note and decided[0]["actor_handle"] == "lee"
            # A case already decided is reported back, not silently skipped.
            repeat = await lee.post(f"/api/programs/{world.program}/cases/bulk",
                                    json={"action": "approve", "cases": [harsh]})
            assert repeat.status_code == 200 and repeat.json()["done"] == []
            assert [f["case"] for f in repeat.json()["failed"]] == [harsh]
            assert repeat.json()["failed"][0]["code"] == "conflict"


async def test_bulk_refuses_crisis_other_programs_and_people_without_the_role(instance: Instance) -> None:
    world = await program_world(instance)
    other = await _other_program(instance)
    cohort = world.rooms["cohort"].id
    await post_as(instance, world, "sam", cohort, HARSH, "h1")
    await post_as(instance, world, "alex", cohort, CRISIS, "c1")
    await post_as(instance, other, "stranger", other.rooms["theirs"].id, SOURCING, "elsewhere")
    harsh, crisis = await case_for(instance, world, "h1"), await case_for(instance, world, "c1")
    foreign = (await instance.deps.cases.open_queue(other.program))[0].id
    url = f"/api/programs/{world.program}/cases/bulk"
    async with api(instance, world, "lee") as lee:
        refused = await lee.post(url, json={"action": "approve", "cases": [harsh, crisis]})
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "conflict"
        assert crisis in refused.json()["error"]["detail"]
        outside = await lee.post(url, json={"action": "dismiss", "cases": [harsh, foreign]})
        assert outside.status_code == 404 and outside.json()["error"]["code"] == "not_found"
        for bad in ({"action": "publish", "cases": [harsh]}, {"action": "approve", "cases": []},
                    {"action": "approve", "cases": ["x y"]}, {"action": "approve", "cases": [harsh] * 51}):
            assert (await lee.post(url, json=bad)).status_code == 400, bad
    # Nothing moved: both cases are still open and held.
    for case in await instance.deps.cases.get_many([harsh, crisis]):
        assert case.status == "open" and case.post_state == "held"
    body = {"action": "approve", "cases": [harsh]}
    for handle in ("sam", "jordan"):  # a member, and the mentor who hosts the evening room
        async with api(instance, world, handle) as client:
            assert (await client.post(url, json=body)).status_code == 403, handle
    async with api(instance, other, "outsider") as outsider:
        assert (await outsider.post(url, json=body)).status_code == 404
        assert (await outsider.post(f"/api/programs/{other.program}/cases/bulk", json=body)).status_code == 404
    async with httpx.AsyncClient(base_url=instance.url) as anonymous:
        assert (await anonymous.post(url, json=body)).status_code == 401
    assert (await instance.deps.cases.get(harsh)).status == "open"  # type: ignore[union-attr]


async def test_admin_may_share_a_crisis_post_only_when_confirmed(instance: Instance) -> None:
    world = await program_world(instance)
    await post_as(instance, world, "sam", world.rooms["cohort"].id, CRISIS, "c1")
    crisis = await case_for(instance, world, "c1")
    async with api(instance, world, "boss") as admin:
        for body in ({}, {"confirm_crisis": False}, {"note": "fine"}):
            refused = await admin.post(f"/api/cases/{crisis}/approve", json=body)
            assert refused.status_code == 409 and "confirm_crisis" in refused.json()["error"]["detail"]
        assert (await instance.deps.cases.get(crisis)).post_state == "held"  # type: ignore[union-attr]
        assert (await admin.post(f"/api/cases/{crisis}/approve", json={"confirm_crisis": "yes"})).status_code == 400
        done = await admin.post(f"/api/cases/{crisis}/approve", json={"confirm_crisis": True, "resolve": False})
        assert done.status_code == 200
        assert done.json()["case"]["post_state"] == "approved" and done.json()["case"]["status"] == "claimed"


async def test_unmute_and_lift_take_effect_live_on_every_instance(pair: tuple[Instance, Instance]) -> None:
    a_inst, b_inst = pair
    world = await program_world(a_inst)
    cohort = world.rooms["cohort"].id
    sam_id = world.people["sam"].user.id
    member_url = f"/api/programs/{world.program}/members/{sam_id}"
    async with ws_client(a_inst.ws_url, world.people["sam"].token) as sam:
        await sam.join(cohort)
        await sam.post(cohort, RELAPSE, "r1")
        case_id = await case_for(a_inst, world, "r1")
        async with api(b_inst, world, "lee") as lee:
            assert (await lee.post(f"/api/cases/{case_id}/mute", json={"minutes": 60})).is_success
            await sam.expect("notice", kind="muted")

            async def muted() -> bool:
                await sam.send({"type": "post", "room": cohort, "text": "hello?", "client_id": f"m{len(sam.frames)}"})
                return bool(sam.matching("error", code="muted"))

            await eventually(muted)
            page = (await lee.get(member_url)).json()
            assert [(r["kind"], r["scope"]) for r in page["restrictions"]] == [("mute", "program")]
            lifted = await lee.post(f"{member_url}/unmute", json={"reason": "we talked it through"})
            assert lifted.status_code == 200 and lifted.json()["restrictions"] == []
            notice = await sam.expect("notice", kind="unmuted", room=cohort)
            assert notice["text"].startswith("You can post again")
            # The member's socket on the other instance hears it and re-reads its restrictions (asynchronously,
            # hence the bounded wait): posts are accepted again without reconnecting.
            async def accepted() -> bool:
                client_id = f"after-unmute-{len(sam.frames)}"
                await sam.send({"type": "post", "room": cohort, "text": "thank you, I'm ok", "client_id": client_id})
                answer = await sam.expect("ack", client_id=client_id) if not await _refused(sam, client_id) else None
                return bool(answer and answer["status"] == "published")

            await eventually(accepted)
            again = await lee.post(f"{member_url}/unmute", json={})
            assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"

            # Suspension from the room: out at once; lifted from the case (after resolving), back at once.
            assert (await lee.post(f"/api/cases/{case_id}/suspend", json={"scope": "room"})).is_success
            await sam.expect("left", room=cohort)
            await sam.send({"type": "join", "room": cohort})
            await sam.expect("error", ref=cohort)
            assert (await lee.post(f"/api/cases/{case_id}/resolve", json={"note": "plan in place"})).is_success
            restrictions = (await lee.get(f"/api/cases/{case_id}")).json()["restrictions"]
            assert [(r["kind"], r["room"], r["room_name"], r["until"]) for r in restrictions] == \
                [("suspension", cohort, "cohort", 0)]
            lift = await lee.post(f"/api/cases/{case_id}/lift", json={"scope": "room"})
            assert lift.status_code == 200
            assert [t["action"] for t in lift.json()["case"]["timeline"]][-1] == "lifted.room"
            await sam.expect("notice", kind="unsuspended", room=cohort)
            assert (await sam.join(cohort))["room"] == cohort
            assert (await sam.post(cohort, "glad to be back", "back"))["status"] == "published"
            assert (await lee.post(f"/api/cases/{case_id}/lift", json={"scope": "room"})).status_code == 409

            # A program-wide suspension, lifted from the member page.
            assert (await lee.post(f"/api/cases/{case_id}/unmute", json={})).status_code == 409
            await a_inst.deps.restrictions.suspend(sam_id, f"program:{world.program}", None)
            assert (await lee.post(f"{member_url}/lift", json={"scope": "room"})).status_code == 400
            assert (await lee.post(f"{member_url}/lift", json={"scope": "program"})).status_code == 200
            audit = (await lee.get(f"/api/programs/{world.program}/audit", params={"member": sam_id})).json()
            actions = [e["action"] for e in audit["entries"]]
            assert {"member.unmuted", "case.lifted.room", "member.lifted.program"} <= set(actions)
            unmuted = next(e for e in audit["entries"] if e["action"] == "member.unmuted")
            assert unmuted["reason"] == "we talked it through" and unmuted["subject_handle"] == "sam"


async def _refused(client: Any, client_id: str) -> bool:
    """Wait for the server's answer to one post: True if it was refused with an error frame."""
    async def answered() -> bool:
        return bool(client.matching("ack", client_id=client_id) or client.matching("error", ref=client_id))

    await eventually(answered)
    return bool(client.matching("error", ref=client_id))


async def test_audit_rows_are_readable_and_filter_by_handle(instance: Instance) -> None:
    world = await program_world(instance)
    cohort = world.rooms["cohort"].id
    await post_as(instance, world, "sam", cohort, RELAPSE, "r1")
    shared = await post_as(instance, world, "sam", cohort, "one day at a time", "ok")
    async with ws_client(instance.ws_url, world.people["alex"].token) as alex:
        await alex.join(cohort)
        await alex.send({"type": "report", "room": cohort, "message": shared["id"],
                         "reason": "seems like a cry for help"})
        await alex.expect("reported")
    relapse = await case_for(instance, world, "r1")
    url = f"/api/programs/{world.program}/audit"
    async with api(instance, world, "kim") as kim:
        await kim.post(f"/api/cases/{relapse}/claim", json={})
        await kim.post(f"/api/cases/{relapse}/notes", json={"text": "spoke after group"})
        rows = (await kim.get(url, params={"member_handle": "sam"})).json()["entries"]
        assert rows and {r["subject_handle"] for r in rows} == {"sam"}
        opened = next(r for r in rows if r["action"] == "case.open.flag")
        assert opened["explanation"] == "used again / relapsed" and opened["rule"] == "relapse.used_again"
        assert opened["case_status"] == "claimed" and opened["actor"] == "moderation"
        report = next(r for r in rows if r["action"] == "case.open.report")
        assert report["reporter_handle"] == "alex" and report["explanation"] == "seems like a cry for help"
        by_kim = (await kim.get(url, params={"actor_handle": "kim"})).json()["entries"]
        assert {r["action"] for r in by_kim} == {"case.claimed", "case.note"}
        assert {r["actor_handle"] for r in by_kim} == {"kim"}
        assert (await kim.get(url, params={"member_handle": "nobody-here"})).json()["entries"] == []
        # Paging: the cursor leads on to older entries and never repeats one.
        first = (await kim.get(url, params={"limit": 2})).json()
        assert len(first["entries"]) == 2 and first["next_before"] == first["entries"][-1]["id"]
        second = (await kim.get(url, params={"limit": 2, "before": first["next_before"]})).json()
        assert not {r["id"] for r in first["entries"]} & {r["id"] for r in second["entries"]}
    other = await _other_program(instance)
    async with api(instance, other, "outsider") as outsider:
        # A handle from another program is no way in.
        assert (await outsider.get(f"/api/programs/{other.program}/audit",
                                   params={"member_handle": "sam"})).json()["entries"] == []


async def test_member_page_for_program_staff_only(instance: Instance) -> None:
    world = await program_world(instance)
    other = await _other_program(instance)
    cohort = world.rooms["cohort"].id
    await post_as(instance, world, "sam", cohort, RELAPSE, "r1")
    await post_as(instance, world, "sam", cohort, HARSH, "h1")
    relapse = await case_for(instance, world, "r1")
    sam_id = world.people["sam"].user.id
    url = f"/api/programs/{world.program}/members/{sam_id}"
    due = now_ms() + 3_600_000
    async with api(instance, world, "lee") as lee:
        await lee.post(f"/api/cases/{relapse}/notes", json={"text": "sponsor is aware"})
        await lee.post(f"/api/cases/{relapse}/followups", json={"kind": "group", "note": "Thursday group", "due": due})
        await lee.post(f"/api/cases/{relapse}/mute", json={"minutes": 30})
        page = await lee.get(url)
        assert page.status_code == 200
        body = page.json()
        assert (body["id"], body["handle"], body["role"]) == (sam_id, "sam", "member")
        assert {c["source"] for c in body["cases"]} == {"flag", "hold"}
        notes = [(n["text"], n["actor_handle"], n["case"]) for n in body["notes"]]
        assert notes == [("sponsor is aware", "lee", relapse)]
        assert [(f["note"], f["done"]) for f in body["followups"]] == [("Thursday group", False)]
        assert [r["kind"] for r in body["restrictions"]] == ["mute"]
        assert "checkins" not in body, "check-ins are not built: nothing may pretend otherwise"
        assert (await lee.get(f"/api/programs/{world.program}/members/u_nobody")).status_code == 404
        assert (await lee.get(f"/api/programs/{world.program}/members/"
                              f"{other.people['stranger'].user.id}")).status_code == 404
    async with api(instance, world, "boss") as admin:
        assert (await admin.get(url)).status_code == 200
    for handle in ("alex", "sam", "jordan"):
        async with api(instance, world, handle) as client:
            assert (await client.get(url)).status_code == 404, handle
            assert (await client.post(f"{url}/unmute", json={})).status_code == 404, handle
    async with api(instance, other, "outsider") as outsider:
        assert (await outsider.get(url)).status_code == 404
        assert (await outsider.post(f"{url}/lift", json={"scope": "program"})).status_code == 404
    async with httpx.AsyncClient(base_url=instance.url) as anonymous:
        assert (await anonymous.get(url)).status_code == 401


async def test_case_names_people_by_handle_and_oncall_status(instance: Instance) -> None:
    world = await program_world(instance)
    await post_as(instance, world, "sam", world.rooms["cohort"].id, RELAPSE, "r1")
    relapse = await case_for(instance, world, "r1")
    status_url = f"/api/programs/{world.program}/oncall/status"
    async with api(instance, world, "kim") as kim:
        await kim.post(f"/api/cases/{relapse}/claim", json={})
    async with api(instance, world, "lee") as lee:
        detail = (await lee.get(f"/api/cases/{relapse}")).json()
        assert detail["handles"] == {world.people["kim"].user.id: "kim"}
        assert (await lee.get(status_url)).json() == {"configured": False, "can_configure": False}
    async with api(instance, world, "boss") as admin:
        assert (await admin.get(status_url)).json() == {"configured": False, "can_configure": True}
        configured = await admin.put(f"/api/programs/{world.program}/oncall",
                                     json={"url": "https://pager.example/hook", "secret": "s" * 20})
        assert configured.status_code == 200
        assert (await admin.get(status_url)).json()["configured"] is True
    async with api(instance, world, "sam") as sam:
        assert (await sam.get(status_url)).status_code == 403


@pytest.mark.parametrize(("action", "body"), [("unmute", {}), ("lift", {"scope": "room"})])
async def test_case_level_unmute_and_lift_are_for_program_staff(
    instance: Instance, action: str, body: dict[str, Any]
) -> None:
    world = await program_world(instance)
    other = await _other_program(instance)
    await post_as(instance, world, "sam", world.rooms["cohort"].id, RELAPSE, "r1")
    case_id = await case_for(instance, world, "r1")
    sam_id = world.people["sam"].user.id
    await instance.deps.restrictions.mute(sam_id, 30)
    await instance.deps.restrictions.suspend(sam_id, f"room:{world.rooms['cohort'].id}", None)
    url = f"/api/cases/{case_id}/{action}"
    for handle in ("sam", "alex", "jordan"):
        async with api(instance, world, handle) as client:
            assert (await client.post(url, json=body)).status_code == 403, handle
    async with api(instance, other, "outsider") as outsider:
        assert (await outsider.post(url, json=body)).status_code == 404
    async with httpx.AsyncClient(base_url=instance.url) as anonymous:
        assert (await anonymous.post(url, json=body)).status_code == 401
    muted, suspended = await instance.deps.restrictions.in_force(sam_id, [f"room:{world.rooms['cohort'].id}"])
    assert muted and suspended, "refused requests changed nothing"
    async with api(instance, world, "lee") as lee:
        assert (await lee.post(url, json={**body, "sneaky": True})).status_code == 400
        assert (await lee.post(url, json=body)).status_code == 200
        assert (await lee.post(url, json=body)).status_code == 409
