"""axe-core finds nothing on the views every person meets first: sign-in, invite redemption, the rooms
list and a room — at phone and desktop widths (the staff views are checked in their own tests)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.conftest import OpenPage, assert_no_axe_violations, open_room, sign_in
from tests.helpers import Instance, World

pytestmark = [pytest.mark.browser, pytest.mark.redis]


@pytest.mark.parametrize(("width", "height"), [(360, 640), (1280, 800)])
async def test_first_views_have_no_axe_violations(
    instance: Instance, world: World, open_page: OpenPage, width: int, height: int
) -> None:
    sam = await world.make_person("sam")
    page = await open_page(instance.url, "sam", width=width, height=height)
    await expect(page.get_by_role("heading", name="Welcome back")).to_be_visible()
    await assert_no_axe_violations(page)
    invite = await open_page(f"{instance.url}/#/invite", "invite", width=width, height=height)
    await expect(invite.get_by_label("Invite code")).to_be_visible()
    await assert_no_axe_violations(invite)
    await sign_in(page, "sam", sam.password)
    await expect(page.get_by_role("heading", name="Your rooms")).to_be_visible()
    await assert_no_axe_violations(page)
    await open_room(page, "cohort")
    await assert_no_axe_violations(page)
