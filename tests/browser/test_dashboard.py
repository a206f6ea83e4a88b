"""The counselor dashboard against the review API contract (stubbed), in real Chromium:
live queue updates from `case` frames, a case's actions and what they send, the audit log."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import WebSocketRoute, expect

from service.models import Role
from tests.browser.conftest import OpenPage, sign_in
from tests.browser.review_stub import ReviewStub
from tests.helpers import Instance, World, eventually

pytestmark = [pytest.mark.browser, pytest.mark.redis]


async def test_counselor_queue_updates_live_and_actions_send_the_contract(
    instance: Instance, world: World, open_page: OpenPage
) -> None:
    lee = await world.make_person("dr.lee", Role.COUNSELOR)
    room = world.rooms["cohort"]
    stub = ReviewStub(world.program, {room.id: room.name}, lee.user.id)
    stub.add_case("c_report", room.id, "report", "alex", "whatever, nobody cares", minutes_ago=40)

    page = await open_page(f"{instance.url}/#/signin", "counselor")
    await stub.install(page)
    sockets: list[WebSocketRoute] = []

    def through(ws: WebSocketRoute) -> None:
        ws.connect_to_server()  # real server traffic passes both ways; the test can add frames
        sockets.append(ws)

    await page.route_web_socket("**/ws", through)
    await sign_in(page, "dr.lee", lee.password)
    rows = page.locator(".case-row")
    await expect(rows).to_have_count(1)
    await expect(page.get_by_text("Follow-ups due")).to_be_visible()

    # A crisis case arrives as a live frame and goes to the top of the queue.
    crisis = stub.add_case("c_crisis", room.id, "crisis", "sam", "I want to kill myself tonight", urgent=True,
                           severity=3, categories=["crisis"])
    await eventually(lambda: sockets)
    sockets[-1].send(json.dumps({"type": "case", "event": "new", "case": stub.summary(crisis)}))
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text("Urgent")
    await expect(rows.first).to_contain_text("sam")
    await expect(page.locator("#announcer")).to_contain_text("New urgent case")

    await rows.first.get_by_role("link").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator(".ctx-case")).to_contain_text("I want to kill myself tonight")
    await page.get_by_role("button", name="Claim").click()
    await expect(page.get_by_role("button", name="Release")).to_be_visible()
    await page.get_by_text("Plan a follow-up").click()
    await page.get_by_label("What to follow up on").fill("Check in with sam at Thursday group")
    await page.get_by_role("button", name="Save follow-up").click()
    await expect(page.get_by_role("status").filter(has_text="Follow-up saved")).to_be_visible()
    await page.get_by_role("button", name="Approve post").click()
    await expect(page.get_by_role("status").filter(has_text="Approved")).to_be_visible()
    await page.get_by_text("Resolve", exact=True).click()
    await page.get_by_label("Resolution note").fill("Called sam; safety plan in place.")
    await page.get_by_role("button", name="Resolve case").click()
    await expect(page.get_by_text("Resolved.", exact=False).first).to_be_visible()

    actions = [(action, body) for _, action, body in stub.calls]
    assert [a for a, _ in actions] == ["claim", "followups", "approve", "resolve"]
    followup = actions[1][1]
    assert followup["kind"] == "group" and followup["note"].startswith("Check in") and followup["due"] > 0
    assert actions[3][1] == {"note": "Called sam; safety plan in place."}

    await page.get_by_role("link", name="Audit log for sam").click()
    await expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    await expect(page.get_by_label("Member id")).to_have_value("u_sam")
    await expect(page.locator("table.audit tbody tr")).to_have_count(2)


async def test_members_never_see_the_counselor_area(instance: Instance, world: World, open_page: OpenPage) -> None:
    sam = await world.make_person("sam")
    page = await open_page(instance.url, "sam")
    await sign_in(page, "sam", sam.password)
    await page.goto(f"{instance.url}/#/staff")
    await expect(page.get_by_role("heading", name="Your rooms")).to_be_visible()
    await expect(page.get_by_role("link", name="Counselor queue")).to_have_count(0)
