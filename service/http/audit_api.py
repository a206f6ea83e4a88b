"""The audit log over HTTP, for people: handles beside ids, each case's status now, the rule's explanation,
and who reported what; plus the whole log as JSON Lines for export."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from moderation.audit import AuditEntry
from moderation.case_types import Case
from service.actions.deps import Deps
from service.http.common import json_response
from service.http.queue_common import AuditQuery, query_of, staff_of
from service.protocol import AuditRow, AuditRows


async def _entries(deps: Deps, program: str, query: AuditQuery) -> list[AuditEntry] | None:
    """The entries the query asks for; None when it names a handle nobody in the program has."""
    member, actor = query.member, query.actor
    for handle, is_member in ((query.member_handle, True), (query.actor_handle, False)):
        if handle is None:
            continue
        found = await deps.accounts.by_handle(handle.strip().lstrip("@"))
        if found is None or program not in found.programs:
            return None
        member, actor = (found.id, actor) if is_member else (member, found.id)
    if query.case:
        return await deps.audit.for_case(query.case, query.limit)
    if member:
        return await deps.audit.for_subject(member, query.limit, query.before)
    if actor:
        return await deps.audit.for_actor(actor, query.limit, query.before)
    return await deps.audit.for_program(program, query.limit, query.before)


def _explanation(entry: AuditEntry, case: Case | None) -> str:
    """The rule's (or the reporter's) words for why a case exists, when the entry names that rule."""
    if entry.rule is None or case is None or not case.reasons:
        return ""
    reason = next((r for r in case.reasons if r.rule == entry.rule), case.reasons[0])
    return reason.explanation


async def readable(deps: Deps, entries: list[AuditEntry]) -> list[AuditRow]:
    """Audit entries with handles, case status and explanations filled in (two batched reads)."""
    people = sorted({e.actor for e in entries} | {e.subject for e in entries if e.subject})
    handles = {u.id: u.handle for u in await deps.accounts.get_many(people)}
    cases = {c.id: c for c in await deps.cases.get_many(sorted({e.case for e in entries if e.case}))}
    rows = []
    for e in entries:
        case = cases.get(e.case) if e.case else None
        actor_handle = e.actor_handle or handles.get(e.actor, "")
        rows.append(AuditRow(
            id=e.id, ts=e.ts, program=e.program, action=e.action, actor=e.actor, actor_role=e.actor_role,
            actor_handle=actor_handle, subject=e.subject, subject_handle=handles.get(e.subject) if e.subject else None,
            case=e.case, case_status=case.status if case else None, room=e.room, rule=e.rule,
            explanation=_explanation(e, case), categories=e.categories, reason=e.reason,
            reporter_handle=(actor_handle or None) if e.action == "case.open.report" else None,
        ))
    return rows


async def audit_log(request: Request) -> Response:
    """Audit entries of a program, optionally for one case, member or actor (newest first)."""
    program = request.path_params["program"]
    deps, _ = await staff_of(request, program)
    query = query_of(request, AuditQuery)
    entries = await _entries(deps, program, query)
    if entries is None:
        return json_response(AuditRows(entries=[], next_before=None))
    full = len(entries) == query.limit
    # Per-member and per-actor streams span programs: show only this program's part.
    mine = [e for e in entries if e.program == program]
    next_before = entries[-1].id if full and not query.case else None
    return json_response(AuditRows(entries=await readable(deps, mine), next_before=next_before))


async def audit_export(request: Request) -> Response:
    """The program's whole audit log as JSON Lines."""
    program = request.path_params["program"]
    deps, _ = await staff_of(request, program)
    return StreamingResponse(
        deps.audit.export(program), media_type="application/x-ndjson",
        headers={"content-disposition": f'attachment; filename="audit-{program}.jsonl"'},
    )


routes = [
    Route("/api/programs/{program}/audit", audit_log),
    Route("/api/programs/{program}/audit/export", audit_export),
]
