"""Moderating a member's words, wherever they are written: room posts and check-in replies."""

from __future__ import annotations

import asyncio

from moderation.types import Action, PostContext, Verdict
from service.actions.deps import Deps

_NO_CONTEXT = PostContext()


async def screen(deps: Deps, text: str, program: str, ctx: PostContext = _NO_CONTEXT) -> Verdict:
    """The rules on the event loop, then the statistical model off it unless the rules already made the
    strongest call (urgent crisis, or a block)."""
    verdict = deps.moderator.moderate(text, program, ctx)
    if not verdict.urgent and verdict.action is not Action.BLOCK and getattr(deps.moderator, "has_model", False):
        verdict = await asyncio.to_thread(deps.moderator.add_model, verdict, text, program)
    return verdict
