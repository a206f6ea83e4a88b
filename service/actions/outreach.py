"""Private check-in threads: a program's counselors reach out to one member, and the member can answer.

This is not peer messaging. Only counselors and admins of the member's program start a thread (from a
case or from the member); a member only ever replies in threads started for them; nobody else can read
one (a 404, so a thread's existence is not confirmed either). Every reply from the member is moderated
like a room post: crisis language gives the member the crisis support at once and opens an urgent case,
and the reply still reaches the counselors, who are its right readers. Each start, message and staff
read is audited without its text. New messages reach the member and every counselor of the program on
every instance through their per-user feed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from moderation.audit import AuditEntry
from moderation.case_types import Case, CasePost, CaseSource, PostState, TimelineEntry
from moderation.types import Verdict
from service.actions.casework import reasons_of, stable_case_id
from service.actions.deps import Deps
from service.actions.screening import screen
from service.actions.support import crisis_resources
from service.base.errors import ErrorCode, Reject
from service.base.ids import new_id, now_ms
from service.base.models import Role, User
from service.protocol import (
    PART2_NOTICE,
    Author,
    Notice,
    Outreach,
    OutreachMessage,
    Support,
    ThreadSummary,
)
from service.stores.threads import ThreadMessage, ThreadRecord

logger = logging.getLogger(__name__)

# Who a thread can be with: the people the program treats (peer mentors are in recovery too), never staff.
_REACHABLE = (Role.MEMBER, Role.MENTOR)


@dataclass(frozen=True)
class Posted:
    """A message as stored, whether this call stored it (False: a retry), and crisis support if any."""

    record: ThreadRecord
    message: ThreadMessage
    created: bool
    support: Support | None = None


def is_staff_of(user: User, program: str) -> bool:
    """A counselor or admin of the program: the people who may read and start its threads."""
    return user.role.is_staff and program in user.programs


def may_read(user: User, record: ThreadRecord) -> bool:
    """Only the member the thread is with, and the counselors and admins of its program."""
    return record.member == user.id or is_staff_of(user, record.program)


async def load_thread(deps: Deps, user: User, thread_id: str) -> ThreadRecord:
    """A thread the user may read, else 404 (never 403: another member's thread does not "exist")."""
    record = await deps.threads.get(thread_id)
    if record is None or not may_read(user, record):
        raise Reject(ErrorCode.NOT_FOUND, "no such conversation", status=404)
    return record


async def reachable_member(deps: Deps, program: str, member_id: str) -> User:
    """The program's member (or peer mentor) a counselor wants to reach, else 404."""
    member = await deps.accounts.get(member_id)
    if member is None or program not in member.programs or member.role not in _REACHABLE or member.disabled:
        raise Reject(ErrorCode.NOT_FOUND, "no such member in this program", status=404)
    return member


def summary(record: ThreadRecord, program_name: str, *, staff: bool, cases: list[str] | None = None) -> ThreadSummary:
    """A thread as its reader sees it: counselors also see which cases it belongs to."""
    return ThreadSummary(
        id=record.id, program=record.program, program_name=program_name,
        member=Author(id=record.member, handle=record.member_handle),
        started_by=record.started_by_handle, created=record.created, updated=record.updated,
        unread=(record.last_member > record.last_staff) if staff else record.unread_by_member,
        cases=(cases or []) if staff else [],
    )


def message_view(message: ThreadMessage, *, staff: bool) -> OutreachMessage:
    """A message as its reader sees it: what moderation found is for counselors only."""
    return OutreachMessage(
        id=message.id, author=Author(id=message.author_id, handle=message.author_handle, role=message.author_role),
        text=message.text, ts=message.ts,
        flags=message.categories if staff else [], crisis=message.crisis and staff, client_id=message.client_id,
    )


async def program_name(deps: Deps, program: str) -> str:
    """The program's name, as "Only you and the counselors of <program>" says it."""
    found = await deps.directory.program(program)
    return found.name if found else "your program"


async def start_from_case(deps: Deps, user: User, case: Case, text: str, client_id: str) -> Posted:
    """Reach out privately to the member a case is about; a case leads to one thread, so reaching out
    from it again continues that conversation. The caller checked that ``user`` is staff of the case's program."""
    if case.author_id is None:
        raise Reject(ErrorCode.CONFLICT, "this case is not about a member's post", status=409)
    member = await reachable_member(deps, case.program, case.author_id)
    fresh_id = new_id("t")
    thread_id = await deps.threads.claim_case(case.id, fresh_id)
    if thread_id != fresh_id:
        existing = await deps.threads.get(thread_id)
        if existing is not None:
            return await post_message(deps, user, existing, text, client_id)
        await deps.threads.forget_case(case.id, fresh_id)  # it led to a thread that was never stored
    posted = await _create(deps, user, member, case.program, text, client_id, fresh_id, case.id)
    await _note_on_case(deps, user, case)
    return posted


async def start_for_member(deps: Deps, user: User, program: str, member_id: str, text: str, client_id: str) -> Posted:
    """Reach out privately to a member of the program (not tied to a case). The caller checked ``user``."""
    member = await reachable_member(deps, program, member_id)
    return await _create(deps, user, member, program, text, client_id, new_id("t"), None)


async def _create(
    deps: Deps, user: User, member: User, program: str, text: str, client_id: str, thread_id: str, case: str | None
) -> Posted:
    now = now_ms()
    record = ThreadRecord(
        id=thread_id, program=program, member=member.id, member_handle=member.handle, started_by=user.id,
        started_by_handle=user.handle, created=now, updated=now, last_staff=now,
    )
    first = ThreadMessage(id=new_id("m"), author_id=user.id, author_handle=user.handle,
                          author_role=user.role.value, text=text, ts=now, client_id=client_id)
    await deps.threads.create(record, first, case)
    await _audit(deps, user, record, "outreach.start", case=case)
    await _audit(deps, user, record, "outreach.message", message=first.id, case=case)
    logger.info("outreach started", extra={"thread_id": record.id, "program": program, "from_case": case is not None})
    await deliver(deps, record, first)
    return Posted(record, first, True)


async def post_message(deps: Deps, user: User, record: ThreadRecord, text: str, client_id: str) -> Posted:
    """A new message from one of the thread's readers: the member's replies are moderated first."""
    if not may_read(user, record):
        raise Reject(ErrorCode.NOT_FOUND, "no such conversation", status=404)
    if user.id == record.member:
        return await _reply(deps, user, record, text, client_id)
    now = now_ms()
    message = ThreadMessage(id=new_id("m"), author_id=user.id, author_handle=user.handle,
                            author_role=user.role.value, text=text, ts=now, client_id=client_id)
    stored, created = await deps.threads.append(record, message, from_staff=True)
    if created:
        record.updated = record.last_staff = stored.ts
        await _audit(deps, user, record, "outreach.message", message=stored.id)
    await deliver(deps, record, stored)
    return Posted(record, stored, created)


async def _reply(deps: Deps, member: User, record: ThreadRecord, text: str, client_id: str) -> Posted:
    verdict = await screen(deps, text, record.program)
    if not verdict.urgent:
        # A flood is slowed down; someone in crisis never is.
        rate = deps.post_rate
        if rate.limit and await deps.threads.count_reply(member.id, rate.window_ms) > rate.limit:
            raise Reject(ErrorCode.RATE_LIMITED, "slow down a little before writing again", status=429)
    now = now_ms()
    message = ThreadMessage(
        id=new_id("m"), author_id=member.id, author_handle=member.handle, author_role=member.role.value,
        text=text, ts=now, client_id=client_id, categories=[c.value for c in verdict.categories],
        crisis=verdict.urgent,
    )
    support = None
    if verdict.urgent:
        # The case is opened before the reply is stored or answered, with an id derived from the reply,
        # so a crash in between repeats work but never loses the alert.
        await _open_crisis_case(deps, member, record, message, verdict)
        policy = deps.moderator.policy_for(record.program)
        support = Support(text=policy.crisis_message, resources=crisis_resources(policy))
    stored, created = await deps.threads.append(record, message, from_staff=False)
    if created:
        record.updated = record.last_member = stored.ts
        await _audit(deps, member, record, "outreach.message", message=stored.id, categories=stored.categories)
    if support is not None:
        # Every device the member is signed in on gets the crisis panel, not just the one that sent it.
        await deps.feed.to_user(member.id, Notice(kind="crisis", text=support.text, ref=stored.id,
                                                  resources=support.resources))
    await deliver(deps, record, stored)
    return Posted(record, stored, created, support)


async def _open_crisis_case(
    deps: Deps, member: User, record: ThreadRecord, message: ThreadMessage, verdict: Verdict
) -> None:
    case_id = stable_case_id("outreach", record.id, message.client_id or message.id)
    case = Case(
        # No room: a thread is not one, and a case with a room reaches that room's peer hosts.
        id=case_id, program=record.program, room="", source=CaseSource.OUTREACH,
        categories=[c.value for c in verdict.categories], severity=verdict.severity, urgent=True,
        created=message.ts, updated=message.ts, post_state=PostState.DELIVERED, reasons=reasons_of(verdict),
        post=CasePost(author_id=member.id, author_handle=member.handle, author_role=member.role.value,
                      text=message.text, ts=message.ts, client_id=message.client_id or message.id),
    )
    await deps.casework.open(case, actor="moderation")
    await deps.threads.link_case(record.id, case_id)


async def _note_on_case(deps: Deps, user: User, case: Case) -> None:
    """The case's timeline says a counselor reached out, so a colleague does not do it twice. The
    conversation stays in the thread, and no live case event goes out: hosts of the case's room get
    those, and whom a counselor is talking to privately is not theirs to know."""
    now = now_ms()
    entry = TimelineEntry(ts=now, actor=user.id, actor_handle=user.handle, action="outreach")

    def change(stored: Case) -> None:
        stored.timeline.append(entry)
        stored.updated = now

    await deps.cases.update(case.id, change)


async def deliver(deps: Deps, record: ThreadRecord, message: ThreadMessage) -> None:
    """Send a new message to the member and to each counselor and admin of the program, on every instance.

    Per-user frames rather than the program's staff topic: peer mentors who host rooms listen on that
    topic too, and a check-in is for counselors only.
    """
    name = await program_name(deps, record.program)
    await deps.feed.to_user(record.member, Outreach(
        thread=summary(record, name, staff=False), message=message_view(message, staff=False), notice=PART2_NOTICE,
    ))
    staff_frame = Outreach(
        thread=summary(record, name, staff=True, cases=await deps.threads.cases(record.id)),
        message=message_view(message, staff=True), notice=PART2_NOTICE,
    )
    for person in await deps.accounts.in_program(record.program):
        if person.role.is_staff and not person.disabled:
            await deps.feed.to_user(person.id, staff_frame)


async def audit_read(deps: Deps, user: User, record: ThreadRecord) -> None:
    """A counselor or admin read a member's thread (members reading their own are not logged)."""
    await _audit(deps, user, record, "outreach.read")


async def _audit(
    deps: Deps, user: User, record: ThreadRecord, action: str, *, message: str | None = None,
    case: str | None = None, categories: list[str] | None = None,
) -> None:
    # Never the text: the thread id in ``reason`` and the message id are enough to find it.
    await deps.audit.record(AuditEntry(
        ts=now_ms(), program=record.program, actor=user.id, actor_role=user.role.value, actor_handle=user.handle,
        action=action, subject=record.member, case=case, message=message, categories=categories or [],
        reason=f"thread {record.id}",
    ))
