"""Urgent-case alerts reach counselors wherever they are in the app (a room, the rooms list, a case):
banner, page title, desktop notification (no post text) and an optional generated tone; the alert
stays until dismissed, claimed by this counselor or resolved; escalations alert too; mentors
get none of it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from service.base.models import Role, RoomKind
from tests.browser.conftest import OpenPage, assert_inside_viewport, assert_no_axe_violations, open_room, sign_in
from tests.helpers import Instance, World, ws_client
from tests.redis.review_helpers import CRISIS, RELAPSE, api, case_for, post_as

pytestmark = [pytest.mark.browser, pytest.mark.redis]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORTS = [pytest.param(360, 740, id="phone"), pytest.param(1280, 800, id="desktop")]
URGENT_TITLE = re.compile(r"^\(1\) Urgent case · ")

# Observes (does not replace) the browser's Notification and Web Audio APIs: every notification the
# app constructs, every permission request and every oscillator it starts is recorded, then passed on.
RECORDER = """
(() => {
  window.__notes = []; window.__asked = 0; window.__tones = 0;
  const Real = window.Notification;
  if (Real) {
    class Recorded extends Real {
      constructor(title, options) {
        super(title, options);
        window.__notes.push({ title, options: options || {} });
      }
    }
    Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
    Recorded.requestPermission = (...args) => { window.__asked += 1; return Real.requestPermission(...args); };
    window.Notification = Recorded;
  }
  const Audio = window.AudioContext;
  if (Audio) {
    const make = Audio.prototype.createOscillator;
    Audio.prototype.createOscillator = function () { window.__tones += 1; return make.call(this); };
  }
})();
"""


async def alert_world(instance: Instance, world: World) -> World:
    """The fixture's program and cohort, an evening room hosted by a mentor, a member and two counselors."""
    await world.make_person("sam")
    mentor = await world.make_person("jordan", Role.MENTOR)
    await world.make_room("evening", RoomKind.EVENING, hosts=[mentor.user.id])
    await world.make_person("lee", Role.COUNSELOR)
    await world.make_person("kim", Role.COUNSELOR)
    return world


async def observed_page(open_page: OpenPage, instance: Instance, world: World, handle: str,
                        width: int = 1280, height: int = 800) -> Page:
    """A signed-in page whose context may notify, with the recorder in place before the app loads."""
    page = await open_page(instance.url, handle, width=width, height=height)
    await page.context.grant_permissions(["notifications"], origin=instance.url)
    await page.context.add_init_script(RECORDER)
    await page.reload()
    await sign_in(page, handle, world.people[handle].password)
    return page


async def post_crisis(instance: Instance, world: World, room: str = "evening") -> None:
    """The member posts a crisis message from their own socket (held, urgent case)."""
    async with ws_client(instance.ws_url, world.people["sam"].token) as sam:
        await sam.join(world.rooms[room].id)
        ack = await sam.post(world.rooms[room].id, CRISIS, "crisis-1")
        assert ack["status"] == "held", ack


async def recorded(page: Page, name: str) -> Any:
    return await page.evaluate(f"window.{name}")


def banner(page: Page) -> Any:
    return page.locator(".urgent-alert")


