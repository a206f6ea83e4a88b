"""The queue that clears fast, in real Chromium at phone and desktop widths: cards that show the post
and the reason in words, one-click approve that resolves, bulk decisions, filters kept in the URL,
keyboard shortcuts and their "?" list, the crisis confirmation, the audit log as a list on a phone,
and the member page with its restrictions lifted live."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect

from service.base.ids import now_ms
from service.base.models import Role, RoomKind
from tests.browser.conftest import OpenPage, assert_inside_viewport, assert_no_axe_violations, sign_in
from tests.helpers import Instance, World, ws_client
from tests.redis.review_helpers import CRISIS, RELAPSE, api, case_for, post_as

pytestmark = [pytest.mark.browser, pytest.mark.redis]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORTS = [pytest.param(360, 740, id="phone"), pytest.param(1280, 800, id="desktop")]
HARSH = "you're pathetic, nobody here wants you"
SOURCING = "Does anyone know where to get some bars? Need them bad"
PLUG = "who has a plug near downtown"


async def queue_world(instance: Instance) -> World:
    """A program with two rooms, four members, two counselors and an admin; five cases made by real posts:
    three low-severity holds, a flagged relapse, and a crisis."""
    world = World(instance.deps)
    await world.make_program("Evening IOP")
    await world.make_room("cohort")
    await world.make_room("evening", RoomKind.EVENING)
    for handle in ("sam", "alex", "riley", "casey"):
        await world.make_person(handle)
    await world.make_person("dr.lee", Role.COUNSELOR)
    await world.make_person("dr.kim", Role.COUNSELOR)
    await world.make_person("boss", Role.ADMIN)
    cohort, evening = world.rooms["cohort"].id, world.rooms["evening"].id
    await post_as(instance, world, "sam", cohort, HARSH, "harsh")
    await post_as(instance, world, "alex", evening, SOURCING, "sourcing")
    await post_as(instance, world, "riley", cohort, PLUG, "plug")
    await post_as(instance, world, "riley", cohort, RELAPSE, "relapse")
    await post_as(instance, world, "casey", evening, CRISIS, "crisis")
    return world


async def signed_in(open_page: OpenPage, instance: Instance, world: World, handle: str,
                    width: int = 1280, height: int = 800, path: str = "") -> Page:
    page = await open_page(instance.url, handle, width=width, height=height)
    await sign_in(page, handle, world.people[handle].password)
    if path:
        await page.goto(instance.url + path)
    return page


def card(page: Page, text: str) -> Locator:
    return page.locator(".case-card").filter(has_text=text)


async def assert_no_sideways_scroll(page: Page) -> None:
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "scrolls sideways"


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
async def test_cards_show_the_post_and_why_one_click_approves_and_bulk_decides(
    instance: Instance, open_page: OpenPage, width: int, height: int
) -> None:
    world = await queue_world(instance)
    lee = await signed_in(open_page, instance, world, "dr.lee", width, height)
    cards = lee.locator(".case-card")
    await expect(cards).to_have_count(5)
    # Crisis first, marked urgent, and never offered for a batch.
    await expect(cards.first).to_contain_text("Urgent")
    await expect(cards.first).to_contain_text(CRISIS)
    await expect(cards.first.locator(".case-pick")).to_have_count(0)
    harsh = card(lee, HARSH)
    await expect(harsh.locator(".case-text")).to_have_text(HARSH)
    await expect(harsh.locator(".case-reason")).to_contain_text("Insult aimed at someone")
    await expect(harsh.locator(".rule-id")).to_have_text(re.compile(r"harassment\.targeted_insult"))
    await expect(harsh).to_contain_text("Unclaimed")
    await expect(harsh).to_contain_text("waiting for review")
    await expect(card(lee, RELAPSE).get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)
    await assert_no_sideways_scroll(lee)
    approve = harsh.get_by_role("button", name="Approve sam's post and resolve")
    await approve.scroll_into_view_if_needed()
    await assert_inside_viewport(lee, approve)
    await lee.locator("main").evaluate("el => el.scrollTo(0, 0)")
    await lee.evaluate("document.activeElement && document.activeElement.blur()")
    if width == 1280:
        # Tall enough to show the whole queue (the page scrolls inside <main>, so full_page would not).
        await lee.set_viewport_size({"width": 1280, "height": 1500})
        await lee.screenshot(path=str(SHOTS / "queue.png"))
        await lee.set_viewport_size({"width": width, "height": height})
    await assert_no_axe_violations(lee)

    # One click: approved, resolved, gone from the queue; the room has the post.
    harsh_id = await case_for(instance, world, "harsh")
    async with ws_client(instance.ws_url, world.people["alex"].token) as alex:
        await alex.join(world.rooms["cohort"].id)
        await harsh.get_by_label("Note (optional)").fill("fine to share")
        await harsh.get_by_role("button", name="Approve sam's post and resolve").click()
        await expect(lee.get_by_role("status").filter(has_text="Approved and resolved")).to_be_visible()
        await expect(harsh).to_have_count(0)
        await alex.expect("message", text=HARSH, delayed=True)
    stored = await instance.deps.cases.get(harsh_id)
    assert stored is not None and stored.status == "resolved" and stored.resolution == "fine to share"
    await expect(cards).to_have_count(4)

    # Bulk: two low-severity holds, one note, each resolved and audited on its own.
    sourcing_id, plug_id = await case_for(instance, world, "sourcing"), await case_for(instance, world, "plug")
    await card(lee, SOURCING).get_by_role("checkbox").check()
    await card(lee, PLUG).get_by_role("checkbox").check()
    bar = lee.get_by_role("region", name="Decide on selected cases")
    await expect(bar).to_contain_text("2 selected")
    await bar.get_by_label("Note for all (optional, staff only)").fill("evening batch reviewed")
    await bar.get_by_role("button", name="Approve selected").scroll_into_view_if_needed()
    await assert_inside_viewport(lee, bar.get_by_role("button", name="Approve selected"))
    await bar.get_by_role("button", name="Approve selected").click()
    await expect(lee.get_by_role("status").filter(has_text="Approved and resolved 2 cases.")).to_be_visible()
    await expect(cards).to_have_count(2)
    await expect(bar).to_be_hidden()
    for case_id in (sourcing_id, plug_id):
        case = await instance.deps.cases.get(case_id)
        assert case is not None and case.status == "resolved" and case.post_state == "approved"
        entries = await instance.deps.audit.for_case(case_id)
        assert [e.reason for e in entries if e.action == "case.approved.resolved"] == ["evening batch reviewed"]


async def test_filters_are_server_side_and_kept_in_the_url(instance: Instance, open_page: OpenPage) -> None:
    world = await queue_world(instance)
    lee = await signed_in(open_page, instance, world, "dr.lee")
    cards = lee.locator(".case-card")
    await expect(cards).to_have_count(5)

    await lee.get_by_label("Category").select_option("sourcing")
    await expect(cards).to_have_count(2)
    await expect(lee).to_have_url(re.compile(r"category=sourcing"))
    await lee.get_by_label("Room", exact=True).select_option(label="evening")
    await expect(cards).to_have_count(1)
    await expect(cards.first).to_contain_text(SOURCING)
    await lee.get_by_label("Room", exact=True).select_option("")
    await lee.get_by_label("Member", exact=True).fill("RIL")
    await lee.get_by_label("Member", exact=True).press("Enter")
    await expect(cards).to_have_count(1)
    await expect(cards.first).to_contain_text(PLUG)
    await expect(lee).to_have_url(re.compile(r"q=RIL"))

    # The URL alone brings the same queue back.
    await lee.reload()
    await expect(lee.get_by_label("Category")).to_have_value("sourcing")
    await expect(lee.get_by_label("Member", exact=True)).to_have_value("RIL")
    await expect(cards).to_have_count(1)
    # And Back undoes the last filter.
    await lee.go_back()
    await expect(cards).to_have_count(2)
    await expect(lee.get_by_label("Member", exact=True)).to_have_value("")

    await lee.get_by_role("button", name="Clear").click()
    await lee.get_by_label("Urgent only").check()
    await expect(cards).to_have_count(1)
    await expect(cards.first).to_contain_text("Urgent")
    await lee.get_by_label("Urgent only").uncheck()
    async with api(instance, world, "dr.kim") as kim:
        assert (await kim.post(f"/api/cases/{await case_for(instance, world, 'plug')}/claim", json={})).is_success
    await lee.get_by_label("Status").select_option("claimed")
    await expect(cards).to_have_count(1)
    await expect(cards.first).to_contain_text("Claimed by dr.kim")
    await lee.get_by_label("Status").select_option("resolved")
    await expect(lee.get_by_text("No cases match these filters.")).to_be_visible()
    await assert_no_axe_violations(lee)


async def test_keyboard_shortcuts_and_their_list(instance: Instance, open_page: OpenPage) -> None:
    world = await queue_world(instance)
    lee = await signed_in(open_page, instance, world, "dr.lee")
    cards = lee.locator(".case-card")
    await expect(cards).to_have_count(5)
    await lee.locator("h1").click()  # nothing focused that takes typing

    await lee.keyboard.press("j")
    await expect(cards.nth(0)).to_have_class(re.compile(r"\bis-current\b"))
    await expect(cards.nth(0).locator(".case-title")).to_be_focused()
    await lee.keyboard.press("j")
    await lee.keyboard.press("j")
    await expect(cards.nth(2).locator(".case-title")).to_be_focused()
    await lee.keyboard.press("k")
    await expect(cards.nth(1)).to_have_class(re.compile(r"\bis-current\b"))
    await expect(cards.nth(0)).not_to_have_class(re.compile(r"\bis-current\b"))

    # "?" lists them; Escape closes the list.
    await lee.keyboard.press("?")
    dialog = lee.get_by_role("dialog", name="Queue shortcuts")
    await expect(dialog).to_be_visible()
    for key in ("j", "k", "c", "a", "r", "?"):
        await expect(dialog.locator("kbd", has_text=re.compile(f"^{re.escape(key)}$"))).to_have_count(1)
    await assert_no_axe_violations(lee)
    await lee.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()

    # Letters typed into a field are text, never commands.
    search = lee.get_by_label("Member", exact=True)
    await search.fill("")
    await search.press_sequentially("jack")
    await expect(search).to_have_value("jack")
    await expect(cards.nth(1)).to_have_class(re.compile(r"\bis-current\b"))
    await expect(dialog).to_be_hidden()

    # c claims the case under the keyboard; a approves it (one step: it leaves the queue).
    second = cards.nth(1)
    second_id = await second.get_attribute("data-case")
    assert second_id
    await second.locator(".case-title").focus()
    await lee.keyboard.press("c")
    await expect(lee.locator(f".case-card[data-case='{second_id}']")).to_contain_text("Claimed by you")
    await expect(lee.locator(f".case-card[data-case='{second_id}'] .case-title")).to_be_focused()
    await lee.keyboard.press("a")
    await expect(lee.locator(f".case-card[data-case='{second_id}']")).to_have_count(0)
    await expect(cards).to_have_count(4)
    case = await instance.deps.cases.get(second_id)
    assert case is not None and case.status == "resolved" and case.post_state == "approved"
    # The keyboard lands on the next card, ready for the next decision.
    await expect(lee.locator(".case-card.is-current .case-title")).to_be_focused()


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
async def test_a_crisis_post_is_shared_only_after_a_plain_confirmation(
    instance: Instance, open_page: OpenPage, width: int, height: int
) -> None:
    world = await queue_world(instance)
    crisis_id = await case_for(instance, world, "crisis")
    lee = await signed_in(open_page, instance, world, "dr.lee", width, height)
    crisis = card(lee, CRISIS)
    await expect(crisis).to_contain_text("Urgent")
    await crisis.get_by_role("button", name="Approve casey's post and resolve").click()
    dialog = lee.get_by_role("dialog", name="Share a post about a crisis?")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text(
        "This makes the post visible to everyone in evening. The member will see it was shared after review.")
    keep = dialog.get_by_role("button", name="Keep it held")
    await expect(keep).to_be_focused()
    await assert_inside_viewport(lee, dialog.get_by_role("button", name="Share with evening"))
    await assert_no_axe_violations(lee)
    # Escape, and "Keep it held", both leave it held.
    await lee.keyboard.press("Escape")
    await expect(dialog).to_be_hidden()
    await crisis.get_by_role("button", name="Approve casey's post and resolve").click()
    await dialog.get_by_role("button", name="Keep it held").click()
    await expect(dialog).to_be_hidden()
    held = await instance.deps.cases.get(crisis_id)
    assert held is not None and held.post_state == "held" and held.status != "resolved"

    # On the case page too ("a" asks the same question), and sharing takes the explicit button.
    await crisis.get_by_role("link").click()
    await expect(lee.locator("#case-title")).to_be_focused()
    async with ws_client(instance.ws_url, world.people["alex"].token) as alex:
        await alex.join(world.rooms["evening"].id)
        await lee.keyboard.press("a")
        await expect(dialog).to_be_visible()
        await dialog.get_by_role("button", name="Share with evening").click()
        await expect(lee.get_by_role("status").filter(has_text="Approved and resolved")).to_be_visible()
        await alex.expect("message", text=CRISIS, delayed=True)
    await expect(lee.locator(".resolved")).to_be_visible()
    await expect(lee.locator(".timeline")).to_contain_text("Approved and resolved by you")
    shared = await instance.deps.cases.get(crisis_id)
    assert shared is not None and shared.post_state == "approved" and shared.status == "resolved"


AUDIT_VIEWPORTS = [pytest.param(375, 812, id="phone"), pytest.param(1280, 800, id="desktop")]


@pytest.mark.parametrize(("width", "height"), AUDIT_VIEWPORTS)
async def test_audit_log_reads_in_words_and_becomes_a_list_on_a_phone(
    instance: Instance, open_page: OpenPage, width: int, height: int
) -> None:
    world = await queue_world(instance)
    cohort = world.rooms["cohort"].id
    shared = await post_as(instance, world, "sam", cohort, "one day at a time, friends", "fine")
    async with ws_client(instance.ws_url, world.people["alex"].token) as alex:
        await alex.join(cohort)
        await alex.send({"type": "report", "room": cohort, "message": shared["id"],
                         "reason": "seems like a cry for help"})
        await alex.expect("reported")
    relapse = await case_for(instance, world, "relapse")
    async with api(instance, world, "dr.kim") as kim:
        await kim.post(f"/api/cases/{relapse}/claim", json={})
        await kim.post(f"/api/cases/{relapse}/resolve", json={"note": "talked it through after group"})
    lee = await signed_in(open_page, instance, world, "dr.lee", width, height,
                          path=f"/#/staff/audit/{world.program}")
    await expect(lee.get_by_role("heading", name="Audit log")).to_be_visible()
    resolved = lee.locator("tr").filter(has=lee.locator("td[data-audit-action='case.resolved']"))
    await expect(resolved).to_contain_text("dr.kim")
    await expect(resolved).to_contain_text("talked it through after group")
    await expect(resolved.get_by_role("link", name="riley")).to_have_count(1)
    await expect(resolved.get_by_role("link", name=re.compile(r"^Case\W+resolved$"))).to_have_count(1)
    opened = lee.locator("tr").filter(has=lee.locator("td[data-audit-action='case.open.flag']"))
    await expect(opened.first).to_contain_text("Used again / relapsed")
    await expect(opened.first.locator(".rule-id")).to_contain_text("relapse.used_again")
    report = lee.locator("tr").filter(has=lee.locator("td[data-audit-action='case.open.report']"))
    await expect(report).to_contain_text("Reported by alex: “seems like a cry for help”")
    assert world.people["riley"].user.id not in (await lee.locator("table.audit").inner_text())

    # Filter by handle, not by id.
    await lee.get_by_label("Member handle").fill("riley")
    await lee.get_by_role("button", name="Filter").click()
    await expect(lee).to_have_url(re.compile(r"member=riley"))
    await expect(lee.locator("tbody tr")).to_have_count(4)  # opened ×2, claimed, resolved
    if width == 375:
        display = await lee.locator("tbody tr").first.evaluate("el => getComputedStyle(el).display")
        assert display == "block", "the table should read as a list on a phone"
        assert await lee.locator("thead").evaluate("el => el.getBoundingClientRect().height <= 1")
        await assert_no_sideways_scroll(lee)
        first_link = lee.locator("tbody tr").first.get_by_role("link").first
        await first_link.scroll_into_view_if_needed()
        await assert_inside_viewport(lee, first_link)
        # The page scrolls inside <main>: a tall viewport of the same width shows the whole list.
        await lee.locator("main").evaluate("el => el.scrollTo(0, 0)")
        await lee.set_viewport_size({"width": 375, "height": 1700})
        await lee.screenshot(path=str(SHOTS / "audit-375.png"))
        await lee.set_viewport_size({"width": width, "height": height})
    await assert_no_axe_violations(lee)


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
async def test_member_page_shows_their_story_and_lifts_a_mute_live(
    instance: Instance, open_page: OpenPage, width: int, height: int
) -> None:
    world = await queue_world(instance)
    relapse = await case_for(instance, world, "relapse")
    riley = world.people["riley"].user.id
    async with api(instance, world, "dr.kim") as kim:
        await kim.post(f"/api/cases/{relapse}/notes", json={"text": "Sponsor knows; plan is in place."})
        await kim.post(f"/api/cases/{relapse}/followups",
                       json={"kind": "one_on_one", "note": "Check in before Thursday group",
                             "due": now_ms() + 7_200_000})
        await kim.post(f"/api/cases/{relapse}/mute", json={"minutes": 60, "reason": "a short pause"})
        await kim.post(f"/api/cases/{relapse}/suspend", json={"scope": "room"})
    lee = await signed_in(open_page, instance, world, "dr.lee", width, height,
                          path=f"/#/staff/member/{riley}?program={world.program}")
    await expect(lee.get_by_role("heading", name="riley", level=1)).to_be_visible()
    cases = lee.locator(".member-cases li")
    await expect(cases).to_have_count(2)
    await expect(cases.filter(has_text="Flagged post")).to_contain_text("relapse")
    await expect(cases.filter(has_text="Held post")).to_contain_text("open")
    await expect(lee.locator(".member-note")).to_contain_text("Sponsor knows; plan is in place.")
    await expect(lee.locator(".member-note")).to_contain_text("dr.kim")
    await expect(lee.get_by_role("region", name="Follow-ups")).to_contain_text("Check in before Thursday group")
    await expect(lee.get_by_role("region", name="Mood and craving check-ins", exact=True)).to_contain_text(
        "Check-ins will appear here once riley starts using them.")
    # The container the reach-out threads view (static/js/views/thread.js) fills in.
    await expect(lee.locator("section#member-threads")).to_have_count(1)
    restrictions = lee.get_by_role("region", name="Restrictions in force")
    await expect(restrictions.locator(".restriction")).to_have_count(2)
    await expect(restrictions).to_contain_text("Posting paused everywhere in the program")
    await expect(restrictions).to_contain_text("Suspended from cohort until lifted")
    await assert_no_sideways_scroll(lee)
    await lee.evaluate("document.activeElement && document.activeElement.blur()")
    if width == 1280:
        await lee.set_viewport_size({"width": 1280, "height": 1100})
        await lee.screenshot(path=str(SHOTS / "member.png"))
        await lee.set_viewport_size({"width": width, "height": height})
    await assert_no_axe_violations(lee)

    evening, cohort = world.rooms["evening"].id, world.rooms["cohort"].id
    async with ws_client(instance.ws_url, world.people["riley"].token) as member:
        await member.join(evening)
        unmute = restrictions.get_by_role("button", name="Let them post again")
        await unmute.scroll_into_view_if_needed()
        await assert_inside_viewport(lee, unmute)
        await unmute.click()
        await expect(lee.get_by_role("status").filter(has_text="riley can post again.")).to_be_visible()
        await expect(restrictions.locator(".restriction")).to_have_count(1)
        notice = await member.expect("notice", kind="unmuted", room=evening)
        assert notice["text"].startswith("You can post again")
        await restrictions.get_by_role("button", name="Lift suspension from cohort").click()
        await expect(restrictions).to_contain_text("None in force.")
        await member.expect("notice", kind="unsuspended", room=cohort)
        assert (await member.join(cohort))["room"] == cohort
    assert [e.action for e in await instance.deps.audit.for_subject(riley) if e.action.startswith("member.")] == \
        ["member.lifted.room", "member.unmuted"]


async def test_oncall_banner_until_an_admin_sets_it_up(instance: Instance, open_page: OpenPage) -> None:
    world = await queue_world(instance)
    lee = await signed_in(open_page, instance, world, "dr.lee")
    banner = lee.locator(".oncall-missing")
    await expect(banner).to_contain_text("Urgent cases will not page anyone outside the app")
    await expect(banner).to_contain_text("Ask a program admin")
    await expect(banner.get_by_role("link")).to_have_count(0)

    admin = await signed_in(open_page, instance, world, "boss", width=360, height=740)
    link = admin.locator(".oncall-missing").get_by_role("link", name="Set up on-call paging")
    await link.click()
    await expect(admin.get_by_role("heading", name="On-call paging")).to_be_visible()
    await admin.get_by_label("Webhook address (https)").fill("https://pager.example.org/between")
    await admin.get_by_label("Signing secret").fill("a-long-shared-secret-value")
    await admin.get_by_role("button", name="Save").click()
    await expect(admin.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    await assert_no_axe_violations(admin)
    assert await instance.deps.oncall.config(world.program) is not None
    await lee.reload()
    await expect(lee.locator(".case-card")).to_have_count(5)
    await expect(banner).to_have_count(0)
