"""A flag is never lost half-way: if the process dies after a case is stored, the retry (the same
post again: the case id is derived from it) completes every step that did not happen — audit,
the live event to counselors, the on-call alert — and repeats none that did."""

from __future__ import annotations

import pytest

from moderation.case_types import Case, CasePost, CaseSource
from service.base.ids import new_id, now_ms
from service.base.models import Role
from tests.helpers import Instance, World, ws_client

pytestmark = pytest.mark.redis


def crisis_case(world: World) -> Case:
    now = now_ms()
    sam = world.people["sam"].user
    return Case(id=new_id("c"), program=world.program, room=world.rooms["cohort"].id, source=CaseSource.CRISIS,
                categories=["crisis"], severity=3, urgent=True, created=now, updated=now,
                post=CasePost(author_id=sam.id, author_handle="sam", text="words that stay private", ts=now))


async def test_a_retry_after_a_crash_completes_the_opening_exactly_once(instance: Instance, world: World) -> None:
    await world.make_person("sam")
    lee = await world.make_person("lee", Role.COUNSELOR)
    case = crisis_case(world)
    deps = instance.deps
    # The first attempt stored and indexed the case, then the process died: no audit, no event, no alert.
    assert await deps.cases.open(case)
    assert [c.id for c in await deps.cases.open_queue(world.program)] == [case.id]
    assert await deps.audit.for_case(case.id) == []

    async with ws_client(instance.ws_url, lee.token) as counselor:
        await counselor.send({"type": "ping", "nonce": "ready"})
        await counselor.expect("pong")
        # The retry finishes the job...
        assert await deps.casework.open(case, actor="moderation") is False
        event = await counselor.expect("case", event="new")
        assert event["case"]["id"] == case.id
        entries = await deps.audit.for_case(case.id)
        assert [e.action for e in entries] == ["case.open.crisis"]
        stored = await deps.cases.get(case.id)
        assert stored is not None and stored.delivery is not None and stored.delivery.status == "pending"
        # ...and a second retry repeats nothing.
        assert await deps.casework.open(case, actor="moderation") is False
        assert len(await deps.audit.for_case(case.id)) == 1
        assert counselor.matching("case", event="new") == [event]