async def turn_on_desktop_alerts(page: Page) -> None:
    await page.get_by_text("Alerts", exact=True).click()
    panel = page.locator(".alert-panel")
    await expect(panel).to_contain_text("Alerts never include what anyone wrote.")
    assert await recorded(page, "__asked") == 0, "permission was asked before the button was pressed"
    await assert_inside_viewport(page, panel.get_by_role("button", name="Turn on desktop alerts"))
    await assert_inside_viewport(page, panel.get_by_label("Play a sound with urgent alerts"))
    await assert_no_axe_violations(page)
    await panel.get_by_role("button", name="Turn on desktop alerts").click()
    await expect(panel.get_by_role("status")).to_contain_text("Desktop alerts are on")
    await expect(panel.get_by_role("button", name="Turn on desktop alerts")).to_be_hidden()
    assert await recorded(page, "__asked") == 1
    await page.get_by_text("Alerts", exact=True).click()  # close the panel again
    await expect(panel).to_be_hidden()


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
async def test_a_counselor_in_a_room_is_alerted_and_the_banner_opens_the_case(
    instance: Instance, world: World, open_page: OpenPage, width: int, height: int
) -> None:
    await alert_world(instance, world)
    await post_as(instance, world, "sam", world.rooms["cohort"].id, "Made it to work and back today", "day-1")
    page = await observed_page(open_page, instance, world, "lee", width, height)
    await turn_on_desktop_alerts(page)
    await open_room(page, "cohort")
    await expect(page.locator("ol.messages > li.msg").filter(has_text="Made it to work")).to_have_count(1)
    await expect(page).to_have_title("cohort · Between")
    await expect(banner(page)).to_have_count(0)

    await post_crisis(instance, world)

    alert = banner(page)
    await expect(alert).to_have_count(1)
    await expect(alert).to_have_attribute("role", "alert")
    await expect(alert).to_contain_text("Urgent")
    await expect(alert).to_contain_text("evening")
    await expect(alert).not_to_contain_text("kill")
    await expect(page).to_have_title(URGENT_TITLE)
    await expect(page).to_have_title("(1) Urgent case · cohort · Between")
    # Still in the room, and the room still works around the banner.
    await expect(page.get_by_role("heading", name="cohort", level=1)).to_be_visible()
    await assert_inside_viewport(page, alert.get_by_role("link", name="Open case"))
    await assert_inside_viewport(page, alert.get_by_role("button", name="Dismiss"))
    await assert_inside_viewport(page, page.get_by_label("Write a message"))

    notes = await recorded(page, "__notes")
    assert len(notes) == 1, notes
    assert notes[0]["title"] == "Urgent case in evening"
    said = json.dumps(notes).lower()
    for private in ("kill", "tonight", "sam", "crisis-1"):
        assert private not in said, notes
    assert await recorded(page, "__tones") == 0, "sound is off by default"

    await page.evaluate("document.activeElement && document.activeElement.blur()")
    await page.mouse.move(0, height - 1)  # no hover highlight from the viewport checks
    await page.screenshot(path=str(SHOTS / ("alert-banner.png" if width >= 1000 else f"alert-banner-{width}.png")))
    await assert_no_axe_violations(page)

    # The rooms list shows it too; the link opens the case, where no banner points at itself.
    await page.get_by_role("link", name="Rooms", exact=True).click()
    await expect(page.get_by_role("heading", name="Your rooms")).to_be_visible()
    await expect(banner(page)).to_be_visible()
    await banner(page).get_by_role("link", name="Open case").click()
    await expect(page).to_have_url(re.compile(r"#/staff/case/c_"))
    await expect(page.get_by_role("heading", name=re.compile(r"^Crisis"), level=1)).to_be_visible()
    await expect(banner(page)).to_be_hidden()
    await expect(page).to_have_title(re.compile(r"^\(1\) Urgent case · Case: Crisis"))

    # Left unclaimed, it is back on the next page; Dismiss acknowledges it here, for good.
    await page.get_by_role("link", name="Rooms", exact=True).click()
    await expect(banner(page)).to_be_visible()
    await banner(page).get_by_role("button", name="Dismiss").click()
    await expect(banner(page)).to_have_count(0)
    await expect(page).not_to_have_title(URGENT_TITLE)
    await page.reload()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    await expect(page.get_by_role("heading", name="Your rooms")).to_be_visible()
    await expect(page.get_by_role("link", name="Counselor queue")).to_be_visible()
    await page.get_by_role("link", name="Counselor queue").click()
    await expect(page.locator(".case-row.case-urgent")).to_have_count(1)  # still in the queue
    await expect(banner(page)).to_have_count(0)
    await expect(page).to_have_title("Counselor queue · Between")


