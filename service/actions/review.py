"""Counselor actions on cases: each takes effect live on every instance and is audited."""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from channels.history import RateLimit
from moderation.audit import AuditEntry
from moderation.case_types import Case, CaseSource, CaseStatus, FollowUp, PostState, TimelineEntry
from service.actions import members, restrictions
from service.actions.deps import Deps
from service.base.errors import ErrorCode, Reject
from service.base.ids import new_id, now_ms
from service.base.models import Role, User
from service.protocol import Author, Notice, Removed, encode
from service.stores.directory import is_host
from service.stores.messages import StoredPost, frame_template, stored_encoder

DEFAULT_LEASE_MS = 15 * 60_000
# Bulk decisions are for the low-severity end of the queue; anything above is read and decided one at a time.
BULK_MAX_SEVERITY = 2
BULK_MAX_CASES = 50
_NO_LIMIT = RateLimit(0, 0)


def is_crisis(case: Case) -> bool:
    """A case about someone who may be in danger: urgent (crisis or escalated to it), or any crisis finding."""
    return case.urgent or case.source is CaseSource.CRISIS or "crisis" in case.categories


def _closes(user: User, resolve: bool | None) -> bool:
    """Whether a decision on the post also resolves the case. By default it does when program staff decide;
    a host's decision leaves the case open for the counselors, and only staff may resolve."""
    if resolve is None:
        return user.role.is_staff
    if resolve and not user.role.is_staff:
        raise Reject(ErrorCode.FORBIDDEN, "only counselors resolve cases", status=403)
    return resolve


def _close(case: Case, resolution: str) -> None:
    case.status = CaseStatus.RESOLVED
    case.resolution = resolution


def host_view(case: Case) -> Case:
    """What a hosting mentor may see of an ordinary held post: the post and its category, nothing of
    the counselors' work (notes, timeline, follow-ups, paging) and no rule detail."""
    return msgspec.structs.replace(case, reasons=[], notes=[], timeline=[], followups=[], delivery=None,
                                   resolution="", reporter=None)


async def load_case(deps: Deps, user: User, case_id: str, *, mentor_ok: bool = False) -> Case:
    """A case the user may act on: 404 outside their programs, 403 for the wrong role."""
    case = await deps.cases.get(case_id)
    if case is None or case.program not in user.programs:
        raise Reject(ErrorCode.NOT_FOUND, "no such case", status=404)
    if user.role.is_staff:
        return case
    if mentor_ok and user.role is Role.MENTOR and case.post_state is PostState.HELD and not is_crisis(case):
        room = await deps.directory.room(case.room)
        if room is not None and is_host(user, room):
            return case
    raise Reject(ErrorCode.FORBIDDEN, "counselors only", status=403)


async def _audit(deps: Deps, user: User, case: Case, action: str, reason: str = "") -> None:
    await deps.audit.record(
        AuditEntry(
            ts=now_ms(), program=case.program, actor=user.id, actor_role=user.role.value, actor_handle=user.handle,
            action=action,
            case=case.id, subject=case.author_id, room=case.room, message=case.message_id,
            rule=case.reasons[0].rule if case.reasons else None, categories=case.categories, reason=reason,
        )
    )


async def _hold_claim(deps: Deps, user: User, case: Case) -> None:
    """Acting on a case needs its lease; an unclaimed case is claimed on the way."""
    if case.status is CaseStatus.RESOLVED:
        raise Reject(ErrorCode.CONFLICT, "this case is already resolved", status=409)
    if not await deps.cases.claim(case.id, user.id, DEFAULT_LEASE_MS):
        holder = await deps.cases.holder(case.id)
        raise Reject(ErrorCode.CONFLICT, f"claimed by another counselor ({holder})", status=409)


