"""Demo data and load-test fixtures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from channels.history import History, RateLimit, Retention
from service.base.ids import now_ms
from service.base.models import Role, Room, RoomKind, User
from service.base.settings import Settings
from service.protocol import Author
from service.stores.accounts import Accounts
from service.stores.directory import Directory
from service.stores.keys import AccountKeys
from service.stores.messages import StoredPost, append_post
from service.stores.redis_conn import RedisHandle, open_redis

DEMO_PASSWORD = "between-demo"
DEMO_PEOPLE = [
    ("sam", Role.MEMBER),
    ("alex", Role.MEMBER),
    ("jordan", Role.MENTOR),
    ("dr.lee", Role.COUNSELOR),
    ("admin", Role.ADMIN),
]
DEMO_PROGRAM = "Dallas evening IOP (demo)"
COHORT_ROOM, EVENING_ROOM, STAFF_ROOM = "Tuesday cohort", "Evening check-in", "Staff room"

# What the rooms say on first open, oldest first: (room, author, text). Ordinary words only, so the
# moderation rules and model publish every one unflagged (tests/redis/test_service_setup.py checks).
DEMO_MESSAGES = [
    (COHORT_ROOM, "dr.lee", "Welcome to the Tuesday cohort room. It's here for the days between group: share "
                            "what's working, ask for a hand, cheer each other on. I read along between sessions."),
    (COHORT_ROOM, "alex", "Made it to work and back without stopping at the store. First time this week."),
    (COHORT_ROOM, "jordan", "That's a real win, alex. That drive is the hard part for a lot of us."),
    (COHORT_ROOM, "sam", "Rough afternoon, but I called my sponsor instead of spiraling. Thirty days tomorrow."),
    (COHORT_ROOM, "alex", "Thirty days! Proud of you, sam."),
    (COHORT_ROOM, "jordan", "Anyone up for the Thursday walk before group? 6:15 by the library."),
    (EVENING_ROOM, "jordan", "Evening check-in is open. How did today go? One word is plenty, and small wins count."),
    (EVENING_ROOM, "sam", "Tired but okay. Cooked dinner instead of ordering out, first time in a while."),
    (EVENING_ROOM, "alex", "Good day. Slept through the night for the first time in weeks."),
    (EVENING_ROOM, "jordan", "Love that, both of you. Be gentle with yourselves tonight."),
]


@dataclass
class Stores:
    """Account, directory and history stores for command-line tools (no broker, no sockets)."""

    handle: RedisHandle
    accounts: Accounts
    directory: Directory
    history: History

    async def aclose(self) -> None:
        """Disconnect."""
        await self.handle.aclose()


async def open_stores(settings: Settings) -> Stores:
    """Connect and build the stores."""
    handle = await open_redis(settings)
    keys = AccountKeys(settings.key_prefix)
    accounts = Accounts(handle.client, keys, settings.session_ttl_seconds, settings.argon2_time_cost,
                        settings.argon2_memory_kib)
    history = History(handle.client, settings.key_prefix,
                      Retention(settings.history_max_len, settings.history_max_age_ms),
                      settings.idempotency_ttl_seconds * 1000)
    return Stores(handle, accounts, Directory(handle.client, keys), history)


async def seed_demo(stores: Stores) -> dict[str, Any]:
    """Create the demo program once (idempotent) and return what to print."""
    existing = await stores.directory.demo_program()
    if existing:
        program = await stores.directory.program(existing)
        if program is not None:
            rooms = await stores.directory.rooms_of_program(program.id)
            return {"program": program.name, "rooms": [r.name for r in rooms], "password": DEMO_PASSWORD,
                    "people": DEMO_PEOPLE}
    program = await stores.directory.create_program(DEMO_PROGRAM)
    users: dict[str, User] = {}
    for handle, role in DEMO_PEOPLE:
        user = await stores.accounts.by_handle(handle)
        if user is None:
            user = await stores.accounts.create_user(handle, DEMO_PASSWORD, role, [program.id])
        elif program.id not in user.programs:
            user.programs.append(program.id)
            await stores.accounts.save(user)
        users[handle] = user
    cohort = await stores.directory.create_room(program.id, COHORT_ROOM, RoomKind.COHORT)
    evening = await stores.directory.create_room(program.id, EVENING_ROOM, RoomKind.EVENING,
                                                 hosts=[users["jordan"].id])
    await stores.directory.create_room(program.id, STAFF_ROOM, RoomKind.STAFF)
    await seed_messages(stores.history, {COHORT_ROOM: cohort, EVENING_ROOM: evening}, users)
    # Marked last: a seed cut short is started again from scratch rather than left half-made.
    await stores.directory.mark_demo_program(program.id)
    rooms = await stores.directory.rooms_of_program(program.id)
    return {"program": program.name, "rooms": [r.name for r in rooms], "password": DEMO_PASSWORD,
            "people": DEMO_PEOPLE}


async def seed_messages(history: History, rooms: dict[str, Room], users: dict[str, User]) -> None:
    """Write the demo conversation through the post path's history append (same encoding and frame)."""
    for i, (room_name, handle, text) in enumerate(DEMO_MESSAGES):
        user, room = users[handle], rooms[room_name]
        post = StoredPost(author=Author(id=user.id, handle=user.handle, role=user.role.value), text=text,
                          ts=now_ms(), client_id=f"demo-{i}")
        # No rate limit (the seed writes several posts per author at once); the client id still makes a
        # retried seed idempotent.
        await append_post(history, room.id, post, RateLimit(0, 0))


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
