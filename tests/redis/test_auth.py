"""Sign-in, sessions, invites, roles and the WebSocket handshake's checks."""

from __future__ import annotations

import httpx
import pytest
import websockets

from service.base.models import Role
from tests.helpers import Instance, World, eventually, ws_client

pytestmark = pytest.mark.redis


async def _login(client: httpx.AsyncClient, handle: str, password: str) -> httpx.Response:
    return await client.post("/api/login", json={"handle": handle, "password": password})


async def test_login_sets_strict_httponly_cookie_and_token_works(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    async with httpx.AsyncClient(base_url=instance.url) as client:
        response = await _login(client, "sam", sam.password)
        assert response.status_code == 200
        body = response.json()
        assert body["user"]["handle"] == "sam" and "password_hash" not in body["user"]
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        me = await client.get("/api/me", headers={"authorization": f"Bearer {body['token']}"})
        assert me.json()["user"]["id"] == sam.user.id


async def test_bad_logins_are_refused_then_rate_limited(instance: Instance, world: World) -> None:
    await world.make_person("sam")
    async with httpx.AsyncClient(base_url=instance.url) as client:
        wrong = await _login(client, "sam", "not the password")
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "unauthenticated"
        unknown = await _login(client, "nobody", "whatever123")
        assert unknown.status_code == 401 and unknown.json() == wrong.json()
        for _ in range(instance.settings.login_max_failures):
            await _login(client, "sam", "still wrong")
        limited = await _login(client, "sam", "correct horse battery")
        assert limited.status_code == 429
        malformed = await client.post("/api/login", content=b"{not json", headers={"content-type": "application/json"})
        assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "bad_json"
        missing = await client.post("/api/login", json={"handle": "sam"})
        assert missing.status_code == 400 and missing.json()["error"]["code"] == "invalid"


async def test_logout_revokes_token(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    headers = {"authorization": f"Bearer {sam.token}"}
    async with httpx.AsyncClient(base_url=instance.url) as client:
        assert (await client.post("/api/logout", headers=headers)).status_code == 200
        assert (await client.get("/api/me", headers=headers)).status_code == 401


async def test_invites_create_accounts_with_roles(instance: Instance, world: World) -> None:
    admin = await world.make_person("boss", Role.ADMIN)
    counselor = await world.make_person("lee", Role.COUNSELOR)
    member = await world.make_person("sam")
    async with httpx.AsyncClient(base_url=instance.url) as client:
        url = f"/api/programs/{world.program}/invites"
        denied = await client.post(url, json={"role": "member"}, headers={"authorization": f"Bearer {member.token}"})
        assert denied.status_code == 403
        too_high = await client.post(url, json={"role": "counselor"},
                                     headers={"authorization": f"Bearer {counselor.token}"})
        assert too_high.status_code == 403
        made = await client.post(url, json={"role": "mentor", "uses": 1},
                                 headers={"authorization": f"Bearer {counselor.token}"})
        assert made.status_code == 201
        code = made.json()["code"]
        redeemed = await client.post("/api/invites/redeem",
                                     json={"code": code, "handle": "newmentor", "password": "long enough pw"})
        assert redeemed.status_code == 201
        assert redeemed.json()["user"]["role"] == "mentor"
        assert redeemed.json()["user"]["programs"] == [world.program]
        again = await client.post("/api/invites/redeem",
                                  json={"code": code, "handle": "someoneelse", "password": "long enough pw"})
        assert again.status_code == 404
        bogus = await client.post("/api/invites/redeem",
                                  json={"code": "AAAA-BBBB-CCCC", "handle": "x_y_z", "password": "long enough pw"})
        assert bogus.status_code == 404
        # Admins create counselor invites; a taken handle gives the use back.
        made = await client.post(url, json={"role": "counselor"}, headers={"authorization": f"Bearer {admin.token}"})
        code = made.json()["code"]
        taken = await client.post("/api/invites/redeem",
                                  json={"code": code, "handle": "sam", "password": "long enough pw"})
        assert taken.status_code == 409
        ok = await client.post("/api/invites/redeem",
                               json={"code": code, "handle": "dr.new", "password": "pw long 123"})
        assert ok.status_code == 201 and ok.json()["user"]["role"] == "counselor"


async def test_only_admins_of_a_program_manage_it(instance: Instance, world: World) -> None:
    admin = await world.make_person("boss", Role.ADMIN)
    counselor = await world.make_person("lee", Role.COUNSELOR)
    other = World(instance.deps)
    await other.make_program("Elsewhere")
    outsider = await other.make_person("otheradmin", Role.ADMIN)
    async with httpx.AsyncClient(base_url=instance.url) as client:
        url = f"/api/programs/{world.program}/rooms"
        made = await client.post(url, json={"name": "Evening"}, headers={"authorization": f"Bearer {admin.token}"})
        assert made.status_code == 201
        assert (await client.post(url, json={"name": "x"},
                                  headers={"authorization": f"Bearer {counselor.token}"})).status_code == 403
        assert (await client.post(url, json={"name": "x"},
                                  headers={"authorization": f"Bearer {outsider.token}"})).status_code == 404
        created = await client.post("/api/programs", json={"name": "New site"},
                                    headers={"authorization": f"Bearer {admin.token}"})
        assert created.status_code == 201
        me = await client.get("/api/me", headers={"authorization": f"Bearer {admin.token}"})
        assert created.json()["id"] in me.json()["user"]["programs"]


async def test_cookie_authenticated_write_from_another_origin_is_refused(instance: Instance, world: World) -> None:
    admin = await world.make_person("boss", Role.ADMIN)
    cookies = {"between_session": admin.token}
    async with httpx.AsyncClient(base_url=instance.url, cookies=cookies) as client:
        url = f"/api/programs/{world.program}/rooms"
        evil = await client.post(url, json={"name": "x"}, headers={"origin": "http://evil.example"})
        assert evil.status_code == 403
        no_origin = await client.post(url, json={"name": "x"})
        assert no_origin.status_code == 403
        same = await client.post(url, json={"name": "ok"}, headers={"origin": instance.url})
        assert same.status_code == 201


async def test_websocket_refuses_missing_bad_expired_and_revoked_tokens(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    for token in (None, "not-a-token"):
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with ws_client(instance.ws_url, token):
                pass
        assert refused.value.response.status_code == 403
    expiring = await instance.deps.accounts.create_session(sam.user)
    from service.base.ids import token_hash

    await instance.deps.handle.client.pexpire(instance.deps.keys.session(token_hash(expiring)), 1)
    await eventually(lambda: _gone(instance, expiring))
    with pytest.raises(websockets.InvalidStatus):
        async with ws_client(instance.ws_url, expiring):
            pass
    await instance.deps.accounts.revoke_all(sam.user.id)
    with pytest.raises(websockets.InvalidStatus):
        async with ws_client(instance.ws_url, sam.token):
            pass


async def _gone(instance: Instance, token: str) -> bool:
    return await instance.deps.accounts.resolve(token) is None


async def test_revocation_closes_open_sockets_with_4501(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    admin = await world.make_person("boss", Role.ADMIN)
    async with ws_client(instance.ws_url, sam.token) as a:
        await a.join(world.rooms["cohort"].id)
        async with httpx.AsyncClient(base_url=instance.url) as client:
            response = await client.post(f"/api/users/{sam.user.id}/revoke-sessions",
                                         headers={"authorization": f"Bearer {admin.token}"})
            assert response.status_code == 200
        code, _ = await a.wait_closed()
        assert code == 4501


async def test_websocket_checks_origin(instance: Instance, world: World) -> None:
    sam = await world.make_person("sam")
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with ws_client(instance.ws_url, sam.token, origin="http://evil.example"):
            pass
    assert refused.value.response.status_code == 403
    for origin in (instance.url, "http://allowed.example"):
        async with ws_client(instance.ws_url, sam.token, origin=origin) as ok:
            await ok.send({"type": "ping"})
            await ok.expect("pong")
