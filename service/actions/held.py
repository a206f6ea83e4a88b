"""A member's own posts that are not in their room yet, and what happens next: read from their cases,
so they follow the member to any device and leave the list the moment a counselor decides."""

from __future__ import annotations

from typing import Literal

from moderation.case_types import Case, CaseSource, CaseStatus, PostState
from service.actions.deps import Deps
from service.base.models import User
from service.protocol import MyHeldPost

HELD_NEXT = "Waiting for a counselor's review. Only you can see it for now."
CRISIS_NEXT = "A counselor has been alerted and will reach out."
HIDDEN_NEXT = "A host moved it out of the room until a counselor reviews it. Only you can see it for now."

# How far back a member's cases are read. Cases are newest first, and a held post waits hours, not
# hundreds of cases: one older than this many of the member's cases is not listed.
SCAN = 200

Status = Literal["held", "crisis", "hidden"]


def _status(case: Case) -> tuple[Status, str] | None:
    """``(status, what happens next)`` while the post still waits for a decision, else None."""
    if case.status is CaseStatus.RESOLVED or case.post is None:
        return None
    if case.post_state is PostState.HELD:
        return ("crisis", CRISIS_NEXT) if case.urgent else ("held", HELD_NEXT)
    # A host's hide takes the post down at once; it waits until a counselor removes it or closes the case.
    if case.source is CaseSource.HIDE and not any(t.action == "removed" for t in case.timeline):
        return "hidden", HIDDEN_NEXT
    return None


async def held_posts(deps: Deps, user: User) -> list[MyHeldPost]:
    """The caller's posts waiting for review, oldest first (only their own: cases are read by author)."""
    out: list[MyHeldPost] = []
    names: dict[str, str] = {}
    for case in await deps.cases.by_author(user.id, limit=SCAN):
        found = _status(case)
        post = case.post
        if found is None or post is None or post.author_id != user.id:
            continue
        if case.room not in names:
            room = await deps.directory.room(case.room)
            names[case.room] = room.name if room else "a room"
        status, next_step = found
        out.append(MyHeldPost(room=case.room, room_name=names[case.room], client_id=post.client_id, text=post.text,
                              ts=post.ts, status=status, next=next_step))
    return sorted(out, key=lambda p: p.ts)
