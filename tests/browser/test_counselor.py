"""A crisis post end to end: support for its author, nothing for the room, a live case for
the counselor, and the room updating when the counselor approves or removes it."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from service.base.models import Role
from tests.browser.conftest import OpenPage, messages, open_room, say, sign_in
from tests.helpers import Instance, World

pytestmark = [
    pytest.mark.browser,
    pytest.mark.redis,
]

CRISIS = "I want to kill myself tonight"


@pytest.mark.parametrize("decision", ["approve", "remove"])
async def test_crisis_post_reaches_the_counselor_live_and_the_decision_reaches_the_room(
    pair: tuple[Instance, Instance], open_page: OpenPage, decision: str
) -> None:
    a, b = pair
    world = World(a.deps)
    await world.make_program()
    await world.make_room("cohort")
    sam = await world.make_person("sam")
    alex = await world.make_person("alex")
    lee = await world.make_person("dr.lee", Role.COUNSELOR)

    sam_page = await open_page(a.url, "sam")
    alex_page = await open_page(b.url, "alex")
    lee_page = await open_page(b.url, "counselor")
    await sign_in(sam_page, "sam", sam.password)
    await sign_in(alex_page, "alex", alex.password)
    await sign_in(lee_page, "dr.lee", lee.password)
    await expect(lee_page.get_by_role("heading", name="Case queue")).to_be_visible()
    await expect(lee_page.get_by_text("No open cases")).to_be_visible()
    await open_room(sam_page, "cohort")
    await open_room(alex_page, "cohort")

    await say(sam_page, CRISIS)
    await expect(sam_page.locator("section.crisis a[href='tel:988']")).to_be_visible()
    await expect(sam_page.locator(".msg-held")).to_contain_text(CRISIS)
    await sam_page.get_by_role("button", name="Close this panel").click()

    # The case arrives live: no reload on the counselor's side.
    row = lee_page.locator(".case-row").filter(has_text="sam")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Urgent")
    await expect(alex_page.get_by_text(CRISIS)).to_have_count(0)

    await row.get_by_role("link").click()
    await expect(lee_page.locator(".ctx-case")).to_contain_text(CRISIS)
    await lee_page.get_by_role("button", name="Claim").click()
    await expect(lee_page.get_by_role("button", name="Release")).to_be_visible()

    if decision == "approve":
        await lee_page.get_by_role("button", name="Approve post").click()
        # A crisis post is shared only after a plain confirmation of what that does.
        confirm = lee_page.get_by_role("dialog", name="Share a post about a crisis?")
        await expect(confirm).to_contain_text("This makes the post visible to everyone in cohort.")
        await confirm.get_by_role("button", name="Share with cohort").click()
        await expect(lee_page.get_by_role("status").filter(has_text="Approved")).to_be_visible()
        for page in (alex_page, sam_page):
            shown = messages(page).filter(has_text=CRISIS).filter(has_text="after a counselor's review")
            await expect(shown).to_have_count(1)
        await expect(sam_page.locator(".msg-held")).to_have_count(0)
    else:
        await lee_page.get_by_text("Remove post", exact=True).first.click()
        await lee_page.get_by_label("Reason (kept in the audit log)").fill("crisis: reaching out directly")
        await lee_page.get_by_role("button", name="Remove post").click()
        await expect(lee_page.get_by_role("status").filter(has_text="Removed")).to_be_visible()
        # A later post proves alex's view is live, and the crisis post still never showed.
        await say(sam_page, "thank you for checking on me")
        await expect(messages(alex_page).filter(has_text="thank you for checking")).to_have_count(1)
        await expect(alex_page.get_by_text(CRISIS)).to_have_count(0)

    # One step: the decision resolved the case; nothing is left to click.
    await expect(lee_page.get_by_role("status").filter(has_text=re.compile("and resolved"))).to_be_visible()
    await expect(lee_page.locator(".resolved")).to_be_visible()
    await expect(lee_page.get_by_text("Resolve", exact=True)).to_have_count(0)
    await lee_page.get_by_role("link", name="← Queue").click()
    await expect(lee_page.locator(".case-row")).to_have_count(0)
