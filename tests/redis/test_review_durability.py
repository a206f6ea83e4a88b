"""Leases, concurrent claims across instances, and cases surviving app and Redis restarts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from channels.keys import LeaseKeys
from tests.helpers import Instance, eventually, running
from tests.redis.review_helpers import CRISIS, RELAPSE, api, case_for, post_as, program_world
from tests.redis_server import RedisProcess

pytestmark = pytest.mark.redis


async def test_lease_expires_and_another_counselor_can_claim(instance: Instance) -> None:
    world = await program_world(instance)
    await post_as(instance, world, "sam", world.rooms["cohort"].id, RELAPSE, "r-1")
    case_id = await case_for(instance, world, "r-1")
    lee, kim = world.people["lee"].user.id, world.people["kim"].user.id
    async with api(instance, world, "kim") as kim_api, api(instance, world, "lee") as lee_api:
        assert (await lee_api.post(f"/api/cases/{case_id}/claim", json={})).status_code == 200
        taken = await kim_api.post(f"/api/cases/{case_id}/claim", json={})
        assert taken.status_code == 409 and lee in taken.json()["error"]["detail"]
        assert (await kim_api.post(f"/api/cases/{case_id}/warn", json={"text": "hi"})).status_code == 409
        # Lee walks away: the lease runs out (shortened here so the test need not wait 15 minutes).
        await instance.deps.handle.client.pexpire(LeaseKeys(instance.settings.key_prefix).lease(f"case:{case_id}"), 50)
        await eventually(lambda: _unclaimed(instance, case_id))
        reclaimed = await kim_api.post(f"/api/cases/{case_id}/claim", json={})
        assert reclaimed.status_code == 200 and reclaimed.json()["case"]["assignee"] == kim
        assert (await lee_api.post(f"/api/cases/{case_id}/resolve", json={"note": "x"})).status_code == 409


async def _unclaimed(instance: Instance, case_id: str) -> bool:
    return await instance.deps.cases.holder(case_id) is None


async def test_store_lease_expiry_without_shortcuts(instance: Instance) -> None:
    world = await program_world(instance)
    await post_as(instance, world, "sam", world.rooms["cohort"].id, RELAPSE, "r-2")
    case_id = await case_for(instance, world, "r-2")
    assert await instance.deps.cases.claim(case_id, "u_lee", 150)
    assert not await instance.deps.cases.claim(case_id, "u_kim", 150)
    await eventually(lambda: instance.deps.cases.claim(case_id, "u_kim", 10_000), timeout=3)
    assert await instance.deps.cases.holder(case_id) == "u_kim"


async def test_concurrent_claims_on_two_instances_exactly_one_wins(pair: tuple[Instance, Instance]) -> None:
    a_inst, b_inst = pair
    world = await program_world(a_inst)
    room = world.rooms["cohort"].id
    for i in range(8):
        await post_as(a_inst, world, "sam", room, f"{RELAPSE} ({i})", f"r-{i}")
    cases = [c.id for c in await a_inst.deps.cases.open_queue(world.program)]
    assert len(cases) == 8
    async with api(a_inst, world, "lee") as lee, api(b_inst, world, "kim") as kim:
        for case_id in cases:
            results = await asyncio.gather(
                lee.post(f"/api/cases/{case_id}/claim", json={}), kim.post(f"/api/cases/{case_id}/claim", json={})
            )
            assert sorted(r.status_code for r in results) == [200, 409], case_id


async def test_open_cases_survive_app_restart_and_redis_restart_with_aof(
    make_settings: Callable[..., Any], redis_process_factory: Callable[..., RedisProcess],
) -> None:
    server = redis_process_factory(appendonly=True).start()
    settings = make_settings(redis_url=server.url)
    async with running(settings) as inst:
        world = await program_world(inst)
        room = world.rooms["cohort"].id
        await post_as(inst, world, "sam", room, CRISIS, "c-1")
        await post_as(inst, world, "alex", room, RELAPSE, "r-1")
        ack = await post_as(inst, world, "alex", room, "plain hello", "p-1")
        before = [(c.id, c.source.value) for c in await inst.deps.cases.open_queue(world.program)]
        assert len(before) == 2
    # The app restarts.
    async with running(settings) as inst:
        assert [(c.id, c.source.value) for c in await inst.deps.cases.open_queue(world.program)] == before
    # Redis restarts (clean stop, then a crash), reloading its append-only file each time.
    for kill in (False, True):
        server.stop(kill=kill)
        server.start()
        async with running(settings) as inst:
            assert [(c.id, c.source.value) for c in await inst.deps.cases.open_queue(world.program)] == before
            assert [entry_id for entry_id, _ in await inst.deps.history.latest(room, 10)][-1] == ack["id"]
            async with api(inst, world, "lee") as lee:
                detail = (await lee.get(f"/api/cases/{before[0][0]}")).json()["case"]
                assert detail["post"]["text"] == CRISIS


@pytest.mark.parametrize("action", ["claim", "warn", "approve", "followups"])
async def test_a_redis_outage_during_a_review_action_answers_503_then_recovers(
    make_settings: Callable[..., Any], redis_process_factory: Callable[..., RedisProcess], action: str,
) -> None:
    server = redis_process_factory(appendonly=True).start()
    async with running(make_settings(redis_url=server.url)) as inst:
        world = await program_world(inst)
        await post_as(inst, world, "alex", world.rooms["cohort"].id, RELAPSE, "r-1")
        case_id = await case_for(inst, world, "r-1")
        bodies = {"claim": {}, "warn": {"text": "checking in"}, "approve": {},
                  "followups": {"kind": "group", "note": "talk in group", "due": 2_000_000_000_000}}
        async with api(inst, world, "lee") as lee:
            server.stop(kill=True)
            down = await lee.post(f"/api/cases/{case_id}/{action}", json=bodies[action])
            assert down.status_code == 503, down.text
            assert down.json()["error"]["code"] == "unavailable"
            assert down.headers["retry-after"]
            server.start()
            # The client's pool reconnects by itself; the same request now goes through.
            async def answered() -> Any:
                response = await lee.post(f"/api/cases/{case_id}/{action}", json=bodies[action])
                return response if response.status_code != 503 else None

            back = await eventually(answered)
            assert back.status_code in (200, 201, 409), back.text
