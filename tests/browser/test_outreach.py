"""A private check-in in real Chromium: a counselor reaches out from a case, the member gets a calm
banner wherever they are, reads who can see the conversation, replies, and the counselor sees the
reply live; a crisis reply opens the crisis panel for the member and marks the reply for the counselor."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from service.base.models import Role
from tests.browser.conftest import OpenPage, assert_inside_viewport, assert_no_axe_violations, sign_in
from tests.helpers import Instance, World
from tests.redis.review_helpers import RELAPSE, post_as

pytestmark = [pytest.mark.browser, pytest.mark.redis]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORTS = [pytest.param(360, 640, id="phone"), pytest.param(1280, 800, id="desktop")]
PRIVACY = "Only you and the counselors of Test IOP can read this. It is kept as part of your treatment record."
PART2 = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."
HELLO = "Hi sam, it's Dr. Lee. I read your message in group and wanted to check in privately. How are you holding up?"
REPLY = "Thank you for asking. Tonight is hard but I'm going to a meeting tomorrow morning."


async def relapse_case(instance: Instance, world: World) -> str:
    """A flagged post by sam, and the case it opened."""
    await post_as(instance, world, "sam", world.rooms["cohort"].id, RELAPSE, "relapse-1")
    return (await instance.deps.cases.open_queue(world.program))[0].id


async def reach_out_from_case(instance: Instance, lee: Page, case_id: str, text: str = HELLO) -> None:
    """The counselor opens the case, follows "Reach out privately" and sends a first message."""
    await lee.goto(f"{instance.url}/#/staff/case/{case_id}")
    await lee.get_by_role("link", name="Reach out privately").click()
    await expect(lee.get_by_role("heading", name="Reach out privately to sam")).to_be_visible()
    await expect(lee.locator(".thread-privacy")).to_have_text(
        "Only sam and the counselors of Test IOP will be able to read this. It becomes part of sam's treatment record.")
    await lee.get_by_label("Your message").fill(text)
    await lee.get_by_role("button", name="Send privately").click()
    await expect(lee.get_by_role("heading", name="Check-in with sam")).to_be_visible()
    await expect(lee.locator(".thread-msg").filter(has_text=text)).to_have_count(1)


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
async def test_a_counselor_reaches_out_from_a_case_and_the_member_answers(
    instance: Instance, world: World, open_page: OpenPage, width: int, height: int
) -> None:
    sam = await world.make_person("sam")
    lee = await world.make_person("dr.lee", Role.COUNSELOR)
    await world.make_person("alex")
    case_id = await relapse_case(instance, world)

    member = await open_page(instance.url, "sam", width=width, height=height)
    await sign_in(member, "sam", sam.password)
    await expect(member.get_by_role("heading", name="Your rooms")).to_be_visible()
    await expect(member.get_by_role("link", name=re.compile("Check-ins from your counselor"))).to_have_count(0)
    counselor = await open_page(instance.url, "counselor")
    await sign_in(counselor, "dr.lee", lee.password)
    await reach_out_from_case(instance, counselor, case_id)
    await expect(counselor.locator(".thread-privacy")).to_have_text(
        "Only sam and the counselors of Test IOP can read this. It is part of sam's treatment record.")
    await expect(counselor.locator(".part2")).to_have_text(PART2)

    # The member hears of it at once, quietly, on the page they are on.
    banner = member.get_by_role("status").filter(has_text="A counselor wants to check in")
    await expect(banner).to_be_visible()
    await expect(banner).to_contain_text("dr.lee from Test IOP sent you a private message")
    await assert_inside_viewport(member, banner.get_by_role("link", name="Read it"))
    await expect(member.get_by_role("link", name=re.compile("Check-ins from your counselor"))).to_be_visible()
    await assert_no_axe_violations(member)
    await banner.get_by_role("link", name="Read it").click()

    await expect(member.get_by_role("heading", name="A counselor wants to check in", level=1)).to_be_visible()
    await expect(member.locator(".thread-privacy")).to_have_text(PRIVACY)
    await expect(member.locator(".part2")).to_be_hidden()
    counselor_message = member.locator(".thread-msg").filter(has_text=HELLO)
    await expect(counselor_message).to_contain_text("dr.lee · counselor")
    await expect(member.get_by_role("status").filter(has_text="A counselor wants to check in")).to_have_count(0)
    reply_box = member.get_by_label("Write a reply")
    await assert_inside_viewport(member, member.locator(".thread-privacy"))
    await reply_box.fill(REPLY)
    await assert_no_axe_violations(member)
    if width == 360:
        await member.screenshot(path=str(SHOTS / "outreach-member-360.png"))
    await member.get_by_role("button", name="Send").click()
    await expect(member.locator(".thread-msg-mine").filter(has_text=REPLY)).to_contain_text("You")
    await expect(member.locator(".thread-pending")).to_have_count(0)
    await expect(reply_box).to_have_value("")

    # The counselor sees the answer arrive, without reloading.
    answer = counselor.locator(".thread-msg").filter(has_text=REPLY)
    await expect(answer).to_contain_text("sam")
    await expect(counselor.locator(".thread-flag")).to_have_count(0)
    await assert_no_axe_violations(counselor)
    if width == 1280:
        await counselor.get_by_label("Write to sam").fill("I'm glad you're going. Can I call you after?")
        await counselor.screenshot(path=str(SHOTS / "outreach-counselor.png"))
        await counselor.get_by_role("button", name="Send").click()
        await expect(member.locator(".thread-msg").filter(has_text="Can I call you after?")).to_have_count(1)

    # The conversation stays reachable from the rooms list.
    await member.get_by_role("link", name="← Rooms").click()
    await member.get_by_role("link", name=re.compile("Check-ins from your counselor")).click()
    await expect(member.locator(".thread-msg").filter(has_text=REPLY)).to_have_count(1)
    assert member.errors == [] and counselor.errors == []  # type: ignore[attr-defined]


async def test_a_crisis_reply_opens_the_crisis_panel_and_is_marked_for_the_counselor(
    instance: Instance, world: World, open_page: OpenPage
) -> None:
    sam = await world.make_person("sam")
    lee = await world.make_person("dr.lee", Role.COUNSELOR)
    case_id = await relapse_case(instance, world)
    counselor = await open_page(instance.url, "counselor")
    await sign_in(counselor, "dr.lee", lee.password)
    await reach_out_from_case(instance, counselor, case_id)

    member = await open_page(instance.url, "sam", width=360, height=640)
    await sign_in(member, "sam", sam.password)
    await member.get_by_role("status").filter(has_text="A counselor wants to check in").get_by_role(
        "link", name="Read it").click()
    await member.get_by_label("Write a reply").fill("honestly I don't want to be alive anymore")
    await member.get_by_role("button", name="Send").click()

    dialog = member.locator("dialog.crisis-dialog")
    await expect(dialog.get_by_role("heading", name="You're not alone")).to_be_focused()
    await expect(dialog.locator('a[href="tel:988"]')).to_be_visible()
    await assert_inside_viewport(member, dialog.locator('a[href="tel:988"]'))
    await expect(member.locator(".thread-msg-mine").filter(has_text="don't want to be alive")).to_have_count(1)
    await dialog.get_by_role("button", name="Close this panel").click()
    await expect(dialog).to_be_hidden()

    # The reply still reaches the counselor, marked, with the urgent case it opened.
    marked = counselor.locator(".thread-msg").filter(has_text="don't want to be alive")
    await expect(marked.locator(".thread-flag-crisis")).to_contain_text("an urgent case was opened")
    await expect(counselor.locator(".thread-links a")).to_have_count(2)
    await assert_no_axe_violations(counselor)


async def test_a_counselor_reaches_out_from_the_member_page(
    instance: Instance, world: World, open_page: OpenPage
) -> None:
    sam = await world.make_person("sam")
    lee = await world.make_person("dr.lee", Role.COUNSELOR)
    counselor = await open_page(instance.url, "counselor")
    await sign_in(counselor, "dr.lee", lee.password)
    await counselor.goto(f"{instance.url}/#/staff/member/{sam.user.id}?program={world.program}")
    threads = counselor.locator("#member-threads")
    await expect(threads.get_by_role("heading", name="Private check-ins with sam")).to_be_visible()
    await expect(threads).to_contain_text("No check-ins with sam yet.")
    await assert_no_axe_violations(counselor)
    await threads.get_by_role("link", name="Reach out privately").click()
    await expect(counselor.get_by_role("heading", name="Reach out privately to sam")).to_be_visible()
    await counselor.get_by_label("Your message").fill("Hi sam, checking in after today's group.")
    await counselor.get_by_role("button", name="Send privately").click()
    await expect(counselor.get_by_role("heading", name="Check-in with sam")).to_be_visible()

    await counselor.go_back()
    await counselor.go_back()
    await expect(threads.get_by_role("link", name=re.compile("Started by dr.lee"))).to_have_count(1)
