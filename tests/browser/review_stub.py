"""A stand-in for the counselor queue HTTP API (the contract in the client's README), served
through Playwright's request routing. It lets the dashboard be tested, and pictured, on its
own; tests/browser/test_counselor.py covers the real API end to end."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Page, Route


def _now() -> int:
    return int(time.time() * 1000)


@dataclass
class ReviewStub:
    """Cases in memory; POSTed actions are recorded in ``calls`` as (case id, action, body)."""

    program: str
    rooms: dict[str, str]  # room id -> name
    counselor: str
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def add_case(self, case_id: str, room: str, source: str, author: str, text: str, *, urgent: bool = False,
                 severity: int = 1, categories: list[str] | None = None, post_state: str = "held",
                 minutes_ago: int = 5, explanation: str = "") -> dict[str, Any]:
        """A case as GET /api/cases/{id} returns it."""
        created = _now() - minutes_ago * 60_000
        case = {
            "id": case_id, "program": self.program, "room": room, "source": source,
            "categories": categories or [], "severity": severity, "urgent": urgent, "status": "open",
            "post_state": post_state, "assignee": None, "author": author, "created": created, "updated": created,
            "post": {"author_id": f"u_{author}", "author_handle": author, "text": text, "ts": created},
            "reasons": [{"category": (categories or [source])[0], "severity": severity, "rule": f"{source}.rule",
                         "explanation": explanation or "matched a rule"}],
            "timeline": [{"ts": created, "actor": "moderation", "action": f"opened ({source})", "note": ""}],
            "notes": [], "followups": [], "lease_until": 0,
        }
        self.cases[case_id] = case
        return case

    def summary(self, case: dict[str, Any]) -> dict[str, Any]:
        """What lists and live ``case`` frames carry."""
        keys = ("id", "program", "room", "source", "categories", "severity", "urgent", "status", "post_state",
                "assignee", "author", "created", "updated")
        return {k: case[k] for k in keys}

    async def install(self, page: Page) -> None:
        """Answer the review endpoints on ``page``."""
        await page.route("**/api/programs/*/inbox", self._inbox)
        await page.route("**/api/programs/*/cases*", self._list)
        await page.route("**/api/programs/*/audit*", self._audit)
        await page.route("**/api/cases/**", self._case)

    async def _json(self, route: Route, data: Any, status: int = 200) -> None:
        await route.fulfill(status=status, content_type="application/json", body=json.dumps(data))

    def _open(self) -> list[dict[str, Any]]:
        found = [c for c in self.cases.values() if c["status"] != "resolved"]
        found.sort(key=lambda c: (not c["urgent"], -c["severity"], c["created"]))
        return [self.summary(c) for c in found]

    async def _inbox(self, route: Route) -> None:
        due = [{"case": c["id"], "id": f"f{i}", "kind": f["kind"], "note": f["note"], "due": f["due"]}
               for c in self.cases.values() for i, f in enumerate(c["followups"])]
        rooms = [{"room": rid, "name": name, "posts": 14 + i * 9, "flags": 2 - i if i < 2 else 0,
                  "signals": [{"member": "u_sam", "handle": "sam", "categories": ["crisis"]}] if i == 0 else []}
                 for i, (rid, name) in enumerate(self.rooms.items())]
        await self._json(route, {"since": _now() - 26 * 3_600_000, "open_cases": self._open(),
                                 "followups_due": due, "rooms": rooms})

    async def _list(self, route: Route) -> None:
        await self._json(route, {"cases": self._open()})

    async def _audit(self, route: Route) -> None:
        entries = [{"id": "1", "ts": c["created"], "actor": "moderation", "actor_role": "system",
                    "action": f"case.open.{c['source']}", "case": c["id"], "subject": c["post"]["author_id"],
                    "room": c["room"], "categories": c["categories"], "reason": ""} for c in self.cases.values()]
        await self._json(route, {"entries": entries})

    async def _case(self, route: Route) -> None:
        request = route.request
        parts = request.url.split("/api/cases/", 1)[1].split("?")[0].split("/")
        case = self.cases.get(parts[0])
        if case is None:
            await self._json(route, {"error": {"code": "not_found", "detail": "no such case"}}, 404)
            return
        if request.method == "GET":
            await self._json(route, {"case": case, "context": {"before": [], "after": []}, "author_history": []})
            return
        action = parts[1]
        body = json.loads(request.post_data or "{}")
        self.calls.append((case["id"], action, body))
        changes = {"claim": {"assignee": self.counselor}, "release": {"assignee": None},
                   "approve": {"post_state": "approved"}, "remove": {"post_state": "removed"},
                   "resolve": {"status": "resolved"}}.get(action, {})
        case.update(changes)
        if action == "followups":
            case["followups"].append({**body, "id": "f1", "created_by": self.counselor, "done": False})
        case["updated"] = _now()
        case["timeline"].append({"ts": _now(), "actor": "dr.lee", "action": action, "note": body.get("note", "")})
        await self._json(route, {"case": case})
