"""A member as counselors see them: their cases, notes, follow-ups and restrictions, and lifting those early.

Lifting a mute or a suspension takes effect on every instance at once (``feed.refresh``: each of the member's
sockets re-reads its restrictions) and tells the member, kindly, in the rooms it concerns.
"""

from __future__ import annotations

from moderation.audit import AuditEntry
from moderation.case_types import Case
from service.actions.deps import Deps
from service.base.errors import ErrorCode, Reject
from service.base.ids import now_ms
from service.base.models import User
from service.protocol import MemberFollowUp, MemberNote, Notice, Restriction
from service.stores.directory import may_join

CASES_SHOWN = 100
UNMUTED_TEXT = "You can post again. A counselor lifted the pause on your posting."


async def member_of(deps: Deps, program: str, user_id: str) -> User:
    """A person of ``program``; 404 otherwise (never confirm who exists elsewhere)."""
    member = await deps.accounts.get(user_id)
    if member is None or program not in member.programs:
        raise Reject(ErrorCode.NOT_FOUND, "no such member in this program", status=404)
    return member


async def restrictions_of(deps: Deps, member: str, program: str) -> list[Restriction]:
    """Mutes and suspensions in force for the member in this program, program-wide first."""
    rooms = {room.id: room.name for room in await deps.directory.rooms_of_program(program)}
    scopes = [f"program:{program}", *(f"room:{room}" for room in rooms)]
    muted_until, suspended = await deps.restrictions.in_force(member, scopes)
    found = []
    if muted_until > now_ms():
        found.append(Restriction(kind="mute", scope="program", room=None, room_name=None, until=muted_until))
    for scope, until in suspended.items():
        kind, _, target = scope.partition(":")
        room = target if kind == "room" else None
        found.append(Restriction(kind="suspension", scope="room" if room else "program", room=room,
                                 room_name=rooms.get(room) if room else None, until=until))
    return found


async def _rooms_to_tell(deps: Deps, member: User, program: str, rooms: list[str] | None) -> list[str]:
    """Where the member should read the news: the given rooms, else every program room they may enter
    (a program-wide change concerns each of them, and the client files notices by room)."""
    if rooms is not None:
        return rooms
    return [room.id for room in await deps.directory.rooms_of_program(program) if may_join(member, room)]


async def unmute(deps: Deps, member: User, program: str, rooms: list[str] | None = None) -> None:
    """End the member's mute now; 409 if none is in force."""
    if not await deps.restrictions.unmute(member.id):
        raise Reject(ErrorCode.CONFLICT, f"{member.handle} isn't muted right now", status=409)
    await deps.feed.refresh(member.id, "mute")
    for room in await _rooms_to_tell(deps, member, program, rooms):
        await deps.feed.to_user(member.id, Notice(kind="unmuted", text=UNMUTED_TEXT, room=room))


async def lift(deps: Deps, member: User, program: str, room: str | None) -> None:
    """End the member's suspension from ``room`` (None: from the program) now; 409 if none is in force."""
    scope = f"room:{room}" if room else f"program:{program}"
    if not await deps.restrictions.lift(member.id, scope):
        raise Reject(ErrorCode.CONFLICT, f"{member.handle} isn't suspended from that right now", status=409)
    await deps.feed.refresh(member.id, "suspend")
    where = "the program"
    if room:
        found = await deps.directory.room(room)
        where = found.name if found else "this room"
    text = f"You can post again. Your break from {where} is over."
    for target in await _rooms_to_tell(deps, member, program, [room] if room else None):
        await deps.feed.to_user(member.id, Notice(kind="unsuspended", text=text, room=target))


async def audit_member(deps: Deps, actor: User, program: str, member: User, action: str, reason: str,
                       room: str | None = None) -> None:
    """Record an action on a member taken outside any case."""
    await deps.audit.record(AuditEntry(
        ts=now_ms(), program=program, actor=actor.id, actor_role=actor.role.value, actor_handle=actor.handle,
        action=action, subject=member.id, room=room, reason=reason,
    ))


def notes_of(cases: list[Case]) -> list[MemberNote]:
    """Counselors' notes on the member's cases, newest first."""
    notes = [MemberNote(case=c.id, ts=n.ts, actor_handle=n.actor_handle, text=n.note) for c in cases for n in c.notes]
    return sorted(notes, key=lambda n: n.ts, reverse=True)


def followups_of(cases: list[Case]) -> list[MemberFollowUp]:
    """Follow-ups on the member's cases: open ones first, soonest due first."""
    found = [MemberFollowUp(case=c.id, id=f.id, kind=f.kind, note=f.note, due=f.due, done=f.done)
             for c in cases for f in c.followups]
    return sorted(found, key=lambda f: (f.done, f.due))


async def cases_of(deps: Deps, member: str, program: str) -> list[Case]:
    """The member's recent cases in this program, newest first."""
    return [c for c in await deps.cases.by_author(member, CASES_SHOWN) if c.program == program]
