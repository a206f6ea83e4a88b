"""The admin page against the real app: an admin creates a program, a room hosted by a mentor and an
invite whose copied code really redeems; a counselor invites members and mentors only; a member has
no way in. The people endpoint behind the host picker is tested from the attacker's side."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from service.base.models import Role
from tests.browser.conftest import OpenPage, assert_inside_viewport, assert_no_axe_violations, sign_in
from tests.helpers import Instance, World

pytestmark = [pytest.mark.browser, pytest.mark.redis]

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORTS = [pytest.param(360, 740, id="phone"), pytest.param(1280, 800, id="desktop")]
CODE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$")


async def staffed(world: World) -> World:
    """The fixture's program with one person per role."""
    await world.make_person("boss", Role.ADMIN)
    await world.make_person("lee", Role.COUNSELOR)
    await world.make_person("jordan", Role.MENTOR)
    await world.make_person("sam")
    return world


def as_(instance: Instance, world: World, handle: str) -> httpx.AsyncClient:
    token = world.people[handle].token
    return httpx.AsyncClient(base_url=instance.url, timeout=5, headers={"authorization": f"Bearer {token}"})


async def signed_in(open_page: OpenPage, instance: Instance, world: World, handle: str,
                    width: int = 1280, height: int = 800) -> Page:
    page = await open_page(instance.url, handle, width=width, height=height)
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=instance.url)
    await sign_in(page, handle, world.people[handle].password)
    return page


async def make_and_copy_invite(page: Page, role: str, uses: str = "1", days: str = "14") -> str:
    """Create an invite through the form, copy it, and return what the clipboard holds."""
    invites = page.locator("section", has=page.get_by_role("heading", name="Invite codes"))
    await invites.get_by_label("Role").select_option(role)
    await invites.get_by_label("Uses").fill(uses)
    await invites.get_by_label("Expires after (days)").fill(days)
    await invites.get_by_role("button", name="Create invite").click()
    code = invites.locator("code.invite-code")
    await expect(code).to_have_text(CODE)
    shown = (await code.text_content() or "").strip()
    copy = invites.get_by_role("button", name="Copy")
    await expect(copy).to_be_focused()
    await assert_inside_viewport(page, copy)
    await copy.click()
    await expect(invites.get_by_role("status")).to_have_text("Copied")
    copied = await page.evaluate("navigator.clipboard.readText()")
    assert copied == shown
    return str(copied)


async def redeem(instance: Instance, code: str, handle: str) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=instance.url, timeout=5) as client:
        answer = await client.post("/api/invites/redeem", json={"code": code, "handle": handle,
                                                                "password": "a long enough password"})
        assert answer.status_code == 201, answer.text
        user: dict[str, object] = answer.json()["user"]
        return user


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
async def test_an_admin_sets_up_a_program_room_and_invite_and_the_copied_code_works(
    instance: Instance, world: World, open_page: OpenPage, width: int, height: int
) -> None:
    await staffed(world)
    page = await signed_in(open_page, instance, world, "boss", width, height)
    await page.get_by_role("link", name="Admin", exact=True).click()
    await expect(page.get_by_role("heading", name="Admin", level=1)).to_be_visible()
    await expect(page).to_have_title("Admin · Between")
    rooms = page.locator("section", has=page.get_by_role("heading", name=re.compile(r"^Rooms in ")))
    await expect(rooms.get_by_text("cohort", exact=True)).to_be_visible()

    # A new program: the admin is its admin at once, and it becomes the program shown.
    programs = page.locator("section", has=page.get_by_role("heading", name="Programs"))
    await programs.get_by_label("Name", exact=True).fill("Fort Worth IOP")
    await programs.get_by_role("button", name="Create program").click()
    await expect(programs.get_by_role("list", name="Your programs").get_by_role("listitem")).to_have_count(2)
    picker = page.get_by_label("Program", exact=True)
    await expect(picker.locator("option:checked")).to_have_text("Fort Worth IOP")
    await expect(page.get_by_role("heading", name="Rooms in Fort Worth IOP")).to_be_visible()
    await expect(rooms.get_by_text("No rooms in this program yet.")).to_be_visible()
    made = [p for p in await instance.deps.directory.programs(
        (await instance.deps.accounts.get(world.people["boss"].user.id)).programs)  # type: ignore[union-attr]
        if p.name == "Fort Worth IOP"]
    assert len(made) == 1

    # Back in the first program: an evening room hosted by the mentor. Members are never offered as hosts.
    await picker.select_option(label="Test IOP")
    await expect(page.get_by_role("heading", name="Rooms in Test IOP")).to_be_visible()
    await expect(rooms.get_by_label("sam")).to_have_count(0)
    await rooms.get_by_label("Room name").fill("Thursday evening")
    await rooms.get_by_label("Kind").select_option("evening")
    await rooms.get_by_role("checkbox", name=re.compile(r"^jordan")).check()
    await rooms.get_by_role("button", name="Create room").click()
    row = rooms.get_by_role("listitem").filter(has_text="Thursday evening")
    await expect(row).to_contain_text("Evening (hosted)")
    await expect(row).to_contain_text("Hosted by jordan")
    stored = [r for r in await instance.deps.directory.rooms_of_program(world.program) if r.name == "Thursday evening"]
    assert len(stored) == 1 and stored[0].hosts == [world.people["jordan"].user.id]
    assert stored[0].kind.value == "evening"

    # An invite: the code is shown once, copied exactly, and it works.
    code = await make_and_copy_invite(page, "member", uses="2", days="7")
    await expect(page.locator(".invite-terms")).to_contain_text("Member invite · 2 uses")
    await page.evaluate("document.activeElement && document.activeElement.blur()")
    await page.mouse.move(0, 0)
    if width >= 1000:  # the whole page; on a phone, the code as it was just made
        await page.locator("main").evaluate("el => el.scrollTo(0, 0)")
    await page.screenshot(path=str(SHOTS / ("admin.png" if width >= 1000 else f"admin-{width}.png")))
    await assert_no_axe_violations(page)
    user = await redeem(instance, code, "newbie")
    assert user["role"] == "member" and user["programs"] == [world.program]

    # The new room is in the admin's own rooms list without signing in again.
    await page.get_by_role("link", name="Rooms", exact=True).click()
    await expect(page.get_by_role("link", name=re.compile("Thursday evening"))).to_be_visible()


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
async def test_a_counselor_invites_members_and_mentors_but_sees_no_admin_controls(
    instance: Instance, world: World, open_page: OpenPage, width: int, height: int
) -> None:
    await staffed(world)
    page = await signed_in(open_page, instance, world, "lee", width, height)
    await expect(page.get_by_role("link", name="Admin", exact=True)).to_have_count(0)
    await page.get_by_role("link", name="Invite", exact=True).click()
    await expect(page.get_by_role("heading", name="Invite people", level=1)).to_be_visible()
    await expect(page.get_by_role("heading", name=re.compile(r"New invite for Test IOP"))).to_be_visible()
    for admin_only in ("Create program", "Create room"):
        await expect(page.get_by_role("button", name=admin_only)).to_have_count(0)
    await expect(page.get_by_role("heading", name="Programs")).to_have_count(0)
    options = await page.get_by_label("Role").locator("option").all_text_contents()
    assert options == ["Member", "Peer mentor"]
    await assert_no_axe_violations(page)

    code = await make_and_copy_invite(page, "mentor")
    user = await redeem(instance, code, "new.mentor")
    assert user["role"] == "mentor"

    # The server holds the line whatever the page offers.
    async with as_(instance, world, "lee") as lee:
        refused = await lee.post(f"/api/programs/{world.program}/invites", json={"role": "counselor"})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        assert (await lee.post("/api/programs", json={"name": "Mine"})).status_code == 403
        assert (await lee.post(f"/api/programs/{world.program}/rooms", json={"name": "x"})).status_code == 403


