"""Shared pieces of the counselor-queue routes: who may read a program's queue, and query parameters decoded
like request bodies (forbidden unknown names, limits), so ``?limit=abc`` is a typed 400 and never a 500."""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

import msgspec
from msgspec import Meta
from starlette.requests import Request

from moderation.case_types import Case, CaseStatus
from moderation.types import Category
from service.actions.auth import current_user, require_program
from service.actions.deps import Deps, deps_of
from service.base.errors import ErrorCode, Reject
from service.base.models import User
from service.protocol import Ident, StreamId

Q = TypeVar("Q", bound=msgspec.Struct)
Handle = Annotated[str, Meta(min_length=1, max_length=64)]
Millis = Annotated[int, Meta(ge=0, le=10**15)]


class CaseQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """GET /cases: ``open`` (the default) is the working queue, claimed or not, as it always was; ``unclaimed``
    and ``claimed`` split it; ``q`` searches member handles."""

    status: Literal["open", "unclaimed", "claimed", "resolved", "all"] = "open"
    category: Category | None = None
    room: Ident | None = None
    urgent: bool = False
    q: Handle | None = None
    limit: Annotated[int, Meta(ge=1, le=500)] = 200


class AuditQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """GET /audit: at most one of case, member (id or handle) or actor (id or handle); newest first."""

    case: Ident | None = None
    member: Ident | None = None
    member_handle: Handle | None = None
    actor: Ident | None = None
    actor_handle: Handle | None = None
    limit: Annotated[int, Meta(ge=1, le=1000)] = 100
    before: StreamId | None = None


class InboxQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """GET /inbox: ``since`` (ms) overrides the caller's last visit."""

    since: Millis | None = None


class FollowupsQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """GET /followups: due before ``before`` (ms)."""

    before: Millis | None = None


def query_of(request: Request, kind: type[Q]) -> Q:
    """Decode the query string into ``kind``; empty values count as absent (forms send them)."""
    raw = {name: value for name, value in request.query_params.items() if value != ""}
    try:
        return msgspec.convert(raw, kind, strict=False)
    except msgspec.ValidationError as exc:
        detail = str(exc).replace("$.", "query parameter ")
        raise Reject(ErrorCode.INVALID, f"bad query: {detail}") from None


async def staff_of(request: Request, program: str) -> tuple[Deps, User]:
    """Counselors and admins of ``program``: 404 outside it, 403 for other roles."""
    deps = deps_of(request)
    user = await current_user(request)
    require_program(user, program)
    if not user.role.is_staff:
        raise Reject(ErrorCode.FORBIDDEN, "counselors only", status=403)
    return deps, user


def case_matches(case: Case, query: CaseQuery) -> bool:
    """Whether a case passes the queue's filters."""
    wanted = {"open": (CaseStatus.OPEN, CaseStatus.CLAIMED), "unclaimed": (CaseStatus.OPEN,),
              "claimed": (CaseStatus.CLAIMED,), "resolved": (CaseStatus.RESOLVED,)}.get(query.status)
    if wanted is not None and case.status not in wanted:
        return False
    if query.category is not None and query.category.value not in case.categories:
        return False
    if query.room is not None and case.room != query.room:
        return False
    if query.urgent and not case.urgent:
        return False
    if query.q is not None:
        handle = case.post.author_handle if case.post else ""
        return query.q.strip().lstrip("@").casefold() in handle.casefold()
    return True
