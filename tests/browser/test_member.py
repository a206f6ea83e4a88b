"""Members in real Chromium: sign-in, live chat across instances, safe rendering, keyboard use."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from service.base.models import Role
from tests.browser.conftest import OpenPage, messages, open_room, say, sign_in
from tests.helpers import Instance, World, ws_client

pytestmark = [pytest.mark.browser, pytest.mark.redis]


async def test_sign_in_refuses_a_bad_password_then_signs_in(instance: Instance, world: World,
                                                             open_page: OpenPage) -> None:
    sam = await world.make_person("sam")
    page = await open_page(instance.url)
    await page.get_by_label("Handle").fill("sam")
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("don't match")
    await expect(page.get_by_label("Password")).to_be_focused()

    await sign_in(page, "sam", sam.password)
    await expect(page.get_by_role("heading", name="Your rooms")).to_be_visible()
    await expect(page.get_by_role("link", name=re.compile("cohort"))).to_be_visible()
    await expect(page.get_by_role("link", name="Counselor queue")).to_have_count(0)

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()
    await page.reload()
    await expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()


async def test_two_members_chat_live_across_two_instances(pair: tuple[Instance, Instance],
                                                          open_page: OpenPage) -> None:
    a, b = pair
    world = World(a.deps)
    await world.make_program()
    await world.make_room("cohort")
    sam = await world.make_person("sam")
    alex = await world.make_person("alex")

    sam_page = await open_page(a.url, "sam")
    alex_page = await open_page(b.url, "alex")
    await sign_in(sam_page, "sam", sam.password)
    await sign_in(alex_page, "alex", alex.password)
    await open_room(sam_page, "cohort")
    await open_room(alex_page, "cohort")
    await sam_page.get_by_text(re.compile(r"\d+ here now")).click()
    await expect(sam_page.locator(".presence-list")).to_contain_text("alex")

    await say(sam_page, "evening everyone, rough day but I'm here")
    await expect(messages(alex_page).filter(has_text="rough day but I'm here")).to_have_count(1)
    await expect(alex_page.locator("#announcer")).to_contain_text("sam: evening everyone")
    await say(alex_page, "glad you came, sam")
    for page in (sam_page, alex_page):
        await expect(messages(page)).to_have_count(2)
        await expect(messages(page).nth(0)).to_contain_text("rough day")
        await expect(messages(page).nth(1)).to_contain_text("glad you came")
    await expect(sam_page.locator(".msg-pending")).to_have_count(0)


async def test_script_looking_post_is_shown_as_text(instance: Instance, world: World, open_page: OpenPage) -> None:
    sam = await world.make_person("sam")
    alex = await world.make_person("alex")
    payload = "<img src=x onerror=window.__pwned=1>"
    sam_page = await open_page(instance.url, "sam")
    alex_page = await open_page(instance.url, "alex")
    await sign_in(sam_page, "sam", sam.password)
    await sign_in(alex_page, "alex", alex.password)
    await open_room(sam_page, "cohort")
    await open_room(alex_page, "cohort")

    await say(sam_page, payload)
    for page in (sam_page, alex_page):
        text = messages(page).locator(".msg-text")
        await expect(text).to_have_text(payload)
        assert await page.locator("ol.messages img").count() == 0
        assert await page.evaluate("typeof window.__pwned") == "undefined"
        assert page.errors == []  # type: ignore[attr-defined]


async def test_keyboard_only_posting(instance: Instance, world: World, open_page: OpenPage) -> None:
    sam = await world.make_person("sam")
    page = await open_page(instance.url, "sam")
    # Sign in with the keyboard alone: the handle field has focus on load.
    await expect(page.get_by_label("Handle")).to_be_focused()
    await page.keyboard.type("sam")
    await page.keyboard.press("Tab")
    await page.keyboard.type(sam.password)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Your rooms")).to_be_visible()

    room_link = page.get_by_role("link", name=re.compile("cohort"))
    for _ in range(15):
        await page.keyboard.press("Tab")
        if await room_link.evaluate("el => el === document.activeElement"):
            break
    await expect(room_link).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("section.room[data-joined=true]")).to_be_visible()

    composer = page.get_by_label("Write a message")
    for _ in range(15):
        await page.keyboard.press("Tab")
        if await composer.evaluate("el => el === document.activeElement"):
            break
    await expect(composer).to_be_focused()
    await page.keyboard.type("typed without a mouse")
    await page.keyboard.press("Enter")
    await expect(messages(page).filter(has_text="typed without a mouse")).to_have_count(1)
    await expect(composer).to_have_value("")
    await expect(composer).to_be_focused()


async def test_crisis_post_shows_support_to_its_author_only(instance: Instance, world: World,
                                                             open_page: OpenPage) -> None:
    sam = await world.make_person("sam")
    alex = await world.make_person("alex")
    sam_page = await open_page(instance.url, "sam")
    alex_page = await open_page(instance.url, "alex")
    await sign_in(sam_page, "sam", sam.password)
    await sign_in(alex_page, "alex", alex.password)
    await open_room(sam_page, "cohort")
    await open_room(alex_page, "cohort")

    await say(sam_page, "I want to kill myself tonight")
    panel = sam_page.locator("section.crisis")
    await expect(panel.get_by_role("heading", name="You're not alone")).to_be_focused()
    await expect(panel.locator('a[href="tel:988"]')).to_be_visible()
    await expect(panel.locator('a[href="sms:741741?&body=HOME"]')).to_be_visible()
    held = sam_page.locator(".msg-held")
    await expect(held).to_contain_text("I want to kill myself tonight")
    await expect(held).to_contain_text("A counselor has been alerted and will reach out.")
    await expect(held).to_contain_text("Only you can see it for now.")

    # The panel is modal: it stays until sam closes it, then the room is sam's again.
    await panel.get_by_role("button", name="Close this panel").click()
    await expect(panel).to_be_hidden()
    await say(sam_page, "thanks for listening")
    await expect(messages(alex_page).filter(has_text="thanks for listening")).to_have_count(1)
    await expect(alex_page.get_by_text("kill myself")).to_have_count(0)
    await expect(alex_page.locator("section.crisis")).to_have_count(0)

    # The held post stays with its author across a reload (the server keeps it for them, not the room).
    await sam_page.reload()
    await expect(sam_page.locator("section.room[data-joined=true]")).to_be_visible()
    await expect(sam_page.locator(".msg-held")).to_contain_text("A counselor has been alerted and will reach out.")
    await expect(messages(sam_page).filter(has_text="thanks for listening")).to_have_count(1)
    await alex_page.reload()
    await expect(alex_page.locator("section.room[data-joined=true]")).to_be_visible()
    await expect(messages(alex_page).filter(has_text="thanks for listening")).to_have_count(1)
    await expect(alex_page.get_by_text("kill myself")).to_have_count(0)


async def test_member_reports_a_post(instance: Instance, world: World, open_page: OpenPage) -> None:
    sam = await world.make_person("sam")
    alex = await world.make_person("alex")
    await world.make_person("dr.lee", Role.COUNSELOR)
    sam_page = await open_page(instance.url, "sam")
    alex_page = await open_page(instance.url, "alex")
    await sign_in(sam_page, "sam", sam.password)
    await sign_in(alex_page, "alex", alex.password)
    await open_room(sam_page, "cohort")
    await open_room(alex_page, "cohort")
    await say(sam_page, "nobody here gets it anyway")
    message = messages(alex_page).filter(has_text="nobody here gets it")
    await message.get_by_role("button", name="Report message from sam").click()
    await expect(message.get_by_label("Why are you reporting this?")).to_be_focused()
    # Hiding is a host's control, not part of a member's report.
    await expect(message.get_by_role("button", name="Hide for review")).to_have_count(0)
    await expect(message.get_by_role("button", name=re.compile("^Hide message"))).to_have_count(0)
    await message.get_by_role("button", name="Send to counselors").click()
    await expect(alex_page.locator(".notices")).to_contain_text("A counselor will look at that message")


async def test_unread_counts_stay_live_for_rooms_not_on_screen(instance: Instance, world: World,
                                                               open_page: OpenPage) -> None:
    sam = await world.make_person("sam")
    alex = await world.make_person("alex")
    page = await open_page(instance.url, "sam")
    await sign_in(page, "sam", sam.password)
    await expect(page.get_by_role("heading", name="Your rooms")).to_be_visible()
    room = world.rooms["cohort"].id
    async with ws_client(instance.ws_url, alex.token) as client:
        await client.join(room)
        await client.post(room, "anyone around tonight?", "unread-1")
        await client.post(room, "I could use the company", "unread-2")
        # Watching a room for unread counts does not show sam as here.
        assert [m["handle"] for m in (await client.join(room))["presence"]] == ["alex"]
    link = page.get_by_role("link", name=re.compile("cohort"))
    await expect(link.locator(".badge")).to_have_text("2 unread")
    await open_room(page, "cohort")
    await expect(messages(page)).to_have_count(2)
    await page.get_by_role("link", name="Rooms", exact=True).click()
    await expect(link.locator(".badge")).to_have_count(0)