async def test_a_member_has_no_admin_link_and_the_api_refuses(
    instance: Instance, world: World, open_page: OpenPage
) -> None:
    await staffed(world)
    page = await signed_in(open_page, instance, world, "sam")
    await expect(page.get_by_role("heading", name="Your rooms")).to_be_visible()
    for label in ("Admin", "Invite", "Counselor queue"):
        await expect(page.get_by_role("link", name=label, exact=True)).to_have_count(0)
    await page.goto(f"{instance.url}/#/admin")
    await expect(page.get_by_role("heading", name="Your rooms")).to_be_visible()
    await expect(page.get_by_role("heading", name="Invite people")).to_have_count(0)

    async with as_(instance, world, "sam") as sam:
        for method, url, body in (
            ("GET", f"/api/programs/{world.program}/people", None),
            ("POST", f"/api/programs/{world.program}/invites", {"role": "member"}),
            ("POST", f"/api/programs/{world.program}/rooms", {"name": "mine"}),
            ("POST", "/api/programs", {"name": "mine"}),
        ):
            answer = await sam.request(method, url, json=body)
            assert answer.status_code == 403, (url, answer.text)
            assert answer.json()["error"]["code"] == "forbidden"


async def test_the_people_list_is_for_the_programs_staff_and_carries_no_secrets(
    instance: Instance, world: World
) -> None:
    await staffed(world)
    other = World(instance.deps)
    await other.make_program("Elsewhere")
    await other.make_person("other.lee", Role.COUNSELOR)
    await other.make_person("other.jo", Role.MENTOR)
    url = f"/api/programs/{world.program}/people"
    async with httpx.AsyncClient(base_url=instance.url, timeout=5) as anonymous:
        assert (await anonymous.get(url)).status_code == 401
    async with as_(instance, other, "other.lee") as outsider:
        assert (await outsider.get(url)).status_code == 404  # another program's counselor: not even its existence
    async with as_(instance, world, "lee") as lee:
        everyone = await lee.get(url)
        assert everyone.status_code == 200
        people = everyone.json()["people"]
        assert {p["handle"] for p in people} == {"boss", "lee", "jordan", "sam"}
        assert all(set(p) == {"id", "handle", "role"} for p in people)
        assert "password" not in everyone.text and "argon2" not in everyone.text
        hosts = await lee.get(url, params={"role": "mentor,counselor"})
        listed = [(p["handle"], p["role"]) for p in hosts.json()["people"]]
        assert listed == [("jordan", "mentor"), ("lee", "counselor")]
        bad = await lee.get(url, params={"role": "mentor,owner"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"

    # Hosts are checked on the server too: a member, or someone from another program, can't host.
    async with as_(instance, world, "boss") as boss:
        rooms = f"/api/programs/{world.program}/rooms"
        for host in (world.people["sam"].user.id, other.people["other.jo"].user.id, "u_nobody"):
            refused = await boss.post(rooms, json={"name": "Evening", "kind": "evening", "hosts": [host]})
            assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid", host
        ok = await boss.post(rooms, json={"name": "Evening", "kind": "evening",
                                          "hosts": [world.people["jordan"].user.id]})
        assert ok.status_code == 201 and ok.json()["hosts"] == [world.people["jordan"].user.id]