async def _change(deps: Deps, user: User, case: Case, action: str, note: str, mutate: Callable[[Case], None]) -> Case:
    def apply(stored: Case) -> None:
        mutate(stored)
        stored.updated = now_ms()
        stored.timeline.append(
            TimelineEntry(ts=stored.updated, actor=user.id, actor_handle=user.handle, action=action, note=note)
        )

    updated = await deps.cases.update(case.id, apply)
    if updated is None:
        raise Reject(ErrorCode.NOT_FOUND, "no such case", status=404)
    await _audit(deps, user, updated, f"case.{action}", note)
    fresh = await deps.cases.get(case.id) or updated
    await deps.casework.announce(fresh, action)
    if case.status is not CaseStatus.RESOLVED and fresh.status is CaseStatus.RESOLVED:
        await _thank_reporter(deps, fresh)
    return fresh


async def _thank_reporter(deps: Deps, case: Case) -> None:
    """A member who reported a post hears that it was looked at, and nothing of what was decided."""
    if case.source is CaseSource.REPORT and case.reporter:
        await deps.feed.to_user(case.reporter, Notice(
            kind="reviewed", text="Thanks for speaking up. A counselor reviewed your report.", room=case.room))


async def claim(deps: Deps, user: User, case: Case, lease_ms: int = DEFAULT_LEASE_MS) -> Case:
    """Take the case; exactly one of two concurrent claimers wins, the other gets 409."""
    if case.status is CaseStatus.RESOLVED:
        raise Reject(ErrorCode.CONFLICT, "this case is already resolved", status=409)
    if not await deps.cases.claim(case.id, user.id, lease_ms):
        holder = await deps.cases.holder(case.id)
        raise Reject(ErrorCode.CONFLICT, f"claimed by another counselor ({holder})", status=409)
    return await _change(deps, user, case, "claimed", "", lambda c: None)


async def release(deps: Deps, user: User, case: Case) -> Case:
    """Give the case back to the queue."""
    if not await deps.cases.release(case.id, user.id):
        raise Reject(ErrorCode.CONFLICT, "you do not hold this case", status=409)
    return await _change(deps, user, case, "released", "", lambda c: None)


async def approve(deps: Deps, user: User, case: Case, note: str = "", *, resolve: bool | None = None,
                  confirm_crisis: bool = False) -> Case:
    """Publish a held post to its room, marked as delayed, and (by default, for staff) resolve the case.

    A post about a crisis is only ever shared by program staff, never by a host, and only with an explicit
    ``confirm_crisis``: one stray click must not put it in front of the whole room."""
    if case.post_state is not PostState.HELD or case.post is None:
        raise Reject(ErrorCode.CONFLICT, "only a held post can be approved", status=409)
    if is_crisis(case):
        if not user.role.is_staff:
            raise Reject(ErrorCode.FORBIDDEN, "only a counselor can share a post about a crisis", status=403)
        if not confirm_crisis:
            raise Reject(ErrorCode.CONFLICT, "this post is about a crisis: sharing it needs confirm_crisis: true",
                         status=409)
    closing = _closes(user, resolve)
    if user.role.is_staff:
        await _hold_claim(deps, user, case)
    post = case.post
    stored = StoredPost(
        author=Author(id=post.author_id, handle=post.author_handle, role=post.author_role),
        text=post.masked_text or post.text, ts=now_ms(), client_id=post.client_id, delayed=True,
        masked=post.masked_text is not None, case=case.id,
    )
    prefix, suffix = frame_template(case.room, stored)
    result = await deps.history.append(
        case.room, f"approve:{case.id}", "approve", stored_encoder.encode(stored), prefix, suffix, _NO_LIMIT
    )
    message_id = result.answer.partition(" ")[2] if result.status == "dup" else result.answer

    def mutate(c: Case) -> None:
        c.post_state = PostState.APPROVED
        c.message_id = message_id
        if closing:
            _close(c, note or "Post approved.")

    updated = await _change(deps, user, case, "approved.resolved" if closing else "approved", note, mutate)
    if closing:
        await deps.cases.release(case.id, user.id)
    await deps.feed.to_user(
        post.author_id,
        Notice(kind="approved", text="Your message was reviewed and is now in the room.", room=case.room,
               ref=post.client_id),
    )
    return updated


