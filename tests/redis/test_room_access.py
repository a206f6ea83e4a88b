"""Room access checks the program and the room's kind before any member list: a member never
reaches a staff room by any path."""

from __future__ import annotations

import pytest

from service.base.models import Role, RoomKind
from tests.helpers import Instance, World, http, ws_client

pytestmark = pytest.mark.redis


async def test_a_member_is_never_in_a_staff_room(instance: Instance, world: World) -> None:
    staff = await world.make_room("staff", RoomKind.STAFF)
    sam = await world.make_person("sam")
    boss = await world.make_person("boss", Role.ADMIN)
    jordan = await world.make_person("jordan", Role.MENTOR)
    async with await http(instance) as client:
        added = await client.post(f"/api/rooms/{staff.id}/members", json={"user": sam.user.id},
                                  headers={"authorization": f"Bearer {boss.token}"})
        assert added.status_code == 403 and added.json()["error"]["code"] == "forbidden"
        mentor = await client.post(f"/api/rooms/{staff.id}/members", json={"user": jordan.user.id},
                                   headers={"authorization": f"Bearer {boss.token}"})
        assert mentor.status_code == 200
    # Even if a member list somehow names sam (an old record, a bug elsewhere), the kind decides.
    await instance.deps.directory.add_room_member(staff, sam.user.id)
    async with await http(instance) as client:
        listed = await client.get("/api/rooms", headers={"authorization": f"Bearer {sam.token}"})
        assert staff.id not in [r["id"] for r in listed.json()["rooms"]]
    async with ws_client(instance.ws_url, sam.token) as socket:
        await socket.send({"type": "join", "room": staff.id})
        refused = await socket.expect("error", ref=staff.id)
        assert refused["code"] == "forbidden"
    async with ws_client(instance.ws_url, jordan.token) as socket:
        assert (await socket.join(staff.id))["room"] == staff.id


async def test_a_host_of_another_program_cannot_enter(instance: Instance, world: World) -> None:
    elsewhere = await instance.deps.directory.create_program("Other IOP")
    outsider = await world.make_person("kit", Role.MENTOR, programs=[elsewhere.id])
    room = await world.make_room("evening", RoomKind.EVENING, hosts=[outsider.user.id])
    async with ws_client(instance.ws_url, outsider.token) as socket:
        await socket.send({"type": "join", "room": room.id})
        assert (await socket.expect("error", ref=room.id))["code"] == "forbidden"
