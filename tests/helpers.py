"""Test helpers: real app instances, real WebSocket clients, bounded waits."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import websockets
from websockets.asyncio.client import ClientConnection

from moderation.linear import shipped_classifier
from moderation.pipeline import Moderator
from service.actions.deps import Deps
from service.app import create_app
from service.base.models import Role, Room, RoomKind, User
from service.base.settings import Settings
from service.cli import server_options
from service.realtime.live import Live
from tests.redis_server import free_port, reachable

WAIT = 3.0
RULES_DIR = Path(__file__).resolve().parent.parent / "moderation" / "rules"


async def eventually(check: Callable[[], Awaitable[Any] | Any], timeout: float = WAIT, interval: float = 0.02) -> Any:
    """The one poller: retry ``check`` until it returns truthy, bounded by a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result) or isinstance(result, Awaitable):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


_MODERATORS: dict[tuple[str | None, str | None, bool], Moderator] = {}


async def shared_moderator(settings: Settings) -> Moderator:
    """One loaded Moderator per rule set for the whole test run: loading the rules takes seconds, and
    a test that edits rules gives its instance its own rules_dir (so it gets its own Moderator)."""
    key = (settings.rules_dir, settings.policy_file, settings.moderation_model)
    if key not in _MODERATORS:
        _MODERATORS[key] = await asyncio.to_thread(
            Moderator.load,
            Path(settings.rules_dir) if settings.rules_dir else None,
            Path(settings.policy_file) if settings.policy_file else None,
            classifier=shipped_classifier() if settings.moderation_model else None,
        )
    return _MODERATORS[key]


@dataclass
class Instance:
    """One app instance served by uvicorn on a real port."""

    settings: Settings
    port: int
    server: uvicorn.Server
    task: asyncio.Task[None]
    app: Any

    @property
    def url(self) -> str:
        """HTTP base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """WebSocket URL."""
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def deps(self) -> Deps:
        """The instance's services."""
        deps: Deps = self.app.state.deps
        return deps

    @property
    def live(self) -> Live:
        """The app's open sockets."""
        live: Live = self.app.state.live
        return live

    async def stop(self) -> None:
        """Graceful stop."""
        self.server.should_exit = True
        await self.task


@contextlib.asynccontextmanager
async def running(settings: Settings, **overrides: Any) -> AsyncIterator[Instance]:
    """Serve ``create_app(settings)`` in this event loop on a free port."""
    port = free_port()
    if "moderator" not in overrides:
        overrides["moderator"] = await shared_moderator(settings)
    app = create_app(settings, **overrides)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", **server_options(settings))
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    # Generous: a loaded CI machine can take a while to start an instance; this is a bound, not a wait.
    await eventually(lambda: server.started or task.done(), timeout=30)
    if task.done():
        task.result()
    instance = Instance(settings, port, server, task, app)
    try:
        yield instance
    finally:
        if not task.done():
            await instance.stop()


class WsClient:
    """A real WebSocket client that records every frame and lets tests await specific ones."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.frames: list[dict[str, Any]] = []
        self._new = asyncio.Condition()
        self.closed: asyncio.Future[tuple[int | None, str]] = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.conn:
                frame = json.loads(raw)
                async with self._new:
                    self.frames.append(frame)
                    self._new.notify_all()
        except websockets.ConnectionClosed:
            pass
        finally:
            if not self.closed.done():
                self.closed.set_result((self.conn.close_code, self.conn.close_reason or ""))
            async with self._new:
                self._new.notify_all()

    async def send(self, frame: dict[str, Any] | str) -> None:
        """Send a frame (a dict is JSON-encoded)."""
        await self.conn.send(frame if isinstance(frame, str) else json.dumps(frame))

    def matching(self, frame_type: str, /, **fields: Any) -> list[dict[str, Any]]:
        """Frames received so far of a type whose fields match."""
        return [f for f in self.frames if f.get("type") == frame_type and all(f.get(k) == v for k, v in fields.items())]

    async def expect(self, frame_type: str, /, timeout: float = WAIT, **fields: Any) -> dict[str, Any]:
        """Wait for the first (not yet consumed) matching frame."""
        async with asyncio.timeout(timeout):
            async with self._new:
                while True:
                    found = self.matching(frame_type, **fields)
                    if found:
                        return found[0]
                    if self.closed.done():
                        raise AssertionError(f"closed {self.closed.result()} before {frame_type} {fields}")
                    await self._new.wait()

    async def expect_count(
        self, frame_type: str, count: int, /, timeout: float = WAIT, **fields: Any
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` matching frames arrived."""
        async with asyncio.timeout(timeout):
            async with self._new:
                while len(self.matching(frame_type, **fields)) < count:
                    if self.closed.done():
                        raise AssertionError(f"closed {self.closed.result()} before {count} {frame_type}")
                    await self._new.wait()
        return self.matching(frame_type, **fields)

    async def join(self, room: str, after: str | None = None) -> dict[str, Any]:
        """Join and wait for ``joined``."""
        before = len(self.matching("joined", room=room))
        frame: dict[str, Any] = {"type": "join", "room": room}
        if after:
            frame["after"] = after
        await self.send(frame)
        frames = await self.expect_count("joined", before + 1, room=room)
        return frames[-1]

    async def post(self, room: str, text: str, client_id: str) -> dict[str, Any]:
        """Post and wait for the ack."""
        await self.send({"type": "post", "room": room, "text": text, "client_id": client_id})
        return await self.expect("ack", client_id=client_id)

    async def wait_closed(self, timeout: float = WAIT) -> tuple[int | None, str]:
        """Wait for the server to close the socket; returns (code, reason)."""
        async with asyncio.timeout(timeout):
            return await asyncio.shield(self.closed)

    async def close(self) -> None:
        """Close from the client side."""
        await self.conn.close()
        with contextlib.suppress(BaseException):
            await self._reader