async def remove(deps: Deps, user: User, case: Case, reason: str, note: str = "", *,
                 resolve: bool | None = None) -> Case:
    """Take a post down everywhere (or keep a held one from ever showing) and, by default for staff, resolve.

    ``reason`` is what the member is told (a kind default if empty); ``note`` stays with the staff."""
    closing = _closes(user, resolve)
    if user.role.is_staff:
        await _hold_claim(deps, user, case)
    if case.message_id and case.post_state in (PostState.PUBLISHED, PostState.APPROVED, PostState.REMOVED):
        await deps.history.remove(case.room, case.message_id, encode(Removed(room=case.room, id=case.message_id)))
    if case.post is not None:
        await deps.feed.to_user(
            case.post.author_id,
            Notice(kind="removed", text=reason or "A counselor removed your message. They may follow up with you.",
                   room=case.room, ref=case.post.client_id),
        )
    said = note or reason

    def mutate(c: Case) -> None:
        c.post_state = PostState.REMOVED
        if closing:
            _close(c, said or "Post removed.")

    updated = await _change(deps, user, case, "removed.resolved" if closing else "removed", said, mutate)
    if closing:
        await deps.cases.release(case.id, user.id)
    return updated


async def dismiss(deps: Deps, user: User, case: Case, note: str) -> Case:
    """Close a case with no further action; a held post stays out of the room (the member is told kindly)."""
    if case.post_state is PostState.HELD:
        return await remove(deps, user, case, "", note, resolve=True)
    await _hold_claim(deps, user, case)
    updated = await _change(deps, user, case, "dismissed", note, lambda c: _close(c, note or "No action needed."))
    await deps.cases.release(case.id, user.id)
    return updated


async def bulk(deps: Deps, user: User, program: str, action: str, case_ids: list[str],
               note: str) -> tuple[list[Case], list[tuple[str, Reject]]]:
    """Approve or dismiss several low-severity cases with one note; each is decided and audited on its own.

    Checked before anything changes: every case is in ``program`` (else 404) and none is a crisis or above
    ``BULK_MAX_SEVERITY`` (else 409). A case that changed meanwhile (claimed by a colleague, resolved) is
    reported back in the second list and the others still go ahead."""
    ids = list(dict.fromkeys(case_ids))
    found = {c.id: c for c in await deps.cases.get_many(ids)}
    for case_id in ids:
        case = found.get(case_id)
        if case is None or case.program != program:
            raise Reject(ErrorCode.NOT_FOUND, f"no such case in this program: {case_id}", status=404)
        if is_crisis(case) or case.severity > BULK_MAX_SEVERITY:
            raise Reject(ErrorCode.CONFLICT, f"crisis and high-severity cases are decided one at a time: {case_id}",
                         status=409)
    done: list[Case] = []
    failed: list[tuple[str, Reject]] = []
    for case_id in ids:
        try:
            if action == "approve":
                done.append(await approve(deps, user, found[case_id], note, resolve=True))
            else:
                done.append(await dismiss(deps, user, found[case_id], note))
        except Reject as exc:
            failed.append((case_id, exc))
    return done, failed


async def unmute(deps: Deps, user: User, case: Case, reason: str) -> Case:
    """Let the case's member post again before their mute runs out (no claim needed: also after resolving)."""
    member = await members.member_of(deps, case.program, _author_of(case))
    await members.unmute(deps, member, case.program, [case.room])
    return await _change(deps, user, case, "unmuted", reason, lambda c: None)


async def lift(deps: Deps, user: User, case: Case, scope: str, reason: str) -> Case:
    """End the case's member's suspension from the case's room or the whole program early."""
    member = await members.member_of(deps, case.program, _author_of(case))
    room = case.room if scope == "room" else None
    await members.lift(deps, member, case.program, room)
    return await _change(deps, user, case, f"lifted.{scope}", reason, lambda c: None)


async def warn(deps: Deps, user: User, case: Case, text: str) -> Case:
    """A private, kind warning to the member."""
    await _hold_claim(deps, user, case)
    author = _author_of(case)
    await deps.feed.to_user(author, Notice(kind="warning", text=text, room=case.room))
    return await _change(deps, user, case, "warned", text, lambda c: None)


