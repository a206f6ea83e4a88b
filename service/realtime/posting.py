"""A post's way from the socket to the room: moderation, then history and fan-out, or a case.

Order matters for "nothing accepted is lost": a case is opened (idempotently, with an id
derived from the post) *before* the post is appended or acknowledged, so a crash in
between can repeat work but never lose a flag.
"""

from __future__ import annotations

import logging
import re
import time

from channels.history import RateLimit
from moderation.case_types import Case, CasePost, CaseSource, PostState
from moderation.types import Action, PostContext, Verdict
from service.actions.casework import reasons_of, stable_case_id
from service.actions.deps import Deps
from service.actions.screening import screen
from service.actions.support import crisis_resources
from service.base.errors import ErrorCode, Reject
from service.base.ids import now_ms
from service.protocol import Ack, Author, Notice, Post
from service.realtime.connection import Connection, RoomMembership
from service.stores.messages import StoredPost, frame_template, stored_encoder

logger = logging.getLogger(__name__)

_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)

_SOURCE_BY_ACTION = {Action.HOLD: CaseSource.HOLD, Action.BLOCK: CaseSource.BLOCK}
_STATE_BY_ACTION = {Action.HOLD: PostState.HELD, Action.BLOCK: PostState.BLOCKED}


def _context(conn: Connection) -> PostContext:
    now = time.monotonic()
    activity = conn.activity
    recent = sum(1 for t in activity.posts if now - t < 60)
    links = sum(1 for t in activity.links if now - t < 60)
    return PostContext(recent_digests=tuple(activity.digests), posts_last_minute=recent, links_last_minute=links)


async def _moderate(deps: Deps, conn: Connection, program: str, text: str) -> Verdict:
    digest = deps.moderator.digest(text)
    verdict = await screen(deps, text, program, _context(conn))
    activity = conn.activity
    activity.digests.append(digest)
    activity.posts.append(time.monotonic())
    if _LINK.search(text):
        activity.links.append(time.monotonic())
    return verdict


def _author(conn: Connection) -> Author:
    return Author(id=conn.user.id, handle=conn.user.handle, role=conn.user.role.value)


async def handle_post(deps: Deps, conn: Connection, frame: Post) -> None:
    """Moderate, then publish or hold; always answer with one ack (the same one on retry)."""
    membership = conn.rooms.get(frame.room)
    if membership is None or membership.joining:
        raise Reject(ErrorCode.NOT_JOINED, "join the room before posting", ref=frame.client_id)
    if conn.muted_until > now_ms():
        raise Reject(ErrorCode.MUTED, "you are muted in this program for now", ref=frame.client_id)
    room = membership.room
    verdict = await _moderate(deps, conn, room.program, frame.text)
    if verdict.action in (Action.HOLD, Action.BLOCK):
        case_id = stable_case_id("post", room.id, conn.user.id, frame.client_id)
        await _withhold(deps, conn, membership, frame, verdict, case_id)
        return
    case = None
    if verdict.flagged:
        case_id = stable_case_id("post", room.id, conn.user.id, frame.client_id)
        case = _case_of(deps, conn, membership, frame, verdict, case_id, CaseSource.FLAG, PostState.PENDING)
        await deps.casework.open(case, actor="moderation")
    post = StoredPost(
        author=_author(conn), text=verdict.text, ts=now_ms(), client_id=frame.client_id,
        masked=verdict.action is Action.MASK, case=case.id if case else None,
    )
    prefix, suffix = frame_template(room.id, post)
    result = await deps.history.append(
        room.id, conn.user.id, frame.client_id, stored_encoder.encode(post), prefix, suffix, deps.post_rate
    )
    if result.status == "rate":
        raise Reject(ErrorCode.RATE_LIMITED, f"slow down: try again in {int(result.answer) // 1000 + 1}s",
                     ref=frame.client_id, status=429)
    status, message_id = _answer(result.answer) if result.status == "dup" else ("published", result.answer)
    conn.send(Ack(client_id=frame.client_id, status=status, id=message_id))
    if result.status == "ok":
        deps.stats.posts_published += 1
    if result.status == "ok" and case is not None:
        # A new post's answer is its stream id (only a "dup" answer carries a status in front).
        await _attach_message(deps, case.id, result.answer)
        if verdict.notice == "masked":
            _notify(deps, conn, membership, frame, "masked")


async def _withhold(
    deps: Deps, conn: Connection, membership: RoomMembership, frame: Post, verdict: Verdict, case_id: str
) -> None:
    # A retry is answered as the first attempt was: moderated again, it would look like a repeat of
    # itself (spam.repeat) and open a case whose approval publishes a duplicate.
    prior = await deps.history.prior_answer(membership.room.id, conn.user.id, frame.client_id)
    if prior is not None:
        status, message_id = _answer(prior)
        conn.send(Ack(client_id=frame.client_id, status=status, id=message_id))
        return
    source = CaseSource.CRISIS if verdict.urgent else _SOURCE_BY_ACTION[verdict.action]
    case = _case_of(deps, conn, membership, frame, verdict, case_id, source, _STATE_BY_ACTION[verdict.action])
    await deps.casework.open(case, actor="moderation")
    status = "held" if verdict.action is Action.HOLD else "blocked"
    # Someone in crisis is never rate-limited away from help.
    rate = RateLimit(0, 0) if verdict.urgent else deps.post_rate
    result = await deps.history.remember(membership.room.id, conn.user.id, frame.client_id, f"{status} {case_id}", rate)
    if result.status == "rate":
        raise Reject(ErrorCode.RATE_LIMITED, "slow down before posting again", ref=frame.client_id, status=429)
    deps.stats.posts_withheld += result.status == "ok"
    answered_status, _ = _answer(result.answer)
    conn.send(Ack(client_id=frame.client_id, status=answered_status))
    if result.status == "ok" and verdict.notice:
        _notify(deps, conn, membership, frame, verdict.notice)


def _notify(deps: Deps, conn: Connection, membership: RoomMembership, frame: Post, kind: str) -> None:
    policy = deps.moderator.policy_for(membership.room.program)
    texts = {
        "crisis": policy.crisis_message,
        "held": policy.held_message,
        "blocked": policy.blocked_message,
        "masked": policy.masked_message,
    }
    resources = crisis_resources(policy) if kind == "crisis" else []
    conn.send(
        Notice(kind=kind, text=texts.get(kind, ""), room=membership.room.id, ref=frame.client_id, resources=resources),
        priority=True,
    )


def _case_of(
    deps: Deps, conn: Connection, membership: RoomMembership, frame: Post, verdict: Verdict, case_id: str,
    source: CaseSource, state: PostState,
) -> Case:
    now = now_ms()
    return Case(
        id=case_id, program=membership.room.program, room=membership.room.id, source=source,
        categories=[c.value for c in verdict.categories], severity=verdict.severity, urgent=verdict.urgent,
        created=now, updated=now, post_state=state, reasons=reasons_of(verdict),
        post=CasePost(
            author_id=conn.user.id, author_handle=conn.user.handle, author_role=conn.user.role.value, text=frame.text,
            ts=now, client_id=frame.client_id, masked_text=verdict.text if verdict.action is Action.MASK else None,
        ),
    )


async def _attach_message(deps: Deps, case_id: str, message_id: str) -> None:
    def change(case: Case) -> None:
        case.message_id = message_id
        case.post_state = PostState.PUBLISHED

    await deps.cases.update(case_id, change)


def _answer(answer: str) -> tuple[str, str | None]:
    status, _, ident = answer.partition(" ")
    return status, (ident if status == "published" else None)
