"""Opening cases and telling the right people: store, audit, live staff event, urgent alert."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable

from moderation.audit import AuditEntry, AuditLog
from moderation.case_types import Case, CaseReason
from moderation.cases import CaseStore
from moderation.types import Verdict
from service.base.ids import now_ms
from service.protocol import CaseEvent, CaseSummary
from service.stores.feed import Feed

logger = logging.getLogger(__name__)

# Awaited with each new urgent case and each escalation to crisis (app.py hooks in the on-call alert).
UrgentHook = Callable[[Case], Awaitable[None]]


def stable_case_id(*parts: str) -> str:
    """A case id derived from what caused it, so a retried post or report opens one case, not two."""
    return "c_" + hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def reasons_of(verdict: Verdict) -> list[CaseReason]:
    """The rule hits behind a verdict, as case reasons."""
    return [
        CaseReason(category=f.category.value, severity=f.severity, rule=f.rule, explanation=f.explanation,
                   start=f.start, end=f.end)
        for f in verdict.findings
    ]


def case_summary(case: Case) -> CaseSummary:
    """What a live case event and the queue lists carry (no post text: the dashboard fetches the case)."""
    return CaseSummary(
        id=case.id, program=case.program, room=case.room, source=case.source, categories=case.categories,
        severity=case.severity, urgent=case.urgent, status=case.status, post_state=case.post_state,
        assignee=case.assignee, author=case.post.author_handle if case.post else None,
        created=case.created, updated=case.updated,
    )


class Casework:
    """Opens cases exactly once and announces them."""

    def __init__(self, cases: CaseStore, audit: AuditLog, feed: Feed) -> None:
        self.cases = cases
        self.audit = audit
        self.feed = feed
        self.on_urgent: list[UrgentHook] = []

    async def open(self, case: Case, actor: str, actor_role: str = "system", actor_handle: str = "") -> bool:
        """Store, audit, announce and (if urgent) alert; False if the case already existed.

        Repair-safe: storing and indexing are one atomic step, and each later step is marked when
        done, so a retry after a crash half-way (the same post or report again: the case id is
        derived from it) finishes exactly the steps that did not happen. A flag is never lost half-way.
        """
        created = await self.cases.open(case)
        done = set() if created else await self.cases.steps_done(case.id)
        if not created and {"audit", "announce", "alert"} <= done:
            return False
        if "audit" not in done:
            first_rule = case.reasons[0].rule if case.reasons else None
            await self.audit.record(
                AuditEntry(
                    ts=now_ms(), program=case.program, actor=actor, actor_role=actor_role, actor_handle=actor_handle,
                    action=f"case.open.{case.source}",
                    case=case.id, subject=case.author_id, room=case.room, message=case.message_id, rule=first_rule,
                    categories=case.categories,
                )
            )
            await self.cases.mark_step(case.id, "audit")
        if "announce" not in done:
            await self.announce(case, "new")
            await self.cases.mark_step(case.id, "announce")
        if "alert" not in done:
            for hook in self.on_urgent if case.urgent else ():
                await hook(case)  # on-call scheduling is itself idempotent
            await self.cases.mark_step(case.id, "alert")
        logger.info(
            "case opened" if created else "case opening completed on retry",
            extra={"case_id": case.id, "program": case.program, "room_id": case.room, "source": case.source.value,
                   "urgent": case.urgent},
        )
        return created

    async def announce(self, case: Case, event: str) -> None:
        """Push a case event to the program's counselors on every instance."""
        await self.feed.to_staff(case.program, CaseEvent(event=event, case=case_summary(case)))
