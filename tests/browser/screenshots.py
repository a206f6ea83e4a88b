"""README screenshots of the room and the counselor dashboard at 1280x800.

Run: ``.venv/bin/python -m tests.browser.screenshots`` (needs Redis: REDIS_URL or the embedded one).
Writes docs/screenshots/room.png and docs/screenshots/dashboard.png.
"""

from __future__ import annotations

import asyncio
import importlib.util
import uuid
from pathlib import Path

from playwright.async_api import Page, async_playwright, expect
from redis.asyncio import Redis

from service.models import Role, RoomKind
from service.settings import Settings
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, open_room, sign_in
from tests.browser.review_stub import ReviewStub
from tests.helpers import World, running, ws_client
from tests.redis_server import pick_redis_url

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}

CONVERSATION = [
    ("jordan", "Evening, everyone. How did today go? Small wins count."),
    ("alex", "Made it to work and back without stopping at the store. First time this week."),
    ("maya", "That's huge, alex. I know that drive."),
    ("sam", "Rough afternoon. Called my sponsor instead of spiraling, so I guess that's a win too."),
    ("jordan", "That's exactly what the plan is for. Proud of you, sam."),
    ("alex", "Same. Anyone doing the Thursday walk before group?"),
    ("maya", "I'm in. 6:15 by the library?"),
]


async def main() -> None:
    url, server = pick_redis_url()
    prefix = f"shots{uuid.uuid4().hex[:8]}"
    settings = Settings(redis_url=url, key_prefix=prefix, data_dir="/tmp/between-shots", argon2_time_cost=1,
                        argon2_memory_kib=1024)
    try:
        async with running(settings) as inst:
            world = World(inst.deps)
            await world.make_program("Dallas evening IOP")
            room = await world.make_room("Tuesday cohort")
            await world.make_room("Evening check-in", RoomKind.EVENING)
            people = {h: await world.make_person(h, Role.MENTOR if h == "jordan" else Role.MEMBER)
                      for h in ("sam", "alex", "maya", "jordan")}
            lee = await world.make_person("dr.lee", Role.COUNSELOR)
            for handle, text in CONVERSATION:
                async with ws_client(inst.ws_url, people[handle].token) as client:
                    await client.join(room.id)
                    await client.post(room.id, text, uuid.uuid4().hex)
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
                OUT.mkdir(parents=True, exist_ok=True)
                await room_shot(browser, inst.url, world, people)
                await dashboard_shot(browser, inst.url, world, lee.password, lee.user.id)
                await browser.close()
    finally:
        client = Redis.from_url(url)
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
        if server is not None:
            server.stop()


async def room_shot(browser, url: str, world: World, people) -> None:  # type: ignore[no-untyped-def]
    context = await browser.new_context(viewport=VIEWPORT, color_scheme="light", reduced_motion="reduce")
    page: Page = await context.new_page()
    await page.goto(url)
    await sign_in(page, "sam", people["sam"].password)
    await open_room(page, "Tuesday cohort")
    async with ws_client(url.replace("http", "ws") + "/ws", people["alex"].token) as alex:
        await alex.join(world.rooms["Tuesday cohort"].id)
        await alex.send({"type": "typing", "room": world.rooms["Tuesday cohort"].id})
        await expect(page.locator(".typing")).to_contain_text("alex is typing")
        await page.get_by_label("Write a message").fill("Count me in for Thursday")
        await page.screenshot(path=str(OUT / "room.png"))
    await context.close()


async def dashboard_shot(browser, url: str, world: World, password: str, lee_id: str) -> None:  # type: ignore[no-untyped-def]
    context = await browser.new_context(viewport=VIEWPORT, color_scheme="light", reduced_motion="reduce")
    page: Page = await context.new_page()
    if importlib.util.find_spec("service.review_api") is None:
        rooms = {r.id: r.name for r in world.rooms.values()}
        cohort = world.rooms["Tuesday cohort"].id
        evening = world.rooms["Evening check-in"].id
        stub = ReviewStub(world.program, rooms, lee_id)
        stub.add_case("c_1", cohort, "crisis", "sam", "…", urgent=True, severity=3, categories=["crisis"],
                      minutes_ago=3)
        stub.add_case("c_2", evening, "hold", "riley", "…", severity=2, categories=["sourcing"], minutes_ago=48)
        stub.add_case("c_3", cohort, "report", "kit", "…", severity=1, post_state="published", minutes_ago=130)
        stub.add_case("c_4", cohort, "flag", "alex", "…", severity=1, categories=["relapse"],
                      post_state="pending", minutes_ago=300)
        stub.cases["c_3"]["followups"].append({"kind": "group", "note": "Talk about group agreements on Thursday",
                                               "due": stub.cases["c_3"]["created"] + 86_400_000})
        await stub.install(page)
    await page.goto(url)
    await sign_in(page, "dr.lee", password)
    await expect(page.locator(".case-row").first).to_be_visible()
    await page.screenshot(path=str(OUT / "dashboard.png"))
    await context.close()


if __name__ == "__main__":
    asyncio.run(main())
