"""README screenshots of the room and the counselor dashboard at 1280x800, from the real app.

Run: ``.venv/bin/python -m tests.browser.screenshots`` (needs Redis: REDIS_URL or the embedded one).
Writes docs/screenshots/room.png and docs/screenshots/dashboard.png. The dashboard's cases are
made the way real ones are: members post over WebSockets, a member reports a post, and a
second counselor claims one case and plans a follow-up through the review API.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from pathlib import Path

import httpx
from playwright.async_api import Browser, Page, async_playwright, expect
from redis.asyncio import Redis

from service.base.ids import now_ms
from service.base.models import Role, RoomKind
from service.base.settings import Settings
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, open_room, sign_in
from tests.helpers import Instance, Person, World, running, ws_client
from tests.redis_server import pick_redis_url

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
COHORT, EVENING = "Tuesday cohort", "Evening check-in"

CONVERSATION = [
    ("jordan", "Evening, everyone. How did today go? Small wins count."),
    ("alex", "Made it to work and back without stopping at the store. First time this week."),
    ("maya", "That's huge, alex. I know that drive."),
    ("sam", "Rough afternoon. Called my sponsor instead of spiraling, so I guess that's a win too."),
    ("jordan", "That's exactly what the plan is for. Proud of you, sam."),
    ("alex", "Same. Anyone doing the Thursday walk before group?"),
    ("maya", "I'm in. 6:15 by the library?"),
]

# The evening room's night, oldest first: (author, text, client id). Moderation decides what
# becomes a case: a relapse signal (published, flagged), a sourcing request (held) and a
# crisis (held, urgent, support shown to the author).
EVENING_POSTS = [
    ("riley", "Honestly the cravings have been bad all week, almost stopped at the bar after work", "ev-1"),
    ("kit", "whatever, this group is a joke and so are all of you", "ev-2"),
    ("casey", "Does anyone know where to get some bars? Need them bad", "ev-3"),
    ("devon", "I don't want to be here anymore. I've been thinking about ending it", "ev-4"),
]


async def main() -> None:
    url, server = pick_redis_url()
    prefix = f"shots{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="between-shots") as data_dir:
        settings = Settings(redis_url=url, key_prefix=prefix, data_dir=data_dir, argon2_time_cost=1,
                            argon2_memory_kib=1024)
        try:
            async with running(settings) as inst:
                world = await demo_world(inst)
                async with async_playwright() as pw:
                    browser = await pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
                    OUT.mkdir(parents=True, exist_ok=True)
                    await room_shot(browser, inst, world)
                    await dashboard_shot(browser, inst, world)
                    await browser.close()
        finally:
            client = Redis.from_url(url)
            keys = [k async for k in client.scan_iter(match=f"{prefix}:*")]
            if keys:
                await client.delete(*keys)
            await client.aclose()
            if server is not None:
                server.stop()


async def post(inst: Instance, person: Person, room: str, text: str, client_id: str) -> dict[str, object]:
    """Post over a real socket; returns the ack."""
    async with ws_client(inst.ws_url, person.token) as client:
        await client.join(room)
        return await client.post(room, text, client_id)


async def demo_world(inst: Instance) -> World:
    """A program with two rooms, a calm cohort conversation and an evening with four cases."""
    world = World(inst.deps)
    await world.make_program("Dallas evening IOP")
    cohort = await world.make_room(COHORT)
    evening = await world.make_room(EVENING, RoomKind.EVENING)
    for handle in ("sam", "alex", "maya", "riley", "kit", "casey", "devon"):
        await world.make_person(handle)
    await world.make_person("jordan", Role.MENTOR)
    await world.make_person("dr.lee", Role.COUNSELOR)
    await world.make_person("dr.kim", Role.COUNSELOR)
    people = world.people
    for i, (handle, text) in enumerate(CONVERSATION):
        await post(inst, people[handle], cohort.id, text, f"co-{i}")
    acks = {cid: await post(inst, people[handle], evening.id, text, cid) for handle, text, cid in EVENING_POSTS}
    async with ws_client(inst.ws_url, people["maya"].token) as maya:
        await maya.join(evening.id)
        await maya.send({"type": "report", "room": evening.id, "message": acks["ev-2"]["id"],
                         "reason": "It's unkind or harassing"})
        await maya.expect("reported")

    by_client = {c.post.client_id: c.id for c in await inst.deps.cases.open_queue(world.program) if c.post}
    async with httpx.AsyncClient(base_url=inst.url, timeout=5,
                                 headers={"authorization": f"Bearer {people['dr.kim'].token}"}) as kim:
        answer = await kim.post(f"/api/cases/{by_client['ev-3']}/claim", json={})
        answer.raise_for_status()
        answer = await kim.post(f"/api/cases/{by_client['ev-1']}/followups", json={
            "kind": "group", "note": "Talk about cravings plans at Thursday group", "due": now_ms() + 20 * 3_600_000,
        })
        answer.raise_for_status()
    return world


async def new_page(browser: Browser) -> Page:
    context = await browser.new_context(viewport=VIEWPORT, color_scheme="light", reduced_motion="reduce")
    return await context.new_page()


async def room_shot(browser: Browser, inst: Instance, world: World) -> None:
    page = await new_page(browser)
    await page.goto(inst.url)
    await sign_in(page, "sam", world.people["sam"].password)
    await open_room(page, COHORT)
    room = world.rooms[COHORT].id
    async with ws_client(inst.ws_url, world.people["alex"].token) as alex:
        await alex.join(room)
        await alex.send({"type": "typing", "room": room})
        await expect(page.locator(".typing")).to_contain_text("alex is typing")
        await page.get_by_label("Write a message").fill("Count me in for Thursday")
        await page.screenshot(path=str(OUT / "room.png"))
    await page.context.close()


async def dashboard_shot(browser: Browser, inst: Instance, world: World) -> None:
    page = await new_page(browser)
    await page.goto(inst.url)
    await sign_in(page, "dr.lee", world.people["dr.lee"].password)
    await expect(page.locator(".case-row")).to_have_count(4)
    await expect(page.locator(".followup")).to_have_count(1)
    await expect(page.locator(".room-activity .signals").first).to_be_visible()
    await page.evaluate("document.activeElement && document.activeElement.blur()")
    await page.mouse.move(1270, 790)  # no hover highlight on a row
    await page.screenshot(path=str(OUT / "dashboard.png"))
    await page.context.close()


if __name__ == "__main__":
    asyncio.run(main())
