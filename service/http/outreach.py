"""Private check-in threads over HTTP: counselors start them (from a case or a member), the member and
the program's counselors read and write them. Every body that carries a thread's content carries the
42 CFR Part 2 redisclosure notice. Who may do what is decided in ``service/actions/outreach.py``."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from service.actions import outreach
from service.actions.auth import current_user
from service.actions.deps import Deps, deps_of
from service.actions.review import load_case
from service.base.errors import ErrorCode, Reject
from service.base.models import User
from service.http.common import body_of, json_response
from service.http.queue_common import staff_of
from service.protocol import PART2_NOTICE, MessageSent, ThreadList, ThreadView


class OutreachBody(msgspec.Struct, forbid_unknown_fields=True):
    """A check-in message; a retry with the same ``client_id`` is stored once."""

    text: Annotated[str, Meta(min_length=1, max_length=4000)]
    client_id: Annotated[str, Meta(min_length=1, max_length=64)] | None = None


async def _message_of(request: Request) -> tuple[str, str]:
    body = await body_of(request, OutreachBody)
    text = body.text.strip()
    if not text:
        raise Reject(ErrorCode.INVALID, "write something first")
    return text, body.client_id or ""


async def _sent(deps: Deps, user: User, posted: outreach.Posted) -> Response:
    record = posted.record
    staff = outreach.is_staff_of(user, record.program)
    cases = await deps.threads.cases(record.id) if staff else []
    body = MessageSent(
        thread=outreach.summary(record, await outreach.program_name(deps, record.program), staff=staff, cases=cases),
        message=outreach.message_view(posted.message, staff=staff), notice=PART2_NOTICE, created=posted.created,
        support=posted.support,
    )
    return json_response(body, status=201 if posted.created else 200)


async def start_from_case(request: Request) -> Response:
    """A counselor reaches out privately to the member a case is about (continues the case's thread)."""
    deps = deps_of(request)
    user = await current_user(request)
    case = await load_case(deps, user, request.path_params["case"])
    text, client_id = await _message_of(request)
    return await _sent(deps, user, await outreach.start_from_case(deps, user, case, text, client_id))


async def start_for_member(request: Request) -> Response:
    """A counselor reaches out privately to a member of the program."""
    deps, user = await staff_of(request, request.path_params["program"])
    text, client_id = await _message_of(request)
    posted = await outreach.start_for_member(deps, user, request.path_params["program"], request.path_params["user"],
                                             text, client_id)
    return await _sent(deps, user, posted)


async def member_threads(request: Request) -> Response:
    """Counselors: a member's check-in threads in this program."""
    program = request.path_params["program"]
    deps, _ = await staff_of(request, program)
    member = await outreach.reachable_member(deps, program, request.path_params["user"])
    name = await outreach.program_name(deps, program)
    threads = [outreach.summary(r, name, staff=True, cases=await deps.threads.cases(r.id))
               for r in await deps.threads.of_member(member.id) if r.program == program]
    return json_response(ThreadList(threads=threads, notice=PART2_NOTICE))


async def my_threads(request: Request) -> Response:
    """The caller's own check-in threads."""
    deps = deps_of(request)
    user = await current_user(request)
    records = await deps.threads.of_member(user.id)
    names = {p: await outreach.program_name(deps, p) for p in {r.program for r in records}}
    threads = [outreach.summary(r, names[r.program], staff=False) for r in records]
    return json_response(ThreadList(threads=threads, notice=PART2_NOTICE))


async def get_thread(request: Request) -> Response:
    """One thread with its messages. A counselor's read is audited; the member's marks it read."""
    deps = deps_of(request)
    user = await current_user(request)
    record = await outreach.load_thread(deps, user, request.path_params["thread"])
    staff = outreach.is_staff_of(user, record.program)
    messages = await deps.threads.messages(record.id)
    if staff and user.id != record.member:
        await outreach.audit_read(deps, user, record)
    if user.id == record.member:
        await deps.threads.mark_read(record)
        record.member_read = max(record.member_read, record.last_staff)
    cases = await deps.threads.cases(record.id) if staff else []
    return json_response(ThreadView(
        thread=outreach.summary(record, await outreach.program_name(deps, record.program), staff=staff, cases=cases),
        messages=[outreach.message_view(m, staff=staff) for m in messages], notice=PART2_NOTICE,
    ))


async def post_message(request: Request) -> Response:
    """A new message from the member (a reply, moderated) or a counselor of the program."""
    deps = deps_of(request)
    user = await current_user(request)
    record = await outreach.load_thread(deps, user, request.path_params["thread"])
    text, client_id = await _message_of(request)
    return await _sent(deps, user, await outreach.post_message(deps, user, record, text, client_id))


routes = [
    Route("/api/cases/{case}/outreach", start_from_case, methods=["POST"]),
    Route("/api/programs/{program}/members/{user}/outreach", start_for_member, methods=["POST"]),
    Route("/api/programs/{program}/members/{user}/outreach", member_threads, methods=["GET"]),
    Route("/api/me/outreach", my_threads),
    Route("/api/outreach/{thread}", get_thread),
    Route("/api/outreach/{thread}/messages", post_message, methods=["POST"]),
]
