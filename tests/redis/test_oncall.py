"""On-call webhook: signed delivery to a real local receiver, retries, give-up, durability, re-alerts, one sender."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from redis.asyncio import Redis

from channels.keys import LeaseKeys
from channels.lease import Leases
from moderation.case_types import Case, CasePost, CaseSource, CaseStatus, Delivery
from moderation.cases import CaseStore
from service.base.ids import new_id, now_ms
from service.stores.oncall import OnCall, OnCallConfig, public_config, signature
from tests.helpers import eventually
from tests.redis_server import free_port

pytestmark = pytest.mark.redis

SECRET = "s3cret-s3cret-s3cret"
PROGRAM = "p_test"


@dataclass
class Received:
    """One request as the receiver saw it."""

    headers: dict[str, str]
    body: bytes
    valid: bool

    @property
    def payload(self) -> dict[str, Any]:
        """The decoded JSON body."""
        data: dict[str, Any] = json.loads(self.body)
        return data


@dataclass
class Receiver:
    """A real HTTP endpoint on loopback: verifies the signature, answers scripted status codes."""

    plan: dict[str, list[int]] = field(default_factory=dict)
    requests: asyncio.Queue[Received] = field(default_factory=asyncio.Queue)
    port: int = 0

    @property
    def url(self) -> str:
        """Where OnCall posts."""
        return f"http://127.0.0.1:{self.port}/hook"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Parse one HTTP/1.1 request, record it, reply and close."""
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        lines = head.split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        expected = signature(SECRET, headers.get("x-between-timestamp", ""), body)
        valid = lines[0].startswith("POST /hook") and hmac.compare_digest(headers.get("x-between-signature", ""),
                                                                          expected)
        statuses = self.plan.get(headers.get("x-between-case", ""), [])
        status = statuses.pop(0) if statuses else 200
        await self.requests.put(Received(headers, body, valid))
        writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".encode())
        await writer.drain()
        writer.close()

    async def next(self) -> Received:
        """The next request, bounded."""
        async with asyncio.timeout(3):
            return await self.requests.get()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A running receiver."""
    rec = Receiver()
    server = await asyncio.start_server(rec.handle, "127.0.0.1", 0)
    rec.port = server.sockets[0].getsockname()[1]
    async with server:
        yield rec


@pytest.fixture
def store(redis: Redis, prefix: str) -> CaseStore:
    """The case store under the test prefix."""
    return CaseStore(redis, prefix, Leases(redis, LeaseKeys(prefix)))


@pytest.fixture
def announced() -> list[tuple[str, str, str]]:
    """(case id, event, delivery status) of every announce call."""
    return []


@pytest.fixture
def make_oncall(redis: Redis, prefix: str, store: CaseStore, announced: list[tuple[str, str, str]]) -> Any:
    """OnCall workers with fast timings; pass ``client`` to simulate another instance."""

    async def announce(case: Case, event: str) -> None:
        announced.append((case.id, event, case.delivery.status if case.delivery else ""))

    def make(client: Redis | None = None, poll: float = 0.05) -> OnCall:
        cases = CaseStore(client, prefix, Leases(client, LeaseKeys(prefix))) if client else store
        return OnCall(client or redis, prefix, cases, announce,
                      backoff_base_s=0.05, poll_interval_s=poll, timeout_s=2.0)

    return make


@contextlib.asynccontextmanager
async def working(*oncalls: OnCall) -> AsyncIterator[None]:
    """Run workers for the block; cancel them afterwards."""
    tasks = [asyncio.create_task(o.run()) for o in oncalls]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def new_case(store: CaseStore) -> Case:
    """An urgent crisis case with private text and a handle that must never leave the system."""
    now = now_ms()
    case = Case(id=new_id("c"), program=PROGRAM, room="r_cohort", source=CaseSource.CRISIS, categories=["self_harm"],
                severity=3, urgent=True, created=now, updated=now,
                post=CasePost(author_id="u_1", author_handle="sam_handle", text="very private words", ts=now))
    assert await store.open(case)
    return case


async def delivery(store: CaseStore, case_id: str) -> Delivery:
    """The case's current delivery status."""
    case = await store.get(case_id)
    assert case is not None and case.delivery is not None
    return case.delivery


async def idle(redis: Redis, prefix: str) -> bool:
    """No job due and no attempt in flight: nothing more can be sent."""
    locks = [k async for k in redis.scan_iter(match=f"{prefix}:oncall:lock:*")]
    return not locks and not await redis.zcard(f"{prefix}:oncall:due")


