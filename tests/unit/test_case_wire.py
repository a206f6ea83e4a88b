"""The counselor queue's typed wire: summaries, case details, the internal refresh frame and the action table."""

from __future__ import annotations

from typing import Any, cast

import httpx
import msgspec
from starlette.routing import Route

from channels.wsframe import text_frame
from moderation.case_types import Case, CasePost, CaseReason, CaseSource, CaseStatus, FollowUp, PostState
from service.actions.casework import case_summary
from service.app import create_app
from service.base.settings import Settings
from service.http import review as review_api
from service.http.openapi import build
from service.protocol import (
    Author,
    CaseContext,
    CaseDetail,
    CaseEvent,
    CaseUpdated,
    HeldCase,
    Message,
    Refresh,
    encode,
    encoder,
)
from service.realtime.connection import REFRESH_PREFIX, Connection
from service.realtime.staff import StaffFeed


def a_case(**changes: Any) -> Case:
    base = Case(id="c_1", program="p_1", room="r_1", source=CaseSource.HOLD, categories=["crisis"], severity=2,
                urgent=True, created=1, updated=2)
    return msgspec.structs.replace(base, **changes)


def with_post() -> Case:
    return a_case(
        status=CaseStatus.RESOLVED, post_state=PostState.HELD, assignee="u_9", message_id="1-0",
        post=CasePost(author_id="u_1", author_handle="sam", text="hi", ts=5, masked_text="h*"),
        reasons=[CaseReason(category="crisis", severity=2, rule="r", explanation="e")],
        followups=[FollowUp(id="f_1", kind="group", note="n", due=3, created_by="u_2")],
    )


def test_a_summary_is_the_dashboards_flat_object_with_every_key_and_no_text() -> None:
    for case, author in ((a_case(), None), (with_post(), "sam")):
        assert msgspec.json.decode(encoder.encode(case_summary(case))) == {
            "id": case.id, "program": case.program, "room": case.room, "source": case.source.value,
            "categories": case.categories, "severity": case.severity, "urgent": case.urgent,
            "status": case.status.value, "post_state": case.post_state.value, "assignee": case.assignee,
            "author": author, "created": case.created, "updated": case.updated,
        }
    # Key order is the field order, and absent values are null rather than left out.
    assert encoder.encode(case_summary(a_case())).startswith(b'{"id":"c_1","program":"p_1","room":"r_1"')
    assert b'"assignee":null,"author":null' in encoder.encode(case_summary(a_case()))


def test_a_case_event_carries_the_summary() -> None:
    summary = case_summary(with_post())
    frame = msgspec.json.decode(encode(CaseEvent(event="new", case=summary)))
    assert frame == {"type": "case", "event": "new", "case": msgspec.to_builtins(summary)}


def test_case_detail_and_action_answers_encode_the_whole_case_as_before() -> None:
    case = with_post()
    message = Message(room="r_1", id="1-0", author=Author(id="u_1", handle="sam"), text="hi", ts=5)
    detail = CaseDetail(case=case, context=CaseContext(before=[message], after=[]),
                        author_history=[case_summary(a_case(id="c_2"))])
    assert msgspec.json.decode(encoder.encode(detail)) == {
        "case": msgspec.to_builtins(case),
        "context": {"before": [msgspec.to_builtins(message)], "after": []},
        "author_history": [msgspec.to_builtins(case_summary(a_case(id="c_2")))],
    }
    assert msgspec.json.decode(encoder.encode(CaseUpdated(case=case))) == {"case": msgspec.to_builtins(case)}


def test_a_held_case_is_the_summary_plus_the_text() -> None:
    case = with_post()
    held = HeldCase(**msgspec.structs.asdict(case_summary(case)), text="hi")
    assert msgspec.json.decode(encoder.encode(held)) == {**msgspec.to_builtins(case_summary(case)), "text": "hi"}


def test_refresh_is_recognised_by_the_sockets_on_the_users_topic() -> None:
    assert encoder.encode(Refresh("session")) == b'{"type":"refresh","what":"session"}'
    assert encoder.encode(Refresh("mute")).startswith(REFRESH_PREFIX)


class _Sink:
    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def queue(self, frame: bytes, priority: bool) -> None:
        self.frames.append(frame)


def test_a_hosts_staff_feed_passes_only_cases_of_rooms_they_host() -> None:
    sink = _Sink()
    feed = StaffFeed(cast(Connection, sink), "staff", {"r_1"})
    ordinary = {"categories": ["sourcing"], "urgent": False}
    ours = text_frame(encode(CaseEvent(event="new", case=case_summary(a_case(**ordinary)))))
    theirs = text_frame(encode(CaseEvent(event="new", case=case_summary(a_case(room="r_2", **ordinary)))))
    crisis = a_case(id="c_crisis")  # a crisis hold in a room the host hosts
    ours_in_crisis = text_frame(encode(CaseEvent(event="new", case=case_summary(crisis))))
    for frame in (ours, theirs, ours_in_crisis, text_frame(b'{"not": "a case event"}')):
        feed.deliver(None, frame, True)
    assert sink.frames == [ours]  # crisis cases are for counselors only; unreadable frames fail closed
    counselor = _Sink()
    StaffFeed(cast(Connection, counselor), "staff", None).deliver(None, ours_in_crisis, True)
    assert counselor.frames == [ours_in_crisis]


def test_every_action_in_the_table_is_routed_and_documented_with_its_body_and_roles() -> None:
    app = create_app(Settings(static_dir="/nonexistent"))
    posts = {route.path for route in app.routes if isinstance(route, Route) and "POST" in (route.methods or ())}
    paths = build()["paths"]
    for name, spec in review_api.ACTIONS.items():
        path = review_api.action_path(name)
        assert path in posts, name
        op = paths[path]["post"]
        assert op["summary"] == spec.summary
        assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(f"/{spec.body.__name__}")
        assert op["description"] == f"Allowed: {spec.roles}."
    assert {name for name, spec in review_api.ACTIONS.items() if spec.mentor_ok} == {"approve", "remove"}


async def test_an_unknown_action_name_is_not_found() -> None:
    app = create_app(Settings(static_dir="/nonexistent"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.post("/api/cases/c_1/bogus", json={})
    assert response.status_code == 404
