"""Member reports and host hides: both open a case about a published post (socket and HTTP)."""

from __future__ import annotations

from moderation.case_types import Case, CasePost, CaseReason, CaseSource, PostState
from service.actions.casework import stable_case_id
from service.actions.deps import Deps
from service.base.errors import ErrorCode, Reject
from service.base.ids import now_ms
from service.base.models import Room, User
from service.protocol import Notice, Removed, encode
from service.stores.directory import is_host
from service.stores.messages import stored_decoder

HIDDEN_TEXT = ("Your message is waiting for a counselor's review. The room's host moved it out of the room for "
               "now, and only you can see it. There is nothing you need to do; a counselor may check in with you.")


async def _case_for(
    deps: Deps, user: User, room: Room, message_id: str, source: CaseSource, reason: str, case_id: str,
    state: PostState,
) -> Case:
    data = await deps.history.get(room.id, message_id)
    if data is None:
        raise Reject(ErrorCode.NOT_FOUND, "no such message in this room", ref=message_id, status=404)
    post = stored_decoder.decode(data)
    now = now_ms()
    why = CaseReason(category=source.value, severity=1, rule=source.value,
                     explanation=reason or f"{source.value} by {user.handle}")
    return Case(
        id=case_id, program=room.program, room=room.id, source=source, categories=[], severity=1, urgent=False,
        created=now, updated=now, message_id=message_id, post_state=state, reasons=[why], reporter=user.id,
        post=CasePost(author_id=post.author.id, author_handle=post.author.handle, author_role=post.author.role,
                      text=post.text, ts=post.ts, client_id=post.client_id),
    )


async def report_post(deps: Deps, user: User, room: Room, message_id: str, reason: str) -> str:
    """Open (once per reporter) a case about a post; returns its id."""
    case_id = stable_case_id("report", room.id, message_id, user.id)
    case = await _case_for(deps, user, room, message_id, CaseSource.REPORT, reason, case_id, PostState.PUBLISHED)
    await deps.casework.open(case, actor=user.id, actor_role=user.role.value, actor_handle=user.handle)
    return case_id


async def hide_post(deps: Deps, user: User, room: Room, message_id: str, reason: str) -> str:
    """A host hides a post pending review: gone live and from history, and a case opens."""
    if not is_host(user, room):
        raise Reject(ErrorCode.FORBIDDEN, "only the room's host can hide posts", ref=message_id, status=403)
    case_id = stable_case_id("hide", room.id, message_id)
    case = await _case_for(deps, user, room, message_id, CaseSource.HIDE, reason.strip(), case_id, PostState.REMOVED)
    opened = await deps.casework.open(case, actor=user.id, actor_role=user.role.value, actor_handle=user.handle)
    await deps.history.remove(room.id, message_id, encode(Removed(room=room.id, id=message_id)))
    author = case.post.author_id if case.post else None
    if opened and case.post is not None and author != user.id:
        # The author sees their post vanish from the room: say why, kindly, and that nothing is lost.
        await deps.feed.to_user(case.post.author_id, Notice(kind="hidden", text=HIDDEN_TEXT, room=room.id,
                                                            ref=case.post.client_id))
    return case_id