async def test_signed_delivery_retries_after_500(make_oncall: Any, store: CaseStore, receiver: Receiver,
                                                 announced: list[tuple[str, str, str]],
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    oncall = make_oncall()
    url = receiver.url.replace("http://", "http://bot:hunter2pass@") + "?token=qwerty"
    await oncall.configure(PROGRAM, OnCallConfig(url=url, secret=SECRET, realert_minutes=0, max_attempts=3))
    case = await new_case(store)
    receiver.plan[case.id] = [500]
    async with working(oncall):
        await oncall.alert(case)
        first, second = await receiver.next(), await receiver.next()
        await eventually(lambda: _status_is(store, case.id, "delivered"))
    for req in (first, second):
        assert req.valid
        assert req.headers["content-type"] == "application/json"
        assert req.headers["x-between-case"] == case.id
        assert req.headers["authorization"] == "Basic " + base64.b64encode(b"bot:hunter2pass").decode()
        assert b"private" not in req.body and b"sam_handle" not in req.body and b"u_1" not in req.body
    assert second.payload["event"] == "case.urgent"
    assert second.payload["case"] == {"id": case.id, "program": PROGRAM, "room": "r_cohort",
                                      "categories": ["self_harm"], "severity": 3, "source": "crisis",
                                      "created": case.created, "realert": 0}
    assert str(second.payload["sent_at"]) == second.headers["x-between-timestamp"]
    got = await delivery(store, case.id)
    assert (got.attempts, got.last_error, got.realerts) == (2, "", 0) and got.delivered_at > 0
    stored = await store.get(case.id)
    assert stored is not None
    assert [(e.actor, e.action) for e in stored.timeline] == [
        ("oncall", "oncall.pending"), ("oncall", "oncall.retry"), ("oncall", "oncall.delivered")]
    assert [s for cid, event, s in announced if cid == case.id and event == "updated"] == [
        "pending", "pending", "delivered"]
    assert "on-call alert delivered" in caplog.text
    assert "hunter2pass" not in caplog.text and "qwerty" not in caplog.text and SECRET not in caplog.text


async def _status_is(store: CaseStore, case_id: str, status: str) -> bool:
    case = await store.get(case_id)
    return case is not None and case.delivery is not None and case.delivery.status == status


async def test_gives_up_and_marks_failed_after_max_attempts(make_oncall: Any, store: CaseStore, receiver: Receiver,
                                                            redis: Redis, prefix: str) -> None:
    oncall = make_oncall()
    await oncall.configure(PROGRAM, OnCallConfig(url=receiver.url, secret=SECRET, max_attempts=3))
    case = await new_case(store)
    receiver.plan[case.id] = [500, 503, 500, 200]
    async with working(oncall):
        await oncall.alert(case)
        for _ in range(3):
            assert (await receiver.next()).valid
        await eventually(lambda: _status_is(store, case.id, "failed"))
        await eventually(lambda: idle(redis, prefix))
    assert receiver.requests.empty()
    got = await delivery(store, case.id)
    assert (got.attempts, got.last_error, got.delivered_at) == (3, "HTTP 500", 0)


async def test_unreachable_endpoint_records_error_type_only(make_oncall: Any, store: CaseStore,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    oncall = make_oncall()
    url = f"http://user:hunter2pass@127.0.0.1:{free_port()}/hook?token=qwerty"
    await oncall.configure(PROGRAM, OnCallConfig(url=url, secret=SECRET, max_attempts=2))
    case = await new_case(store)
    async with working(oncall):
        await oncall.alert(case)
        await eventually(lambda: _status_is(store, case.id, "failed"))
    stored = await store.get(case.id)
    assert stored is not None and stored.delivery is not None
    assert stored.delivery.last_error == "ConnectError" and stored.delivery.attempts == 2
    text = str(stored.timeline) + caplog.text
    assert "ConnectError" in text and "hunter2pass" not in text and "qwerty" not in text


async def test_no_config_marks_not_configured(make_oncall: Any, store: CaseStore, redis: Redis, prefix: str) -> None:
    oncall = make_oncall()
    case = await new_case(store)
    async with working(oncall):
        await oncall.alert(case)
        await eventually(lambda: _status_is(store, case.id, "not_configured"))
    assert await idle(redis, prefix)


async def test_job_survives_restart_and_another_instance_delivers(make_oncall: Any, store: CaseStore,
                                                                  receiver: Receiver, redis_url: str) -> None:
    first = make_oncall()  # accepts the alert, then "dies" without ever running its worker
    await first.configure(PROGRAM, OnCallConfig(url=receiver.url, secret=SECRET, realert_minutes=0))
    case = await new_case(store)
    await first.alert(case)
    other = Redis.from_url(redis_url, protocol=2)
    try:
        second = make_oncall(client=other)
        async with working(second):
            req = await receiver.next()
            await eventually(lambda: _status_is(store, case.id, "delivered"))
    finally:
        await other.aclose()
    assert req.valid and req.payload["case"]["id"] == case.id


@pytest.mark.parametrize("stop", ["acknowledge", "resolve"])
async def test_realerts_until_acknowledged_or_resolved(stop: str, make_oncall: Any, store: CaseStore,
                                                       receiver: Receiver, redis: Redis, prefix: str) -> None:
    oncall = make_oncall()
    await oncall.configure(PROGRAM, OnCallConfig(url=receiver.url, secret=SECRET, realert_minutes=0.01))
    case = await new_case(store)
    async with working(oncall):
        await oncall.alert(case)
        assert (await receiver.next()).payload["event"] == "case.urgent"
        realert = await receiver.next()
        assert realert.valid and realert.payload["event"] == "case.realert" and realert.payload["case"]["realert"] == 1
        await eventually(lambda: _realerts(store, case.id, 1))
        if stop == "acknowledge":
            acked = await oncall.acknowledge(case.id, "u_counselor")
            assert acked is not None and acked.delivery is not None
            assert acked.delivery.acknowledged_by == "u_counselor" and acked.delivery.acknowledged_at > 0
        else:
            await store.update(case.id, lambda c: setattr(c, "status", CaseStatus.RESOLVED))
        # Barrier: a later case's first re-alert; the stopped case's next one was due earlier.
        later = await new_case(store)
        await oncall.alert(later)
        await eventually(lambda: _realerts(store, later.id, 1))
        await oncall.acknowledge(later.id, "u_counselor")
        await eventually(lambda: idle(redis, prefix))
    seen = []
    while not receiver.requests.empty():
        seen.append(receiver.requests.get_nowait().payload["case"]["id"])
    assert case.id not in seen
    assert (await delivery(store, case.id)).realerts == 1


async def _realerts(store: CaseStore, case_id: str, count: int) -> bool:
    case = await store.get(case_id)
    return case is not None and case.delivery is not None and case.delivery.realerts >= count


async def test_two_workers_send_each_attempt_exactly_once(make_oncall: Any, store: CaseStore, receiver: Receiver,
                                                          redis_url: str, redis: Redis, prefix: str) -> None:
    other = Redis.from_url(redis_url, protocol=2)
    try:
        a, b = make_oncall(poll=0.01), make_oncall(client=other, poll=0.01)
        await a.configure(PROGRAM, OnCallConfig(url=receiver.url, secret=SECRET, realert_minutes=0))
        cases = [await new_case(store) for _ in range(8)]
        for case in cases:
            receiver.plan[case.id] = [500, 502]
        async with working(a, b):
            for i, case in enumerate(cases):
                await (a if i % 2 else b).alert(case)

            async def all_delivered() -> bool:
                return all([await _status_is(store, case.id, "delivered") for case in cases])

            await eventually(all_delivered)
            await eventually(lambda: idle(redis, prefix))
    finally:
        await other.aclose()
    counts: dict[str, int] = {}
    while not receiver.requests.empty():
        req = receiver.requests.get_nowait()
        assert req.valid
        counts[req.payload["case"]["id"]] = counts.get(req.payload["case"]["id"], 0) + 1
    assert counts == {case.id: 3 for case in cases}
    for case in cases:
        assert (await delivery(store, case.id)).attempts == 3


async def test_configure_validates_and_never_shows_the_secret(make_oncall: Any) -> None:
    oncall = make_oncall()
    with pytest.raises(ValueError, match="http"):
        await oncall.configure(PROGRAM, OnCallConfig(url="ftp://example.org/x", secret=SECRET))
    with pytest.raises(ValueError, match="secret"):
        await oncall.configure(PROGRAM, OnCallConfig(url="https://example.org/x", secret="short"))
    with pytest.raises(ValueError, match="max_attempts"):
        await oncall.configure(PROGRAM, OnCallConfig(url="https://example.org/x", secret=SECRET, max_attempts=0))
    config = OnCallConfig(url="https://bot:pw@example.org:8443/hook?key=abc", secret=SECRET, realert_minutes=5)
    await oncall.configure(PROGRAM, config)
    assert await oncall.config(PROGRAM) == config
    view = public_config(config)
    assert view == {"url": "https://example.org:8443/hook", "has_secret": True, "realert_minutes": 5,
                    "max_attempts": 5}
    await oncall.configure(PROGRAM, None)
    assert await oncall.config(PROGRAM) is None