@contextlib.asynccontextmanager
async def ws_client(
    url: str, token: str | None = None, origin: str | None = None, **kw: Any
) -> AsyncIterator[WsClient]:
    """Connect with a bearer token (and optionally an Origin)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    conn = await websockets.connect(url, additional_headers=headers, origin=origin, open_timeout=5, **kw)
    client = WsClient(conn)
    try:
        yield client
    finally:
        await client.close()


@dataclass
class Person:
    """A signed-in test user."""

    user: User
    token: str
    password: str = "correct horse battery"


@dataclass
class World:
    """A program with rooms and people, made directly through the stores."""

    deps: Deps
    program: str = ""
    rooms: dict[str, Room] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)

    async def make_program(self, name: str = "Test IOP") -> str:
        """Create the program."""
        self.program = (await self.deps.directory.create_program(name)).id
        return self.program

    async def make_room(self, name: str, kind: RoomKind = RoomKind.COHORT, hosts: list[str] | None = None) -> Room:
        """Create a room in the program."""
        room = await self.deps.directory.create_room(self.program, name, kind, hosts)
        self.rooms[name] = room
        return room

    async def make_person(self, handle: str, role: Role = Role.MEMBER, programs: list[str] | None = None) -> Person:
        """Create and sign in a user."""
        password = "correct horse battery"
        user = await self.deps.accounts.create_user(handle, password, role, programs or [self.program])
        token = await self.deps.accounts.create_session(user)
        person = Person(user, token, password)
        self.people[handle] = person
        return person


async def http(instance: Instance) -> httpx.AsyncClient:
    """An HTTP client for one instance."""
    return httpx.AsyncClient(base_url=instance.url, timeout=5)


@dataclass
class ProcessInstance:
    """``between serve`` in a child process, for tests that kill an instance."""

    env: dict[str, str]
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    drop_env: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        """HTTP base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """WebSocket URL."""
        return f"ws://127.0.0.1:{self.port}/ws"

    async def start(self) -> ProcessInstance:
        """Start and wait until /readyz answers."""
        env = {**os.environ, **self.env, "BETWEEN_PORT": str(self.port), "BETWEEN_HOST": "127.0.0.1"}
        for name in self.drop_env:
            env.pop(name, None)
        self.proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        async def ready() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError("instance exited during start-up")
            if not reachable_http(self.port):
                return False
            async with httpx.AsyncClient() as client:
                try:
                    return (await client.get(f"{self.url}/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

        await eventually(ready, timeout=20, interval=0.05)
        return self

    def kill(self) -> None:
        """SIGKILL: no goodbye, no cleanup."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM and wait."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def relaxed_rules(directory: Path) -> Path:
    """A copy of the moderation rules whose flood limits allow load from one author (load tests only)."""
    target = directory / "rules"
    target.mkdir(exist_ok=True)
    for source in RULES_DIR.glob("*.toml"):
        text = source.read_text()
        if source.name == "spam.toml":
            text = re.sub(r"(?m)^(flood_hold|flood_block|repeat_hold)\s*=\s*\d+", r"\1 = 100000000", text)
        (target / source.name).write_text(text)
    return target


def reachable_http(port: int) -> bool:
    """Whether the port accepts connections."""
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


__all__ = ["Instance", "ProcessInstance", "World", "WsClient", "eventually", "reachable", "running", "ws_client"]
