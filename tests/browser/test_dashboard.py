"""The counselor dashboard against the real app in headless Chromium: the between-sessions
inbox, the live case queue, a case's context and actions (and what the member sees of
them), the audit log, keyboard use, and members kept out."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Locator, Page, expect

from service.base.models import Role, RoomKind
from tests.browser.conftest import OpenPage, open_room, say, sign_in
from tests.helpers import Instance, World, ws_client
from tests.redis.review_helpers import CRISIS, RELAPSE, api, post_as

pytestmark = [pytest.mark.browser, pytest.mark.redis]

HARSH = "you're pathetic, nobody here wants you"


async def counseling_world(instance: Instance) -> World:
    """A program with a cohort and an evening room, three members and two counselors."""
    world = World(instance.deps)
    await world.make_program("Evening IOP")
    await world.make_room("cohort")
    await world.make_room("evening", RoomKind.EVENING)
    for handle in ("sam", "alex", "jordan"):
        await world.make_person(handle)
    await world.make_person("dr.lee", Role.COUNSELOR)
    await world.make_person("dr.kim", Role.COUNSELOR)
    return world


async def signed_in(open_page: OpenPage, instance: Instance, world: World, handle: str) -> Page:
    """A browser page of one person, signed in through the form."""
    page = await open_page(instance.url, handle)
    await sign_in(page, handle, world.people[handle].password)
    return page


def published(page: Page, text: str) -> Locator:
    """A message the room has (not the author's pending copy)."""
    return page.locator("ol.messages > li.msg[data-id]").filter(has_text=text)


async def tab_to(page: Page, target: Locator, limit: int = 40) -> None:
    """Press Tab until ``target`` has keyboard focus (bounded: fails if it is not reachable)."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} not reachable with Tab in {limit} presses")


async def local_time_input(page: Page, hours_from_now: float) -> str:
    """A ``datetime-local`` value in the browser's own time zone."""
    return str(await page.evaluate(
        "h => { const d = new Date(Date.now() + h * 3600e3);"
        " return new Date(d - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16); }",
        hours_from_now,
    ))


async def test_inbox_shows_open_cases_crisis_first_followups_and_each_rooms_day(
    instance: Instance, open_page: OpenPage
) -> None:
    world = await counseling_world(instance)
    cohort, evening = world.rooms["cohort"].id, world.rooms["evening"].id
    # The day between sessions: ordinary chat, a relapse in the cohort, then a crisis in the evening room.
    await post_as(instance, world, "alex", cohort, "Made it to work and back, one day at a time", "chat-1")
    await post_as(instance, world, "jordan", cohort, "Proud of you, alex", "chat-2")
    await post_as(instance, world, "sam", cohort, RELAPSE, "relapse")
    await post_as(instance, world, "sam", evening, CRISIS, "crisis")
    relapse_case = next(c.id for c in await instance.deps.cases.open_queue(world.program) if c.source == "flag")
    async with api(instance, world, "dr.kim") as kim:
        due = (await instance.deps.cases.get(relapse_case)).created + 2 * 3_600_000  # type: ignore[union-attr]
        answer = await kim.post(f"/api/cases/{relapse_case}/followups",
                                json={"kind": "group", "note": "Talk with sam at Thursday group", "due": due})
        assert answer.status_code == 200

    lee = await signed_in(open_page, instance, world, "dr.lee")
    await expect(lee.get_by_role("heading", name="Between sessions")).to_be_visible()
    rows = lee.locator(".case-row")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text("Urgent")
    await expect(rows.nth(0)).to_contain_text("Crisis · sam")
    await expect(rows.nth(0)).to_contain_text("evening")
    await expect(rows.nth(1)).to_contain_text("Flagged post · sam")
    await expect(rows.nth(1)).to_contain_text("relapse")
    await expect(rows.nth(1)).to_contain_text("Unclaimed")
    await expect(lee.locator(".lede")).to_contain_text("2 new cases, 0 resolved")

    followup = lee.locator(".followup")
    await expect(followup).to_have_count(1)
    await expect(followup).to_contain_text("Talk with sam at Thursday group")
    await expect(followup).to_contain_text("group with sam · cohort")

    activity = lee.locator(".room-activity")
    await expect(activity.filter(has_text="cohort")).to_contain_text("3 posts · 1 flagged")
    await expect(activity.filter(has_text="cohort").locator(".signals")).to_contain_text("sam · relapse")
    await expect(activity.filter(has_text="evening")).to_contain_text("0 posts · 1 flagged")
    await expect(activity.filter(has_text="evening").locator(".signals")).to_contain_text("sam · crisis")

    # A signal leads to the member's history in the audit log.
    await activity.filter(has_text="evening").get_by_role("link", name="History of sam").click()
    await expect(lee.get_by_role("heading", name="Audit log")).to_be_visible()
    await expect(lee.get_by_label("Member handle")).to_have_value("sam")
    await expect(lee.locator("td[data-audit-action='case.open.crisis']")).to_have_count(1)
    await expect(lee.locator("td[data-audit-action='case.open.flag']")).to_have_count(1)

    # Back on the dashboard, "since last session" still covers the day (not just the last minute).
    await lee.get_by_role("link", name="Inbox & queue").click()
    await expect(activity.filter(has_text="cohort")).to_contain_text("3 posts · 1 flagged")


async def test_new_cases_arrive_live_and_a_colleagues_claim_shows(instance: Instance, open_page: OpenPage) -> None:
    world = await counseling_world(instance)
    lee = await signed_in(open_page, instance, world, "dr.lee")
    await expect(lee.get_by_text("No open cases")).to_be_visible()
    sam = await signed_in(open_page, instance, world, "sam")
    await open_room(sam, "cohort")

    # A relapse is published to the group and flagged: the case appears without a reload.
    await say(sam, RELAPSE)
    await expect(published(sam, RELAPSE)).to_have_count(1)
    rows = lee.locator(".case-row")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Flagged post · sam")
    await expect(lee.locator("#announcer")).to_contain_text("New case: Flagged post from sam")

    # A crisis goes straight to the top, marked urgent.
    await say(sam, CRISIS)
    await expect(sam.locator("section.crisis")).to_be_visible()
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text("Urgent")
    await expect(rows.first).to_contain_text("Crisis · sam")
    await expect(lee.locator("#announcer")).to_contain_text("New urgent case: Crisis from sam")

    # Another counselor claims the crisis case over the API: it shows as theirs, live.
    crisis_id = await rows.first.get_attribute("data-case")
    async with api(instance, world, "dr.kim") as kim:
        assert (await kim.post(f"/api/cases/{crisis_id}/claim", json={})).status_code == 200
    await expect(rows.first).to_contain_text("Claimed by dr.kim")
    await expect(rows.nth(1)).to_contain_text("Unclaimed")

    # Opening it offers no claim, only what a second counselor may still do.
    await rows.first.get_by_role("link").click()
    await expect(lee.locator(".ctx-case")).to_contain_text(CRISIS)
    await expect(lee.locator(".claimed-note")).to_contain_text("A colleague is working on this case")
    await expect(lee.get_by_role("button", name="Claim", exact=True)).to_have_count(0)
    # And when they release it, it is open to claim again, live.
    async with api(instance, world, "dr.kim") as kim:
        assert (await kim.post(f"/api/cases/{crisis_id}/release", json={})).status_code == 200
    await expect(lee.get_by_role("button", name="Claim", exact=True)).to_be_visible()


async def test_case_context_and_actions_reach_the_member_and_the_audit_log(
    instance: Instance, open_page: OpenPage
) -> None:
    world = await counseling_world(instance)
    cohort = world.rooms["cohort"].id
    await post_as(instance, world, "alex", cohort, "Rough day, but I'm here", "before-1")
    await post_as(instance, world, "jordan", cohort, "Glad you came tonight, alex", "before-2")
    sam = await signed_in(open_page, instance, world, "sam")
    await open_room(sam, "cohort")
    await say(sam, RELAPSE)
    await expect(published(sam, RELAPSE)).to_have_count(1)
    await post_as(instance, world, "alex", cohort, "Thank you for telling us, sam", "after-1")

    # Keyboard only: from the dashboard to the case, and claim it.
    lee = await signed_in(open_page, instance, world, "dr.lee")
    row_link = lee.locator(".case-row").filter(has_text="sam").get_by_role("link")
    await expect(row_link).to_be_visible()
    await tab_to(lee, row_link)
    await lee.keyboard.press("Enter")
    await expect(lee.locator("#case-title")).to_be_focused()
    claim = lee.get_by_role("button", name="Claim", exact=True)
    await tab_to(lee, claim)
    await lee.keyboard.press("Enter")
    release = lee.get_by_role("button", name="Release", exact=True)
    await expect(release).to_be_focused()
    await expect(lee.get_by_role("status").filter(has_text="Claimed")).to_be_visible()
    await expect(lee.locator(".case-line")).to_contain_text("Claimed by you")

    # The post in its context: what came before and after it in the room.
    context = lee.locator(".ctx-list > li")
    await expect(context).to_have_count(4)
    await expect(context.nth(0)).to_contain_text("Rough day, but I'm here")
    await expect(context.nth(1)).to_contain_text("Glad you came tonight, alex")
    await expect(context.nth(2)).to_contain_text(RELAPSE)
    await expect(context.nth(2)).to_have_class(re.compile(r"\bctx-case\b"))
    await expect(context.nth(3)).to_contain_text("Thank you for telling us, sam")

    # A private warning: only sam sees it, as a kind note in the room.
    warning = "Hi sam, it's Dr. Lee. Thank you for being honest with the group. Can we talk tomorrow?"
    await lee.get_by_text("Send a private warning", exact=True).click()
    await lee.get_by_label("Message to the member", exact=True).fill(warning)
    await lee.get_by_role("button", name="Send warning").click()
    await expect(lee.get_by_role("status").filter(has_text="Warning sent.")).to_be_visible()
    note = sam.locator(".notice-warning")
    await expect(note).to_contain_text("A note from your counselor")
    await expect(note).to_contain_text(warning)

    await lee.get_by_text("Add a note", exact=True).click()
    await lee.get_by_label("Note (staff only)").fill("Sam says the weekend was hard; sponsor is aware.")
    await lee.get_by_role("button", name="Add note").click()
    await expect(lee.get_by_role("status").filter(has_text="Note added.")).to_be_visible()
    await expect(lee.locator(".timeline .tl-note")).to_contain_text("Sam says the weekend was hard")

    await lee.get_by_text("Plan a follow-up", exact=True).click()
    await lee.get_by_label("Where").select_option("one_on_one")
    await lee.get_by_label("What to follow up on").fill("Check in with sam before Thursday group")
    await lee.get_by_label("Due", exact=True).fill(await local_time_input(lee, 3))
    await lee.get_by_role("button", name="Save follow-up").click()
    await expect(lee.get_by_role("status").filter(has_text="Follow-up saved.")).to_be_visible()
    await expect(lee.locator(".timeline")).to_contain_text(
        "Follow-up planned by you: one-on-one: Check in with sam before Thursday group")

    # A mute: sam is told kindly, and the next post is kept back with a kind explanation.
    await lee.get_by_text("Pause posting (mute)", exact=True).click()
    await lee.get_by_role("button", name="Mute", exact=True).click()
    await expect(lee.get_by_role("status").filter(has_text="Muted.")).to_be_visible()
    await expect(sam.locator(".notice-muted")).to_contain_text("Posting is paused for now")
    await say(sam, "is anyone around tonight?")
    paused = sam.locator(".msg-paused")
    await expect(paused).to_contain_text("is anyone around tonight?")
    await expect(paused).to_contain_text("A counselor has paused posting for you")
    await expect(paused.get_by_role("button", name="Discard")).to_be_visible()
    async with ws_client(instance.ws_url, world.people["alex"].token) as alex:
        joined = await alex.join(cohort)
        assert not [m for m in joined["history"] if "anyone around" in m["text"]]

    # The follow-up is on the dashboard under "Follow-ups due".
    await lee.get_by_role("link", name="← Queue").click()
    followup = lee.locator(".followup")
    await expect(followup).to_contain_text("Check in with sam before Thursday group")
    await expect(followup).to_contain_text("one on one with sam")

    # Resolve with a note: the case leaves the queue.
    await followup.get_by_role("link").click()
    await lee.get_by_text("Resolve", exact=True).click()
    await lee.get_by_label("Resolution note").fill("Met sam 1:1; relapse plan updated with sponsor.")
    await lee.get_by_role("button", name="Resolve case").click()
    await expect(lee.get_by_role("status").filter(has_text=re.compile("^Resolved"))).to_be_visible()
    await expect(lee.locator(".resolved")).to_contain_text("relapse plan updated")

    # Every step is in sam's audit log.
    await lee.get_by_role("link", name="Audit log for sam").click()
    await expect(lee.get_by_role("heading", name="Audit log")).to_be_visible()
    for action in ("case.open.flag", "case.claimed", "case.warned", "case.note", "case.followup", "case.muted",
                   "case.resolved"):
        await expect(lee.locator(f"td[data-audit-action='{action}']")).to_have_count(1)
    resolved = lee.locator("tr").filter(has=lee.locator("td[data-audit-action='case.resolved']"))
    await expect(resolved).to_contain_text("You")
    await expect(resolved).to_contain_text("relapse plan updated")
    await lee.get_by_role("link", name="Inbox & queue").click()
    await expect(lee.get_by_text("No open cases")).to_be_visible()


async def test_removal_and_suspension_are_told_to_the_member_kindly(instance: Instance, open_page: OpenPage) -> None:
    world = await counseling_world(instance)
    sam = await signed_in(open_page, instance, world, "sam")
    await open_room(sam, "cohort")
    await say(sam, HARSH)
    await expect(sam.locator(".msg-held")).to_contain_text(HARSH)

    lee = await signed_in(open_page, instance, world, "dr.lee")
    await lee.locator(".case-row").filter(has_text="sam").get_by_role("link").click()
    # Removing resolves the case unless asked not to: this counselor has more to do here.
    await lee.get_by_label("Keep the case open after approving or removing").check()
    await lee.get_by_text("Remove post", exact=True).first.click()
    await lee.get_by_label("Reason (kept in the audit log)").fill(
        "That message was hurtful, so it won't be shared. Let's talk about what's going on.")
    await lee.get_by_role("button", name="Remove post").click()
    await expect(lee.get_by_role("status").filter(has_text="Removed.")).to_be_visible()
    await expect(sam.locator(".notice-removed")).to_contain_text("A counselor removed a message")
    await expect(sam.locator(".msg-blocked")).to_contain_text("Let's talk about what's going on")

    await lee.get_by_text("Suspend", exact=True).first.click()
    await lee.get_by_role("button", name="Suspend", exact=True).click()
    await expect(lee.get_by_role("status").filter(has_text="Suspended.")).to_be_visible()
    await expect(sam.locator(".notice-suspended")).to_contain_text("Taking a break from this room")
    await expect(sam.get_by_label("Write a message")).to_be_disabled()
    await expect(sam.get_by_text("You can't post in this room for now")).to_be_visible()

    # The suspension is in force on the case page, and lifting it there tells sam at once.
    restrictions = lee.get_by_role("region", name="sam's restrictions")
    await expect(restrictions).to_contain_text("Suspended from cohort until ")
    await restrictions.get_by_role("button", name="Lift suspension").click()
    await expect(lee.get_by_role("status").filter(has_text="Suspension lifted")).to_be_visible()
    await expect(restrictions).to_contain_text("None in force.")
    await expect(sam.locator(".notice-unsuspended")).to_contain_text("You can post again")
    await expect(lee.locator(".timeline")).to_contain_text("Room suspension lifted by you")


async def test_members_never_reach_the_counselor_area(instance: Instance, open_page: OpenPage) -> None:
    world = await counseling_world(instance)
    await post_as(instance, world, "sam", world.rooms["cohort"].id, RELAPSE, "relapse")
    case_id = (await instance.deps.cases.open_queue(world.program))[0].id
    page = await signed_in(open_page, instance, world, "alex")
    await expect(page.get_by_role("link", name="Counselor queue")).to_have_count(0)
    sam_id = world.people["sam"].user.id
    for route in ("/staff", f"/staff/{world.program}", f"/staff/case/{case_id}", f"/staff/audit/{world.program}",
                  f"/staff/member/{sam_id}?program={world.program}", f"/staff/oncall/{world.program}"):
        await page.goto(f"{instance.url}/#{route}")
        await expect(page.get_by_role("heading", name="Your rooms")).to_be_visible()
        await expect(page.locator(".case-row, .ctx-list, table.audit")).to_have_count(0)
    # The API refuses too, with the member's own session cookie.
    for path in (f"/api/programs/{world.program}/inbox", f"/api/programs/{world.program}/cases",
                 f"/api/programs/{world.program}/audit", f"/api/cases/{case_id}"):
        assert (await page.request.get(f"{instance.url}{path}")).status == 403, path
    assert (await page.request.post(f"{instance.url}/api/cases/{case_id}/claim", data={})).status == 403
    # A member page does not even confirm that the member exists.
    assert (await page.request.get(f"{instance.url}/api/programs/{world.program}/members/{sam_id}")).status == 404
