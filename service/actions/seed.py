"""Demo data and load-test fixtures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.base.models import Role, RoomKind, User
from service.base.settings import Settings
from service.stores.accounts import Accounts
from service.stores.directory import Directory
from service.stores.keys import AccountKeys
from service.stores.redis_conn import RedisHandle, open_redis

DEMO_PASSWORD = "between-demo"
DEMO_PEOPLE = [
    ("sam", Role.MEMBER),
    ("alex", Role.MEMBER),
    ("jordan", Role.MENTOR),
    ("dr.lee", Role.COUNSELOR),
    ("admin", Role.ADMIN),
]


@dataclass
class Stores:
    """Account and directory stores for command-line tools (no broker, no sockets)."""

    handle: RedisHandle
    accounts: Accounts
    directory: Directory

    async def aclose(self) -> None:
        """Disconnect."""
        await self.handle.aclose()


async def open_stores(settings: Settings) -> Stores:
    """Connect and build the stores."""
    handle = await open_redis(settings)
    keys = AccountKeys(settings.key_prefix)
    accounts = Accounts(handle.client, keys, settings.session_ttl_seconds, settings.argon2_time_cost,
                        settings.argon2_memory_kib)
    return Stores(handle, accounts, Directory(handle.client, keys))


async def seed_demo(stores: Stores) -> dict[str, Any]:
    """Create the demo program once (idempotent) and return what to print."""
    existing = await stores.directory.demo_program()
    if existing:
        program = await stores.directory.program(existing)
        if program is not None:
            rooms = await stores.directory.rooms_of_program(program.id)
            return {"program": program.name, "rooms": [r.name for r in rooms], "password": DEMO_PASSWORD,
                    "people": DEMO_PEOPLE}
    program = await stores.directory.create_program("Dallas evening IOP (demo)")
    users: dict[str, User] = {}
    for handle, role in DEMO_PEOPLE:
        user = await stores.accounts.by_handle(handle)
        if user is None:
            user = await stores.accounts.create_user(handle, DEMO_PASSWORD, role, [program.id])
        elif program.id not in user.programs:
            user.programs.append(program.id)
            await stores.accounts.save(user)
        users[handle] = user
    await stores.directory.create_room(program.id, "Tuesday cohort", RoomKind.COHORT)
    await stores.directory.create_room(program.id, "Evening check-in", RoomKind.EVENING, hosts=[users["jordan"].id])
    await stores.directory.create_room(program.id, "Staff room", RoomKind.STAFF)
    await stores.directory.mark_demo_program(program.id)
    rooms = await stores.directory.rooms_of_program(program.id)
    return {"program": program.name, "rooms": [r.name for r in rooms], "password": DEMO_PASSWORD,
            "people": DEMO_PEOPLE}


async def make_fixture(stores: Stores, members: int, rooms: int, staff: int = 0) -> dict[str, Any]:
    """A program with ``rooms`` rooms and ``members`` signed-in members spread evenly over them."""
    program = await stores.directory.create_program(f"Load fixture {members}x{rooms}")
    room_list = [await stores.directory.create_room(program.id, f"room {i + 1}") for i in range(rooms)]
    out_members = []
    # Fixture accounts sign in with their token only: no password to hash, so thousands are cheap.
    for i in range(members):
        room = room_list[i % rooms]
        user = await stores.accounts.create_user(f"m{i}_{program.id[2:8]}", None, Role.MEMBER, [program.id])
        room.members.append(user.id)
        token = await stores.accounts.create_session(user)
        out_members.append({"id": user.id, "handle": user.handle, "token": token, "rooms": [room.id]})
    for room in room_list:
        await stores.directory.save_room(room)
    return {"program": program.id, "rooms": [r.id for r in room_list], "members": out_members}
