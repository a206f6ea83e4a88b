"""Crisis help is always on screen: the crisis panel over a busy room at phone and desktop sizes,
"Get help now" from every member view, and private notices that stay whole and readable."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect

from service.base.models import Role
from tests.browser.conftest import (
    OpenPage,
    assert_inside_viewport,
    assert_no_axe_violations,
    messages,
    open_room,
    say,
    sign_in,
)
from tests.helpers import Instance, World, ws_client
from tests.redis.review_helpers import RELAPSE, api

pytestmark = [pytest.mark.browser, pytest.mark.redis]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CRISIS = "I want to kill myself tonight"
VIEWPORTS = [pytest.param(360, 640, id="phone"), pytest.param(1280, 800, id="desktop")]


async def fill_room(instance: Instance, world: World, count: int = 50) -> None:
    """A busy room: `count` ordinary posts over real sockets, spread over five members so that
    none of them trips the flood limit (ten posts each in well under a minute)."""
    room = world.rooms["cohort"].id
    authors = [await world.make_person(f"peer{n}") for n in range(5)]
    for n, person in enumerate(authors):
        async with ws_client(instance.ws_url, person.token) as client:
            await client.join(room)
            for i in range(n, count, len(authors)):
                await client.post(room, f"check-in {i}: long day at work, but I made it to the meeting", f"seed-{i}")


async def assert_every_line_reachable(page: Page) -> Locator:
    """The crisis panel is open, focused, unscrolled, and every crisis line is tappable on screen."""
    dialog = page.locator("dialog.crisis-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_role("heading", name="You're not alone")).to_be_focused()
    links = dialog.locator("a.resource")
    await expect(links).to_have_count(4)
    for href in ("tel:988", "sms:988", "sms:741741?&body=HOME", "tel:18006624357"):
        await expect(dialog.locator(f'a[href="{href}"]')).to_have_count(1)
    assert await dialog.evaluate("el => el.scrollHeight <= el.clientHeight + 1"), "the panel needs scrolling"
    for i in range(4):
        await assert_inside_viewport(page, links.nth(i))
    await assert_inside_viewport(page, dialog.get_by_role("button", name="Close this panel"))
    return dialog


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
async def test_crisis_panel_shows_every_line_over_a_busy_room(
    instance: Instance, world: World, open_page: OpenPage, width: int, height: int
) -> None:
    sam = await world.make_person("sam")
    await fill_room(instance, world)
    page = await open_page(instance.url, "sam", width=width, height=height)
    await sign_in(page, "sam", sam.password)
    await open_room(page, "cohort")
    await expect(messages(page)).to_have_count(50)

    await say(page, CRISIS)
    dialog = await assert_every_line_reachable(page)
    await page.screenshot(path=str(SHOTS / f"crisis-{width}.png"))
    await assert_no_axe_violations(page)

    # It stays while the room goes on: new posts do not close or squeeze it.
    async with ws_client(instance.ws_url, world.people["peer0"].token) as alex:
        await alex.join(world.rooms["cohort"].id)
        await alex.post(world.rooms["cohort"].id, "still here with you all", "later-1")
    await expect(messages(page).filter(has_text="still here with you all")).to_have_count(1)
    await expect(dialog).to_be_visible()
    await assert_inside_viewport(page, dialog.locator("a.resource").first)

    # Closed by the person, it comes back from "Get help now" with the same lines.
    await dialog.get_by_role("button", name="Close this panel").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_label("Write a message")).to_be_enabled()
    await page.get_by_role("button", name="Get help now").click()
    await assert_every_line_reachable(page)


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
async def test_get_help_now_is_one_tap_away_before_any_flag(
    instance: Instance, world: World, open_page: OpenPage, width: int, height: int
) -> None:
    sam = await world.make_person("sam")
    page = await open_page(instance.url, "sam", width=width, height=height)
    await sign_in(page, "sam", sam.password)
    await expect(page.get_by_role("heading", name="Your rooms")).to_be_visible()
    help_button = page.get_by_role("button", name="Get help now")
    await assert_inside_viewport(page, help_button)
    await help_button.click()
    dialog = await assert_every_line_reachable(page)
    await page.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await open_room(page, "cohort")
    await assert_inside_viewport(page, page.get_by_role("button", name="Get help now"))


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
async def test_each_notice_kind_is_whole_and_readable_in_a_busy_room(
    instance: Instance, world: World, open_page: OpenPage, width: int, height: int
) -> None:
    sam = await world.make_person("sam")
    await world.make_person("lee", Role.COUNSELOR)
    await fill_room(instance, world)
    page = await open_page(instance.url, "sam", width=width, height=height)
    await sign_in(page, "sam", sam.password)
    await open_room(page, "cohort")
    await expect(messages(page)).to_have_count(50)

    # Four kinds, each made the real way: masked contact details, a report, a counselor's note, a mute.
    await say(page, "text me any time, 312 555 0199")
    await expect(page.locator(".notice-masked")).to_have_count(1)
    last = messages(page).filter(has_text="check-in 49")
    await last.get_by_role("button", name="Report message from peer4").click()
    await last.get_by_role("button", name="Send to counselors").click()
    await expect(page.locator(".notice-reported")).to_have_count(1)
    await say(page, RELAPSE)
    await expect(messages(page).filter(has_text="used again")).to_have_count(1)
    async with api(instance, world, "lee") as lee:
        case_id = await _case_about(instance, world, "used again")
        warn = await lee.post(f"/api/cases/{case_id}/warn", json={"text": "I saw your message. Can we talk tomorrow?"})
        assert warn.is_success
        assert (await lee.post(f"/api/cases/{case_id}/mute", json={"minutes": 30, "reason": "pause"})).is_success
    await expect(page.locator(".notice-warning")).to_have_count(1)
    await expect(page.locator(".notice-muted")).to_have_count(1)

    for kind in ("masked", "reported", "warning", "muted"):
        banner = page.locator(f".notice-{kind}")
        await banner.scroll_into_view_if_needed()
        assert await banner.evaluate("el => el.scrollHeight <= el.clientHeight + 1"), f"{kind} is clipped"
        await assert_inside_viewport(page, banner)
        await assert_inside_viewport(page, banner.get_by_role("button", name="Dismiss"))
    await page.locator(".notice-warning").scroll_into_view_if_needed()
    await page.screenshot(path=str(SHOTS / f"notices-{width}.png"))
    await assert_no_axe_violations(page)

    for kind in ("masked", "reported", "warning", "muted"):
        await page.locator(f".notice-{kind}").get_by_role("button", name="Dismiss").click()
        await expect(page.locator(f".notice-{kind}")).to_have_count(0)


async def _case_about(instance: Instance, world: World, text: str) -> str:
    """The open case whose post contains `text` (made by the member's own post in the browser)."""
    for case in await instance.deps.cases.open_queue(world.program):
        if case.post and text in case.post.text:
            return case.id
    raise AssertionError(f"no open case about {text!r}")
