"""Browser fixtures: headless Chromium, one context per person, screenshots on failure."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Locator, Page, async_playwright, expect

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Auto-waiting assertions: generous enough for a loaded CI box, never a sleep.
expect.set_options(timeout=8_000)

OpenPage = Callable[..., Awaitable[Page]]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    """Remember each phase's report on the item so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """A fresh headless Chromium per test."""
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def open_page(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[OpenPage]:
    """Open a page in a new browser context (its own cookies: one per person)."""
    pages: list[tuple[str, Page]] = []
    contexts: list[BrowserContext] = []

    async def open_(url: str, name: str = "page", width: int = 1280, height: int = 800) -> Page:
        context = await browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(8_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors  # type: ignore[attr-defined]
        await page.goto(url)
        pages.append((name, page))
        return page

    yield open_
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        for name, page in pages:
            try:
                await page.screenshot(path=str(ARTIFACTS / f"{slug}-{name}.png"), full_page=True)
            except Exception:  # the page may be gone with the failure
                pass
    for context in contexts:
        await context.close()


async def sign_in(page: Page, handle: str, password: str) -> None:
    """Sign in through the form and wait for the signed-in shell."""
    await page.get_by_label("Handle").fill(handle)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()


async def open_room(page: Page, name: str) -> None:
    """Go to a room from the rooms list and wait until it is joined."""
    await page.get_by_role("link", name="Rooms", exact=True).click()
    await page.get_by_role("link", name=re.compile(re.escape(name))).click()
    await expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    await expect(page.locator("section.room[data-joined=true]")).to_be_visible()


async def say(page: Page, text: str) -> None:
    """Type into the composer and press Enter."""
    composer = page.get_by_label("Write a message")
    await composer.fill(text)
    await composer.press("Enter")


def messages(page: Page) -> Any:
    """The room's message list items (published and pending)."""
    return page.locator("ol.messages > li.msg")


async def assert_inside_viewport(page: Page, element: Locator) -> None:
    """The element is wholly on screen (no scrolling needed) and nothing covers it."""
    size = page.viewport_size
    assert size is not None
    box = await element.bounding_box()
    assert box is not None, "not rendered"
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= size["width"] + 0.5, (box, size)
    assert box["y"] + box["height"] <= size["height"] + 0.5, (box, size)
    await element.click(trial=True, timeout=2_000)  # actionable: visible, stable, receives the pointer


async def assert_no_axe_violations(page: Page) -> None:
    """axe-core (bundled in the package, no CDN) finds nothing on the page as it stands."""
    results = await Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
