"""On-call end to end: an admin configures the webhook, a crisis post pushes it, a counselor acknowledges."""

from __future__ import annotations

import pytest

from service.base.models import Role
from tests.helpers import Instance, World, eventually
from tests.redis.review_helpers import CRISIS, api, case_for, post_as, program_world
from tests.redis.test_oncall import SECRET, Receiver, receiver

pytestmark = pytest.mark.redis
__all__ = ["receiver"]


async def test_crisis_post_pushes_signed_alert_and_ack_is_recorded(instance: Instance, receiver: Receiver) -> None:
    world = await program_world(instance)
    async with api(instance, world, "boss") as admin:
        put = await admin.put(f"/api/programs/{world.program}/oncall",
                              json={"url": receiver.url, "secret": SECRET, "realert_minutes": 0})
        assert put.status_code == 200
        shown = (await admin.get(f"/api/programs/{world.program}/oncall")).json()["oncall"]
        assert shown["has_secret"] is True and SECRET not in str(shown)
    await post_as(instance, world, "sam", world.rooms["cohort"].id, CRISIS, "crisis-oncall")
    case_id = await case_for(instance, world, "crisis-oncall")
    alert = await receiver.next()
    assert alert.valid and alert.payload["case"]["id"] == case_id
    assert CRISIS not in alert.body.decode() and "sam" not in alert.body.decode()

    async def delivered() -> bool:
        case = await instance.deps.cases.get(case_id)
        return bool(case and case.delivery and case.delivery.status == "delivered")

    await eventually(delivered)
    async with api(instance, world, "lee") as lee:
        acked = await lee.post(f"/api/cases/{case_id}/acknowledge", json={})
        assert acked.status_code == 200
        delivery = acked.json()["case"]["delivery"]
        assert delivery["acknowledged_by"] == world.people["lee"].user.id and delivery["acknowledged_at"] > 0


async def test_only_admins_of_the_program_configure_oncall(instance: Instance) -> None:
    world = await program_world(instance)
    other = World(instance.deps)
    await other.make_program("Elsewhere")
    await other.make_person("otheradmin", Role.ADMIN)
    url = f"/api/programs/{world.program}/oncall"
    body = {"url": "https://oncall.example/hook", "secret": SECRET}
    for handle in ("sam", "jordan", "lee"):
        async with api(instance, world, handle) as client:
            assert (await client.put(url, json=body)).status_code == 403
            assert (await client.get(url)).status_code == 403
    async with api(instance, other, "otheradmin") as outsider:
        assert (await outsider.put(url, json=body)).status_code == 404
    async with api(instance, world, "boss") as admin:
        bad = await admin.put(url, json={"url": "ftp://x", "secret": SECRET})
        assert bad.status_code == 400
        short = await admin.put(url, json={"url": "https://oncall.example/hook", "secret": "short"})
        assert short.status_code == 400
        assert (await admin.put(url, json=body)).status_code == 200
        assert (await admin.delete(url)).status_code == 204
        assert (await admin.get(url)).json() == {"oncall": None}
