"""Stored structures of accounts and the program directory (msgpack in Redis)."""

from __future__ import annotations

from enum import StrEnum

import msgspec


class Role(StrEnum):
    """What a person may do; ordered by privilege."""

    MEMBER = "member"
    MENTOR = "mentor"
    COUNSELOR = "counselor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Privilege order: member < mentor < counselor < admin."""
        return _RANK[self]

    @property
    def is_staff(self) -> bool:
        """Counselors and admins: may see cases and audit."""
        return self.rank >= _RANK[Role.COUNSELOR]


_RANK = {Role.MEMBER: 0, Role.MENTOR: 1, Role.COUNSELOR: 2, Role.ADMIN: 3}


class RoomKind(StrEnum):
    """Cohort rooms are always open; evening rooms are hosted; staff rooms exclude members."""

    COHORT = "cohort"
    EVENING = "evening"
    STAFF = "staff"


class User(msgspec.Struct, kw_only=True):
    """A pseudonymous account."""

    id: str
    handle: str
    role: Role
    programs: list[str] = msgspec.field(default_factory=list)
    password_hash: str = ""
    created: int = 0
    disabled: bool = False


class Program(msgspec.Struct, kw_only=True):
    """One clinic/location's program."""

    id: str
    name: str
    timezone: str = "America/Chicago"
    created: int = 0


class Room(msgspec.Struct, kw_only=True):
    """A chat room of a program."""

    id: str
    program: str
    name: str
    kind: RoomKind = RoomKind.COHORT
    hosts: list[str] = msgspec.field(default_factory=list)
    members: list[str] = msgspec.field(default_factory=list)
    created: int = 0


class Invite(msgspec.Struct, kw_only=True):
    """An invite code's terms (the code itself is stored only as a hash)."""

    program: str
    role: Role
    expires: int
    created_by: str
    rooms: list[str] = msgspec.field(default_factory=list)


class Session(msgspec.Struct, kw_only=True):
    """A login session (the token itself is stored only as a hash)."""

    user: str
    created: int
    expires: int


msgpack_encoder = msgspec.msgpack.Encoder()
user_decoder = msgspec.msgpack.Decoder(User)
program_decoder = msgspec.msgpack.Decoder(Program)
room_decoder = msgspec.msgpack.Decoder(Room)
invite_decoder = msgspec.msgpack.Decoder(Invite)
session_decoder = msgspec.msgpack.Decoder(Session)
