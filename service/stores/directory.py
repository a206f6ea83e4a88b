"""Programs, rooms and invites, and who may enter which room."""

from __future__ import annotations

from redis.asyncio import Redis

from service.base.errors import ErrorCode, Reject
from service.base.ids import new_id, new_invite_code, now_ms, token_hash
from service.base.models import (
    Invite,
    Program,
    Role,
    Room,
    RoomKind,
    User,
    invite_decoder,
    msgpack_encoder,
    program_decoder,
    room_decoder,
)
from service.stores.keys import AccountKeys
from service.stores.redis_conn import reply_bytes, reply_text

MAX_NAME = 80


def _check_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise Reject(ErrorCode.INVALID, f"name must be 1-{MAX_NAME} characters")
    return name


def may_join(user: User, room: Room) -> bool:
    """Least privilege: your program's open rooms, rooms you were added to, staff rooms for staff.

    The program and the room's kind are checked before any list: a member can never be in a staff
    room, whatever a member list says (however it came to say it)."""
    if room.program not in user.programs:
        return False
    if room.kind is RoomKind.STAFF:
        return user.role.rank >= Role.MENTOR.rank
    if user.id in room.members or user.id in room.hosts:
        return True
    # Rooms with a member list are cohort-restricted; counselors and admins of the program may enter.
    return not room.members or user.role.is_staff


def is_host(user: User, room: Room) -> bool:
    """Hosts may hide posts in their room pending review; program staff host every room."""
    return user.id in room.hosts or (user.role.is_staff and room.program in user.programs)


class Directory:
    """Programs, rooms and invites in Redis."""

    def __init__(self, redis: Redis, keys: AccountKeys) -> None:
        self._redis = redis
        self.keys = keys

    async def create_program(self, name: str, timezone: str = "America/Chicago") -> Program:
        """A new program."""
        program = Program(id=new_id("p"), name=_check_name(name), timezone=timezone, created=now_ms())
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(self.keys.program(program.id), msgpack_encoder.encode(program))
        pipe.sadd(self.keys.programs, program.id)
        await pipe.execute()
        return program

    async def program(self, program_id: str) -> Program | None:
        """A program by id."""
        raw = await self._redis.get(self.keys.program(program_id))
        return program_decoder.decode(reply_bytes(raw)) if raw else None

    async def programs(self, ids: list[str]) -> list[Program]:
        """Programs by id."""
        if not ids:
            return []
        raws = await self._redis.mget([self.keys.program(p) for p in ids])
        return [program_decoder.decode(reply_bytes(r)) for r in raws if r]

    async def find_programs(self, id_or_name: str) -> list[Program]:
        """The program with this id, else every program with this name (case-insensitive), oldest first."""
        wanted = id_or_name.strip()
        by_id = await self.program(wanted)
        if by_id is not None:
            return [by_id]
        # Only admin tools look programs up by name, and a deployment has few programs: a scan is fine.
        ids = sorted(reply_text(m) for m in await self._redis.smembers(self.keys.programs))
        named = [p for p in await self.programs(ids) if p.name.casefold() == wanted.casefold()]
        return sorted(named, key=lambda p: (p.created, p.id))

    async def create_room(
        self, program_id: str, name: str, kind: RoomKind = RoomKind.COHORT, hosts: list[str] | None = None
    ) -> Room:
        """A new room in a program."""
        if await self.program(program_id) is None:
            raise Reject(ErrorCode.NOT_FOUND, "no such program", status=404)
        room = Room(
            id=new_id("r"), program=program_id, name=_check_name(name), kind=kind, hosts=hosts or [], created=now_ms()
        )
        await self.save_room(room)
        return room

    async def save_room(self, room: Room) -> None:
        """Write a room record."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(self.keys.room(room.id), msgpack_encoder.encode(room))
        pipe.sadd(self.keys.program_rooms(room.program), room.id)
        await pipe.execute()

    async def room(self, room_id: str) -> Room | None:
        """A room by id."""
        raw = await self._redis.get(self.keys.room(room_id))
        return room_decoder.decode(reply_bytes(raw)) if raw else None

    async def rooms_of_program(self, program_id: str) -> list[Room]:
        """All rooms of a program, by name."""
        ids = sorted(reply_text(m) for m in await self._redis.smembers(self.keys.program_rooms(program_id)))
        if not ids:
            return []
        raws = await self._redis.mget([self.keys.room(r) for r in ids])
        return sorted((room_decoder.decode(reply_bytes(r)) for r in raws if r), key=lambda room: room.name)

    async def rooms_for(self, user: User) -> list[Room]:
        """Rooms a user may enter."""
        rooms: list[Room] = []
        for program in user.programs:
            rooms.extend(r for r in await self.rooms_of_program(program) if may_join(user, r))
        return rooms

    async def add_room_member(self, room: Room, user_id: str) -> Room:
        """Give one person access to a restricted room."""
        if user_id not in room.members:
            room.members.append(user_id)
            await self.save_room(room)
        return room

    async def create_invite(
        self, program_id: str, role: Role, created_by: str, uses: int = 1, ttl_days: int = 14,
        rooms: list[str] | None = None,
    ) -> str:
        """Issue an invite code for a role in a program; only its hash is stored."""
        if not 1 <= uses <= 1000 or not 1 <= ttl_days <= 90:
            raise Reject(ErrorCode.INVALID, "uses must be 1-1000 and ttl_days 1-90")
        code = new_invite_code()
        digest = token_hash(code)
        ttl_s = ttl_days * 86400
        invite = Invite(program=program_id, role=role, expires=now_ms() + ttl_s * 1000, created_by=created_by,
                        rooms=rooms or [])
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(self.keys.invite(digest), msgpack_encoder.encode(invite), ex=ttl_s)
        pipe.set(self.keys.invite_uses(digest), uses, ex=ttl_s)
        await pipe.execute()
        return code

    async def claim_invite(self, code: str) -> Invite:
        """Use up one redemption of an invite, atomically."""
        digest = token_hash(code.strip().upper())
        raw = await self._redis.get(self.keys.invite(digest))
        if not raw:
            raise Reject(ErrorCode.NOT_FOUND, "that invite code is not valid or has expired", status=404)
        left = await self._redis.decr(self.keys.invite_uses(digest))
        if left < 0:
            raise Reject(ErrorCode.NOT_FOUND, "that invite code has been used up", status=404)
        return invite_decoder.decode(reply_bytes(raw))

    async def release_invite(self, code: str) -> None:
        """Give a redemption back (the account could not be created)."""
        await self._redis.incr(self.keys.invite_uses(token_hash(code.strip().upper())))

    async def demo_program(self) -> str | None:
        """The seeded demo program's id, if the demo was seeded."""
        raw = await self._redis.get(self.keys.demo_program)
        return reply_text(raw) if raw else None

    async def mark_demo_program(self, program_id: str) -> None:
        """Remember the demo program, so seeding runs once."""
        await self._redis.set(self.keys.demo_program, program_id)
