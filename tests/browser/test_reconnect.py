"""The client survives a server restart: it says so, reconnects, resumes without gaps or duplicates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.browser.conftest import OpenPage, messages, open_room, say, sign_in
from tests.helpers import Instance, ProcessInstance, World, ws_client

pytestmark = [pytest.mark.browser, pytest.mark.redis]

# Backoff tops out at 15 s; restart plus one backoff step must fit.
RECONNECT_TIMEOUT = 30_000


async def test_reconnects_after_restart_and_resumes_without_duplicates(
    instance: Instance, world: World, open_page: OpenPage, redis_url: str, prefix: str, tmp_path: Path
) -> None:
    sam = await world.make_person("sam")
    alex = await world.make_person("alex")
    room = world.rooms["cohort"].id
    server = ProcessInstance({
        "REDIS_URL": redis_url, "BETWEEN_KEY_PREFIX": prefix, "BETWEEN_DATA_DIR": str(tmp_path / "proc"),
        "BETWEEN_ARGON2_TIME_COST": "1", "BETWEEN_ARGON2_MEMORY_KIB": "1024", "BETWEEN_LOG_LEVEL": "WARNING",
    })
    await server.start()
    try:
        page = await open_page(server.url, "sam")
        await sign_in(page, "sam", sam.password)
        await open_room(page, "cohort")
        await say(page, "before the restart")
        await expect(messages(page).filter(has_text="before the restart")).to_have_count(1)
        await expect(page.locator(".msg-pending")).to_have_count(0)

        server.stop()
        status = page.get_by_role("status").filter(has_text="Reconnecting")
        await expect(status).to_be_visible()
        await expect(page.locator("section.room[data-joined=false]")).to_be_visible()

        # While sam is away: alex posts through the other instance, and sam writes one too.
        async with ws_client(instance.ws_url, alex.token) as other:
            await other.join(room)
            await other.post(room, "posted while you were away", "away-1")
        await say(page, "written while offline")
        await expect(page.locator(".msg-pending")).to_contain_text("Sending")

        await server.start()
        await expect(status).to_be_hidden(timeout=RECONNECT_TIMEOUT)
        await expect(page.locator("section.room[data-joined=true]")).to_be_visible()
        for text in ("before the restart", "posted while you were away", "written while offline"):
            await expect(messages(page).filter(has_text=text)).to_have_count(1)
        await expect(page.locator(".msg-pending")).to_have_count(0)
        await expect(messages(page)).to_have_count(3)
        await expect(messages(page).nth(1)).to_contain_text(re.compile("while you were away"))

        # Live traffic flows again after the resume, still once each.
        async with ws_client(instance.ws_url, alex.token) as other:
            await other.join(room)
            await other.post(room, "welcome back", "back-1")
        await expect(messages(page).filter(has_text="welcome back")).to_have_count(1)
        await expect(messages(page)).to_have_count(4)
    finally:
        server.stop()
