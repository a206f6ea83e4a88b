"""Members are never left guessing, in real Chromium: held posts follow them to a second device with
what happens next, a host hides a post with the host's own reason and its author is told kindly, and
leaving a room takes the member out of "here now" at once while the socket stays up for the rest."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.async_api import expect
from redis.asyncio import Redis

from service.base.models import Role, RoomKind
from service.base.settings import Settings
from tests.browser.conftest import OpenPage, assert_no_axe_violations, messages, open_room, say, sign_in
from tests.helpers import Instance, World, running
from tests.redis.review_helpers import api

pytestmark = [pytest.mark.browser, pytest.mark.redis]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORTS = [pytest.param(360, 640, id="phone"), pytest.param(1280, 800, id="desktop")]
SOURCING = "Does anyone know where to get some bars? Need them bad"
CRISIS = "I want to kill myself tonight"
HELD_NEXT = "Waiting for a counselor's review. Only you can see it for now."
CRISIS_NEXT = "A counselor has been alerted and will reach out."


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
async def test_held_posts_follow_the_member_to_a_second_device_with_what_happens_next(
    instance: Instance, world: World, open_page: OpenPage, width: int, height: int
) -> None:
    sam = await world.make_person("sam")
    await world.make_person("dr.lee", Role.COUNSELOR)
    first = await open_page(instance.url, "sam-phone", width=width, height=height)
    await sign_in(first, "sam", sam.password)
    await open_room(first, "cohort")
    await say(first, "evening all, checking in")
    await say(first, SOURCING)
    await expect(first.locator(".msg-held")).to_contain_text(HELD_NEXT)
    await say(first, CRISIS)
    await first.get_by_role("button", name="Close this panel").click()
    await expect(first.locator(".msg-held")).to_have_count(2)

    # A second browser: nothing local carries over, only the server's record of sam's posts.
    second = await open_page(instance.url, "sam-laptop", width=width, height=height)
    await sign_in(second, "sam", sam.password)
    await open_room(second, "cohort")
    held = second.locator(".msg-held")
    await expect(held).to_have_count(2)
    await expect(held.nth(0)).to_contain_text(SOURCING)
    await expect(held.nth(0)).to_contain_text(HELD_NEXT)
    await expect(held.nth(1)).to_contain_text(CRISIS)
    await expect(held.nth(1)).to_contain_text(CRISIS_NEXT)
    await expect(held.nth(1)).to_contain_text("Only you can see it for now.")
    # In order, where they were written: after the post that went through.
    await expect(messages(second).nth(0)).to_contain_text("evening all")
    await expect(messages(second).nth(1)).to_contain_text(SOURCING)
    await assert_no_axe_violations(second)
    if width == 1280:
        await second.screenshot(path=str(SHOTS / "held-posts.png"))

    # A counselor's decision takes it off the list on every device, live.
    case = next(c for c in await instance.deps.cases.open_queue(world.program) if c.post and c.post.text == SOURCING)
    async with api(instance, world, "dr.lee") as lee:
        assert (await lee.post(f"/api/cases/{case.id}/approve", json={})).status_code == 200
    for page in (first, second):
        await expect(page.locator(".msg-held")).to_have_count(1)
        approved = messages(page).filter(has_text=SOURCING).filter(has_text="after a counselor's review")
        await expect(approved).to_have_count(1)


async def test_a_host_hides_a_post_with_their_own_reason_and_its_author_is_told_kindly(
    instance: Instance, world: World, open_page: OpenPage
) -> None:
    sam = await world.make_person("sam")
    jordan = await world.make_person("jordan", Role.MENTOR)
    await world.make_room("evening", RoomKind.EVENING, hosts=[jordan.user.id])
    host = await open_page(instance.url, "jordan")
    author = await open_page(instance.url, "sam", width=360, height=640)
    await sign_in(host, "jordan", jordan.password)
    await sign_in(author, "sam", sam.password)
    await open_room(host, "evening")
    await open_room(author, "evening")
    await say(author, "my neighbour is using again, you all know who I mean")
    post = messages(host).filter(has_text="my neighbour")
    await expect(post).to_have_count(1)

    # The report form is for reporting; hiding is the host's own control with the host's own reason.
    await post.get_by_role("button", name="Report message from sam").click()
    await expect(post.get_by_role("button", name="Hide for review")).to_have_count(0)
    await post.get_by_role("button", name="Cancel").click()
    await post.get_by_role("button", name="Hide message from sam for review").click()
    reason = post.get_by_label("Why are you hiding this? Counselors see your reason.")
    await expect(reason).to_be_focused()
    await assert_no_axe_violations(host)
    await reason.fill("Talks about someone who isn't here")
    await post.get_by_role("button", name="Hide for review").click()
    await expect(messages(host).filter(has_text="my neighbour")).to_have_count(0)

    banner = author.locator(".notice-hidden")
    await expect(banner).to_contain_text("Your message is waiting for review")
    await expect(banner).to_contain_text("only you can see it")
    waiting = author.locator(".msg-held").filter(has_text="my neighbour")
    await expect(waiting).to_contain_text("A host moved it out of the room until a counselor reviews it.")
    await assert_no_axe_violations(author)

    case = next(c for c in await instance.deps.cases.open_queue(world.program) if c.source == "hide")
    assert [r.explanation for r in case.reasons] == ["Talks about someone who isn't here"]


async def test_leaving_a_room_leaves_here_now_at_once_and_the_socket_stays_up(
    make_settings: Callable[..., Settings], redis: Redis, open_page: OpenPage
) -> None:
    # Presence entries would live a minute: a departure seen within seconds was sent, not expired.
    async with running(make_settings(instance_name="p", presence_ttl_seconds=60, presence_interval_seconds=20)) as inst:
        world = World(inst.deps)
        await world.make_program()
        await world.make_room("cohort")
        sam = await world.make_person("sam")
        alex = await world.make_person("alex")
        await world.make_person("dr.lee", Role.COUNSELOR)
        sam_page = await open_page(inst.url, "sam")
        alex_page = await open_page(inst.url, "alex")
        await sign_in(sam_page, "sam", sam.password)
        await sign_in(alex_page, "alex", alex.password)
        await open_room(alex_page, "cohort")
        await expect(alex_page.get_by_text("1 here now")).to_be_visible()
        await expect(alex_page.get_by_text("No messages yet. You could say hello.")).to_be_visible()
        await open_room(sam_page, "cohort")
        await expect(alex_page.get_by_text("2 here now")).to_be_visible()

        await sam_page.get_by_role("link", name="← Rooms").click()
        await expect(sam_page.get_by_role("heading", name="Your rooms")).to_be_visible()
        await expect(alex_page.get_by_text("1 here now")).to_be_visible(timeout=3_000)
        await alex_page.get_by_text("1 here now").click()
        await expect(alex_page.locator(".presence-list")).not_to_contain_text("sam")

        # Still connected: a counselor's check-in reaches sam on the rooms list at once.
        async with api(inst, world, "dr.lee") as lee:
            url = f"/api/programs/{world.program}/members/{sam.user.id}/outreach"
            assert (await lee.post(url, json={"text": "Checking in, sam."})).status_code == 201
        await expect(sam_page.get_by_role("status").filter(has_text="A counselor wants to check in")).to_be_visible()
        await expect(sam_page.get_by_role("status").filter(has_text=re.compile("Reconnecting"))).to_have_count(0)

        # And coming back joins again, with the room as it was.
        await open_room(sam_page, "cohort")
        await expect(alex_page.get_by_text("2 here now")).to_be_visible()
