"""Shared set-up for counselor-queue tests: a program, people, and cases made through real posts."""

from __future__ import annotations

from typing import Any

import httpx

from service.base.models import Role, RoomKind
from tests.helpers import Instance, World, ws_client

CRISIS = "I can't do this anymore, I want to kill myself tonight"
RELAPSE = "I relapsed last night and used again after 90 days"


async def program_world(inst: Instance) -> World:
    """Program with a cohort room, an evening room hosted by a mentor, and one person per role."""
    world = World(inst.deps)
    await world.make_program()
    await world.make_room("cohort")
    await world.make_person("sam")
    await world.make_person("alex")
    mentor = await world.make_person("jordan", Role.MENTOR)
    await world.make_room("evening", RoomKind.EVENING, hosts=[mentor.user.id])
    await world.make_person("lee", Role.COUNSELOR)
    await world.make_person("kim", Role.COUNSELOR)
    await world.make_person("boss", Role.ADMIN)
    return world


async def post_as(inst: Instance, world: World, handle: str, room: str, text: str, client_id: str) -> dict[str, Any]:
    """Post over a real socket and return the ack."""
    async with ws_client(inst.ws_url, world.people[handle].token) as client:
        await client.join(room)
        return await client.post(room, text, client_id)


async def case_for(inst: Instance, world: World, client_id: str) -> str:
    """The id of the open case whose post had this client id."""
    for case in await inst.deps.cases.open_queue(world.program):
        if case.post and case.post.client_id == client_id:
            return case.id
    raise AssertionError(f"no case for {client_id}")


def api(inst: Instance, world: World, handle: str) -> httpx.AsyncClient:
    """An HTTP client authenticated as one person."""
    return httpx.AsyncClient(base_url=inst.url, timeout=5,
                             headers={"authorization": f"Bearer {world.people[handle].token}"})
