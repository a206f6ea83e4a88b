"""Guess limits hold under concurrency, and are no lever for locking someone else out.

Different client addresses are real: each client binds its own loopback address (127.0.0.x)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from service.base.models import Role
from service.base.settings import Settings
from tests.helpers import Instance, World, running

pytestmark = pytest.mark.redis


def client_from(instance: Instance, address: str) -> httpx.AsyncClient:
    """An HTTP client whose connections come from ``address`` (any 127.0.0.x is this machine)."""
    return httpx.AsyncClient(base_url=instance.url, timeout=30,
                             transport=httpx.AsyncHTTPTransport(local_address=address))


async def login(client: httpx.AsyncClient, handle: str, password: str) -> httpx.Response:
    return await client.post("/api/login", json={"handle": handle, "password": password})


async def test_sixty_parallel_guesses_get_five_password_checks(instance: Instance, world: World) -> None:
    await world.make_person("sam")
    limit = instance.settings.login_max_failures
    async with client_from(instance, "127.0.0.2") as attacker:
        answers = await asyncio.gather(*(login(attacker, "sam", f"guess number {i}") for i in range(60)))
    assert Counter(a.status_code for a in answers) == {401: limit, 429: 60 - limit}


async def test_an_attacker_elsewhere_does_not_lock_the_owner_out(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    alex = await world.make_person("alex")
    limit = instance.settings.login_max_failures
    async with client_from(instance, "127.0.0.2") as attacker, client_from(instance, "127.0.0.3") as owner:
        for _ in range(limit):
            assert (await login(attacker, "sam", "wrong password")).status_code == 401
        assert (await login(attacker, "sam", sam.password)).status_code == 429  # this pair is done
        assert (await login(owner, "sam", sam.password)).status_code == 200  # the owner is not
        # A colleague behind the attacker's address (shared clinic Wi-Fi) still signs in.
        assert (await login(attacker, "alex", alex.password)).status_code == 200


async def test_the_handle_brake_spares_a_known_device_and_a_counselor_can_lift_it(
    instance: Instance, world: World
) -> None:
    sam = await world.make_person("sam")
    lee = await world.make_person("lee", Role.COUNSELOR)
    limit = instance.settings.login_max_failures
    async with client_from(instance, "127.0.0.3") as phone:
        assert (await login(phone, "sam", sam.password)).status_code == 200  # sam's phone is now known
        assert "between_device" in phone.cookies
        # Guessing from four addresses engages the per-handle brake...
        for n in range(4):
            async with client_from(instance, f"127.0.0.{10 + n}") as attacker:
                for _ in range(limit):
                    await login(attacker, "sam", "wrong password")
        async with client_from(instance, "127.0.0.20") as new_laptop:
            assert (await login(new_laptop, "sam", sam.password)).status_code == 429
            # ...but sam's own phone still gets in,
            assert (await login(phone, "sam", sam.password)).status_code == 200
            # and once a counselor vouches for sam, so does a new laptop.
            unlocked = await new_laptop.post(f"/api/users/{sam.user.id}/unlock-login",
                                             headers={"authorization": f"Bearer {lee.token}"})
            assert unlocked.status_code == 200
            assert (await login(new_laptop, "sam", sam.password)).status_code == 200
        member_try = await phone.post(f"/api/users/{lee.user.id}/unlock-login",
                                      headers={"authorization": f"Bearer {sam.token}"})
        assert member_try.status_code == 403


async def test_sign_in_from_another_site_or_as_a_form_is_refused(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    async with httpx.AsyncClient(base_url=instance.url) as client:
        cross_site = await client.post("/api/login", json={"handle": "sam", "password": sam.password},
                                       headers={"origin": "http://attacker.example"})
        assert cross_site.status_code == 403 and cross_site.json()["error"]["code"] == "forbidden"
        # What an HTML form on another site can send without a preflight: text/plain.
        as_form = await client.post("/api/login", content=f'{{"handle":"sam","password":"{sam.password}"}}',
                                    headers={"content-type": "text/plain"})
        assert as_form.status_code == 415 and as_form.json()["error"]["code"] == "unsupported_media_type"
        redeem = await client.post("/api/invites/redeem", json={"code": "ABCD-EFGH", "handle": "x", "password": "y"},
                                   headers={"origin": "http://attacker.example"})
        assert redeem.status_code == 403


async def test_invite_codes_cannot_be_brute_forced_from_one_address(instance: Instance, world: World) -> None:
    limit = instance.settings.login_max_failures * 4
    async with client_from(instance, "127.0.0.2") as guesser:
        answers = [await guesser.post("/api/invites/redeem",
                                      json={"code": f"GUESS{i:04d}", "handle": f"guess{i}", "password": "long enough"})
                   for i in range(limit + 1)]
    assert [a.status_code for a in answers] == [404] * limit + [429]


async def test_behind_a_trusted_proxy_limits_follow_the_forwarded_address(
    make_settings: Callable[..., Settings], redis: Any,
) -> None:
    limit = 5

    async def attempts(inst: Instance, forwarded: str, password: str) -> int:
        async with httpx.AsyncClient(base_url=inst.url) as proxy:
            answer = await proxy.post("/api/login", json={"handle": "sam", "password": password},
                                      headers={"x-forwarded-for": forwarded})
            return answer.status_code

    async with running(make_settings(trusted_proxies=["127.0.0.1"], login_max_failures=limit)) as inst:
        world = World(inst.deps)
        await world.make_program()
        sam = await world.make_person("sam")
        for _ in range(limit):
            assert await attempts(inst, "203.0.113.7", "wrong password") == 401
        assert await attempts(inst, "203.0.113.7", sam.password) == 429
        # Everyone else behind the proxy is someone else: their own address counts.
        assert await attempts(inst, "198.51.100.9", sam.password) == 200
    async with running(make_settings(login_max_failures=limit, key_prefix=f"{inst.settings.key_prefix}b")) as plain:
        world = World(plain.deps)
        await world.make_program()
        sam = await world.make_person("sam")
        # Not trusted: a client cannot pick its address by sending the header.
        for _ in range(limit):
            assert await attempts(plain, "203.0.113.7", "wrong password") == 401
        assert await attempts(plain, "198.51.100.9", sam.password) == 429
