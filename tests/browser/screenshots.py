"""README screenshots of the room and the counselor dashboard at 1280x800, from the real app and the demo.

Run: ``.venv/bin/python -m tests.browser.screenshots`` (needs Redis: REDIS_URL or the embedded one).
Writes docs/screenshots/room.png and docs/screenshots/dashboard.png. Both show the program that
``between demo`` seeds (same rooms, people and opening conversation, from ``seed_demo`` itself), so
what the README shows is what a first run opens to. The dashboard's cases are then made the way real
ones are: four more members post in the evening room over WebSockets, a demo member reports a post,
and a second counselor claims one case and plans a follow-up through the review API.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from pathlib import Path

import httpx
from playwright.async_api import Browser, Page, async_playwright, expect
from redis.asyncio import Redis

from service.actions.seed import COHORT_ROOM, DEMO_PASSWORD, EVENING_ROOM, Stores, seed_demo
from service.base.ids import now_ms
from service.base.models import Role, Room
from service.base.settings import Settings
from tests.browser.conftest import CHROMIUM, LAUNCH_ARGS, open_room, sign_in
from tests.helpers import Instance, Person, running, ws_client
from tests.redis_server import pick_redis_url

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}

# Later in the demo's evening, oldest first: (author, text, client id). Moderation decides what
# becomes a case: a relapse signal (published, flagged), a sourcing request (held) and a
# crisis (held, urgent, support shown to the author); alex reports the unkind one.
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
                people, rooms = await demo_world(inst)
                async with async_playwright() as pw:
                    browser = await pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
                    OUT.mkdir(parents=True, exist_ok=True)
                    await room_shot(browser, inst, people, rooms)
                    await evening_cases(inst, people, rooms)
                    await dashboard_shot(browser, inst)
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


async def demo_world(inst: Instance) -> tuple[dict[str, Person], dict[str, Room]]:
    """The demo exactly as ``between demo`` seeds it, plus the evening's other members and a second counselor."""
    deps = inst.deps
    # The instance's own stores; not closed here (the instance owns the connection).
    await seed_demo(Stores(deps.handle, deps.accounts, deps.directory, deps.history))
    program = await deps.directory.demo_program()
    assert program is not None
    rooms = {r.name: r for r in await deps.directory.rooms_of_program(program)}
    people: dict[str, Person] = {}
    for handle, role in [(h, Role.MEMBER) for h in ("riley", "kit", "casey", "devon")] + [("dr.kim", Role.COUNSELOR)]:
        await deps.accounts.create_user(handle, DEMO_PASSWORD, role, [program])
    for handle in ("sam", "alex", "jordan", "dr.lee", "riley", "kit", "casey", "devon", "dr.kim"):
        user = await deps.accounts.by_handle(handle)
        assert user is not None
        people[handle] = Person(user, await deps.accounts.create_session(user), DEMO_PASSWORD)
    return people, rooms


async def evening_cases(inst: Instance, people: dict[str, Person], rooms: dict[str, Room]) -> None:
    """Four posts that moderation turns into cases, a member report, a claim and a follow-up."""
    evening = rooms[EVENING_ROOM].id
    acks = {cid: await post(inst, people[handle], evening, text, cid) for handle, text, cid in EVENING_POSTS}
    async with ws_client(inst.ws_url, people["alex"].token) as alex:
        await alex.join(evening)
        await alex.send({"type": "report", "room": evening, "message": acks["ev-2"]["id"],
                         "reason": "It's unkind or harassing"})
        await alex.expect("reported")

    program = rooms[EVENING_ROOM].program
    by_client = {c.post.client_id: c.id for c in await inst.deps.cases.open_queue(program) if c.post}
    async with httpx.AsyncClient(base_url=inst.url, timeout=5,
                                 headers={"authorization": f"Bearer {people['dr.kim'].token}"}) as kim:
        answer = await kim.post(f"/api/cases/{by_client['ev-3']}/claim", json={})
        answer.raise_for_status()
        answer = await kim.post(f"/api/cases/{by_client['ev-1']}/followups", json={
            "kind": "group", "note": "Talk about cravings plans at Thursday group", "due": now_ms() + 20 * 3_600_000,
        })
        answer.raise_for_status()


async def new_page(browser: Browser) -> Page:
    context = await browser.new_context(viewport=VIEWPORT, color_scheme="light", reduced_motion="reduce")
    return await context.new_page()


async def room_shot(browser: Browser, inst: Instance, people: dict[str, Person], rooms: dict[str, Room]) -> None:
    page = await new_page(browser)
    await page.goto(inst.url)
    await sign_in(page, "sam", DEMO_PASSWORD)
    await open_room(page, COHORT_ROOM)
    room = rooms[COHORT_ROOM].id
    async with ws_client(inst.ws_url, people["alex"].token) as alex:
        await alex.join(room)
        await alex.send({"type": "typing", "room": room})
        await expect(page.locator(".typing")).to_contain_text("alex is typing")
        await page.get_by_label("Write a message").fill("Count me in for Thursday")
        await page.screenshot(path=str(OUT / "room.png"))
    await page.context.close()


async def dashboard_shot(browser: Browser, inst: Instance) -> None:
    page = await new_page(browser)
    await page.goto(inst.url)
    await sign_in(page, "dr.lee", DEMO_PASSWORD)
    await expect(page.locator(".case-row")).to_have_count(4)
    await expect(page.locator(".followup")).to_have_count(1)
    await expect(page.locator(".room-activity .signals").first).to_be_visible()
    await page.evaluate("document.activeElement && document.activeElement.blur()")
    await page.mouse.move(1270, 790)  # no hover highlight on a row
    await page.screenshot(path=str(OUT / "dashboard.png"))
    await page.context.close()


if __name__ == "__main__":
    asyncio.run(main())