async def test_an_alert_follows_the_case_until_resolved_escalations_alert_and_the_tone_is_opt_in(
    instance: Instance, world: World, open_page: OpenPage
) -> None:
    await alert_world(instance, world)
    page = await observed_page(open_page, instance, world, "lee")
    await expect(page.get_by_role("heading", name="Between sessions")).to_be_visible()

    # Sound: off by default; turning it on plays the tone once so the counselor knows it, and it is remembered.
    await page.get_by_text("Alerts", exact=True).click()
    sound = page.get_by_label("Play a sound with urgent alerts")
    await expect(sound).not_to_be_checked()
    await sound.check()
    assert await recorded(page, "__tones") == 2  # two short generated beeps, no audio file
    await page.reload()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    await page.get_by_text("Alerts", exact=True).click()
    await expect(page.get_by_label("Play a sound with urgent alerts")).to_be_checked()
    await page.get_by_text("Alerts", exact=True).click()
    await open_room(page, "cohort")
    await page.get_by_label("Write a message").click()  # a gesture, as a real counselor's typing is

    await post_crisis(instance, world)
    await expect(banner(page)).to_have_count(1)
    await expect(banner(page)).to_contain_text("Nobody has claimed it yet.")
    assert await recorded(page, "__tones") == 2  # this page's count (the reload started a new one)
    assert await recorded(page, "__notes") == [], "desktop alerts stay off until asked for"
    assert await recorded(page, "__asked") == 0

    # A colleague claims it: still urgent until resolved, and the banner says someone has it.
    crisis = await case_for(instance, world, "crisis-1")
    async with api(instance, world, "kim") as kim:
        assert (await kim.post(f"/api/cases/{crisis}/claim", json={})).status_code == 200
        await expect(banner(page)).to_contain_text("A colleague has claimed it.")
        await expect(page).to_have_title(URGENT_TITLE)
        resolved = await kim.post(f"/api/cases/{crisis}/resolve", json={"note": "Called sam; safe with family"})
        assert resolved.status_code == 200
    await expect(banner(page)).to_have_count(0)
    await expect(page).to_have_title("cohort · Between")

    # A relapse is not urgent; escalated to crisis by a colleague, it is, and it rings.
    await post_as(instance, world, "sam", world.rooms["cohort"].id, RELAPSE, "relapse-1")
    relapse = await case_for(instance, world, "relapse-1")
    async with api(instance, world, "kim") as kim:
        assert (await kim.post(f"/api/cases/{relapse}/claim", json={})).status_code == 200
        await expect(banner(page)).to_have_count(0)
        escalated = await kim.post(f"/api/cases/{relapse}/escalate", json={"to": "crisis", "note": "worried"})
        assert escalated.status_code == 200
        await expect(banner(page)).to_have_count(1)
        await expect(banner(page)).to_contain_text("A colleague has claimed it.")
        assert await recorded(page, "__tones") == 4
        assert (await kim.post(f"/api/cases/{relapse}/release", json={})).status_code == 200
    await expect(banner(page)).to_contain_text("Nobody has claimed it yet.")

    # The counselor takes it: they have it, so their own alert goes (a colleague's would stay).
    async with api(instance, world, "lee") as lee:
        assert (await lee.post(f"/api/cases/{relapse}/claim", json={})).status_code == 200
    await expect(banner(page)).to_have_count(0)
    await expect(page).to_have_title("cohort · Between")


async def test_a_mentor_hosting_the_room_gets_no_urgent_alert(
    instance: Instance, world: World, open_page: OpenPage
) -> None:
    await alert_world(instance, world)
    page = await observed_page(open_page, instance, world, "jordan")
    await expect(page.get_by_role("heading", name="Your rooms")).to_be_visible()
    await expect(page.get_by_text("Alerts", exact=True)).to_have_count(0)
    await open_room(page, "evening")

    async with ws_client(instance.ws_url, world.people["lee"].token) as lee:
        await lee.send({"type": "ping"})
        await lee.expect("pong")  # staff feeds are attached before the socket reads frames
        await post_crisis(instance, world)
        await lee.expect("case", event="new")  # the case was announced to staff
    # A later ordinary post reaching the mentor's room means anything sent before it has arrived too.
    async with ws_client(instance.ws_url, world.people["sam"].token) as sam:
        await sam.join(world.rooms["evening"].id)
        await sam.post(world.rooms["evening"].id, "thanks for hosting tonight", "after-1")
    await expect(page.locator("ol.messages > li.msg").filter(has_text="thanks for hosting tonight")).to_have_count(1)
    await expect(banner(page)).to_have_count(0)
    await expect(page.locator("#urgent-alerts")).to_have_count(0)
    await expect(page).to_have_title("evening · Between")
    assert await recorded(page, "__notes") == []
    assert await recorded(page, "__asked") == 0
