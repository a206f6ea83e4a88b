"""The between-sessions inbox after a scripted day of activity."""

from __future__ import annotations

import pytest

from service.base.ids import now_ms
from tests.helpers import Instance, ws_client
from tests.redis.review_helpers import CRISIS, RELAPSE, api, case_for, post_as, program_world

pytestmark = pytest.mark.redis


async def test_inbox_shows_what_happened_since_last_visit(instance: Instance) -> None:
    world = await program_world(instance)
    cohort, evening = world.rooms["cohort"].id, world.rooms["evening"].id
    async with api(instance, world, "lee") as lee:
        first = (await lee.get(f"/api/programs/{world.program}/inbox")).json()
        assert first["open_cases"] == [] and first["followups_due"] == []

        # The day: ordinary chat, a relapse, a crisis in the evening room, a report.
        for i in range(3):
            await post_as(instance, world, "alex", cohort, f"good group today {i}", f"chat-{i}")
        await post_as(instance, world, "sam", cohort, RELAPSE, "relapse")
        await post_as(instance, world, "sam", evening, CRISIS, "crisis")
        shared = await post_as(instance, world, "alex", evening, "I'm grateful for this room", "grateful")
        async with ws_client(instance.ws_url, world.people["sam"].token) as sam:
            await sam.join(evening)
            await sam.send({"type": "report", "room": evening, "message": shared["id"], "reason": "test"})
            await sam.expect("reported")
        relapse_case = await case_for(instance, world, "relapse")
        due_soon = now_ms() + 3_600_000
        await lee.post(f"/api/cases/{relapse_case}/followups",
                       json={"kind": "group", "note": "Thursday group", "due": due_soon})
        await lee.post(f"/api/cases/{relapse_case}/followups",
                       json={"kind": "one_on_one", "note": "next month", "due": now_ms() + 30 * 86_400_000})

        inbox = (await lee.get(f"/api/programs/{world.program}/inbox")).json()
        assert inbox["since"] == first["now"]
        open_cases = inbox["open_cases"]
        assert len(open_cases) == 3 and open_cases[0]["categories"][0] == "crisis"
        assert {c["source"] for c in open_cases} == {"crisis", "flag", "report"}
        assert [f["note"] for f in inbox["followups_due"]] == ["Thursday group"]
        rooms = {r["name"]: r for r in inbox["rooms"]}
        assert rooms["cohort"]["posts"] == 4 and rooms["cohort"]["flags"] == 1
        assert rooms["evening"]["posts"] == 1 and rooms["evening"]["flags"] == 2
        sam_id = world.people["sam"].user.id
        assert rooms["cohort"]["signals"] == [{"member": sam_id, "handle": "sam", "categories": ["relapse"]}]
        assert rooms["evening"]["signals"] == [{"member": sam_id, "handle": "sam", "categories": ["crisis"]}]

        # A second visit with nothing new: nothing new since, but open work is still there.
        again = (await lee.get(f"/api/programs/{world.program}/inbox")).json()
        assert again["since"] == inbox["now"] and again["new_cases"] == []
        assert len(again["open_cases"]) == 3
        assert all(r["posts"] == 0 for r in again["rooms"])
    # Each counselor has their own "last visit".
    async with api(instance, world, "kim") as kim:
        theirs = (await kim.get(f"/api/programs/{world.program}/inbox")).json()
        assert len(theirs["new_cases"]) == 3