async def mute(deps: Deps, user: User, case: Case, minutes: int, reason: str) -> Case:
    """Stop the member posting in the program for a while."""
    await _hold_claim(deps, user, case)
    author = _author_of(case)
    until = await restrictions.set_mute(deps, author, minutes)
    text = reason or "You are muted for a little while. A counselor will follow up with you."
    await deps.feed.to_user(author, Notice(kind="muted", text=text, room=case.room, until=until))
    return await _change(deps, user, case, "muted", f"{minutes} min: {reason}", lambda c: None)


async def suspend(deps: Deps, user: User, case: Case, scope: str, minutes: int | None, reason: str) -> Case:
    """Keep the member out of the room or the whole program."""
    await _hold_claim(deps, user, case)
    author = _author_of(case)
    target = f"room:{case.room}" if scope == "room" else f"program:{case.program}"
    until = await restrictions.suspend(deps, author, target, minutes)
    text = reason or "You have been suspended for now. A counselor will be in touch."
    await deps.feed.to_user(author, Notice(kind="suspended", text=text, room=case.room, until=until or None))
    return await _change(deps, user, case, "suspended", f"{target} {minutes or 'indefinite'}: {reason}",
                         lambda c: None)


async def escalate(deps: Deps, user: User, case: Case, to: str, note: str) -> Case:
    """Raise to a supervisor, or into the crisis protocol (urgent, on-call alerted)."""
    await _hold_claim(deps, user, case)

    def mutate(c: Case) -> None:
        c.severity = 3
        if to == "crisis":
            c.urgent = True

    updated = await _change(deps, user, case, f"escalated.{to}", note, mutate)
    if to == "crisis":
        for hook in deps.casework.on_urgent:
            await hook(updated)
    return updated


async def add_followup(deps: Deps, user: User, case: Case, kind: str, note: str, due: int) -> Case:
    """Plan to follow up in person (group or 1:1) by a due date."""
    followup = FollowUp(id=new_id("f"), kind=kind, note=note, due=due, created_by=user.id)
    updated = await _change(deps, user, case, "followup", f"{kind}: {note}", lambda c: c.followups.append(followup))
    await deps.followups.add(case.program, case.id, followup.id, due)
    return updated


async def complete_followup(deps: Deps, user: User, case: Case, followup_id: str) -> Case:
    """Mark a follow-up done."""
    def mutate(c: Case) -> None:
        for f in c.followups:
            if f.id == followup_id:
                f.done = True
                return
        raise Reject(ErrorCode.NOT_FOUND, "no such follow-up", status=404)

    updated = await _change(deps, user, case, "followup.done", followup_id, mutate)
    await deps.followups.done(case.program, case.id, followup_id)
    return updated


async def add_note(deps: Deps, user: User, case: Case, text: str) -> Case:
    """A counselor's note on the case."""
    entry = TimelineEntry(ts=now_ms(), actor=user.id, actor_handle=user.handle, action="note", note=text)
    return await _change(deps, user, case, "note", "", lambda c: c.notes.append(entry))


async def resolve(deps: Deps, user: User, case: Case, note: str) -> Case:
    """Close the case with a note; it leaves the open queue."""
    await _hold_claim(deps, user, case)

    updated = await _change(deps, user, case, "resolved", note, lambda c: _close(c, note))
    await deps.cases.release(case.id, user.id)
    return updated


async def acknowledge(deps: Deps, user: User, case: Case) -> Case:
    """Someone has the urgent alert in hand: on-call re-alerts stop."""
    await deps.oncall.acknowledge(case.id, user.id)
    fresh = await deps.cases.get(case.id) or case
    await _audit(deps, user, fresh, "case.acknowledged")
    await deps.casework.announce(fresh, "acknowledged")
    return fresh


def _author_of(case: Case) -> str:
    if case.post is None:
        raise Reject(ErrorCode.CONFLICT, "this case is not about a member's post", status=409)
    return case.post.author_id
