"""Load generator for Between: many raw WebSocket clients per process, open-loop posting.

Every post's text carries its send time (``bench <monotonic_ns> <step> <sender>x<n> …``, digits spelt a–j);
each receiver measures end-to-end latency from it. Loss and duplicates are counted per
receiver: stream ids are monotonic per room, so a repeated id is a duplicate and a
smaller one is out of order; loss is ``published posts × room members − unique
deliveries`` after a bounded drain.

Worker processes (``--workers``) each own a shard of the connections and are driven
over a pipe by a :class:`Coordinator`, which merges their figures. Standalone use — the
"many clients, one room, given rate → deliveries/s and p50/p99" script::

    python bench/loadgen.py --fixture fx.json --url ws://127.0.0.1:8001/ws --rate 50 --duration 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import resource
import sys
import time
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wsclient import WsClient

TEXT_TAIL = "checking in from the evening group, feeling steady today"
# Moderation masks long digit runs as phone numbers, so numbers travel as letters a–j.
_TO_LETTERS = str.maketrans("0123456789", "abcdefghij")
_FROM_LETTERS = str.maketrans("abcdefghij", "0123456789")


def letters(n: int) -> str:
    """A number spelt with the letters a–j (0–9)."""
    return str(n).translate(_TO_LETTERS)


class Frame(msgspec.Struct):
    """The few fields the generator reads; everything else in a frame is skipped by the decoder."""

    type: str
    id: str | None = None
    text: str | None = None
    status: str | None = None
    code: str | None = None


_decode = msgspec.json.Decoder(Frame).decode
_encode = msgspec.json.Encoder().encode


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Member:
    """One fixture member's socket and its per-step counters."""

    __slots__ = ("acks", "client", "dups", "errors", "id", "index", "joined", "last", "ooo", "outstanding", "posted",
                 "received", "room", "stale", "token", "url", "worker")

    def __init__(self, worker: Worker, index: int, spec: dict[str, Any], url: str) -> None:
        self.worker = worker
        self.index = index
        self.id: str = spec["id"]
        self.token: str = spec["token"]
        self.room: str = spec["rooms"][0]
        self.url = url
        self.client: WsClient | None = None
        self.joined: asyncio.Future[str] | None = None
        self.reset()

    def reset(self) -> None:
        """Zero the counters at the start of a step."""
        self.last: tuple[int, int] | None = None
        self.received = self.dups = self.ooo = self.stale = self.outstanding = self.posted = 0
        self.acks: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()

    def on_text(self, payload: bytes) -> None:
        """Account for one delivered frame; the hot path of the generator."""
        now = time.monotonic_ns()
        frame = _decode(payload)
        kind = frame.type
        if kind == "message":
            text = frame.text or ""
            parts = text.split(" ", 4)
            worker = self.worker
            if parts[0] != "bench" or len(parts) < 4 or parts[2] != worker.step_tag:
                self.stale += 1
                return
            ms, _, n = (frame.id or "0-0").partition("-")
            seq = (int(ms), int(n))
            last = self.last
            if last is not None and seq <= last:
                if seq == last:
                    self.dups += 1
                else:
                    self.ooo += 1
                return
            self.last = seq
            self.received += 1
            worker.latencies.append((now - int(parts[1].translate(_FROM_LETTERS))) // 1000)
            worker.received_at.append(now // 1_000_000)
            worker.last_recv_ns = now
        elif kind == "ack":
            self.acks[frame.status or "?"] += 1
            self.outstanding -= 1
        elif kind == "error":
            self.errors[frame.code or "?"] += 1
            if self.joined is not None and not self.joined.done():
                self.joined.set_result(f"error:{frame.code}")
            else:
                self.outstanding -= 1
        elif kind == "joined":
            if self.joined is not None and not self.joined.done():
                self.joined.set_result("ok")

    def post(self, step: int) -> None:
        """Send one post stamped with the current time."""
        assert self.client is not None
        n = self.posted
        self.posted += 1
        self.outstanding += 1
        text = f"bench {letters(time.monotonic_ns())} {letters(step)} {letters(self.index)}x{letters(n)} {TEXT_TAIL}"
        self.client.send_text(_encode({"type": "post", "room": self.room, "text": text,
                                       "client_id": f"{self.worker.nonce}-{step}-{self.index}-{n}"}))


@dataclass
class Worker:
    """The asyncio side: owns connections, obeys commands from the coordinator."""

    pipe: Connection
    specs: list[tuple[int, dict[str, Any], str]]
    members: list[Member] = field(default_factory=list)
    latencies: array[int] = field(default_factory=lambda: array("q"))
    received_at: array[int] = field(default_factory=lambda: array("q"))  # ms, monotonic clock
    step_tag: str = ""
    # Retried client ids are answered from the idempotency record, not published again.
    nonce: str = field(default_factory=lambda: os.urandom(6).hex())
    last_recv_ns: int = 0
    _cpu0: float = 0.0
    _wall0: float = 0.0

    async def serve(self) -> None:
        """Answer commands until ``quit``."""
        loop = asyncio.get_running_loop()
        self.members = [Member(self, index, spec, url) for index, spec, url in self.specs]
        while True:
            command, args = await loop.run_in_executor(None, self.pipe.recv)
            if command == "quit":
                await self.close()
                self.pipe.send({})
                return
            result = await getattr(self, command)(**args)
            self.pipe.send(result)

    async def connect(self, concurrency: int, timeout: float) -> dict[str, Any]:
        """Open and join every member's socket, ``concurrency`` handshakes at a time."""
        gate = asyncio.Semaphore(concurrency)
        failures: Counter[str] = Counter()
        started = time.monotonic()

        async def one(member: Member) -> None:
            async with gate:
                try:
                    async with asyncio.timeout(timeout):
                        await self._open(member)
                except Exception as exc:  # a failed socket is a figure, not a crash
                    failures[type(exc).__name__ + ":" + str(exc)[:80]] += 1
                    if member.client is not None:
                        member.client.abort()
                    member.client = None

        await asyncio.gather(*(one(m) for m in self.members))
        connected = sum(1 for m in self.members if m.client is not None)
        return {"connected": connected, "failed": dict(failures), "seconds": time.monotonic() - started}

    async def _open(self, member: Member) -> None:
        loop = asyncio.get_running_loop()
        parts = urlsplit(member.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        _, client = await loop.create_connection(
            lambda: WsClient(f"{host}:{port}", parts.path or "/", member.token, member.on_text), host, port
        )
        member.client = client
        await client.opened
        member.joined = loop.create_future()
        client.send_text(_encode({"type": "join", "room": member.room}))
        answer = await member.joined
        if answer != "ok":
            raise RuntimeError(answer)

    async def step(self, step: int, senders: list[int], rate: float, duration: float, start_at: float,
                   ack_timeout: float) -> dict[str, Any]:
        """Post at ``rate`` posts/s round-robin over local ``senders`` for ``duration`` seconds."""
        self.step_tag = letters(step)
        self.latencies = array("q")
        self.received_at = array("q")
        self.last_recv_ns = 0
        for member in self.members:
            member.reset()
        self._cpu0 = _cpu()
        self._wall0 = time.monotonic()
        chosen = set(senders)
        live = [m for m in self.members if m.index in chosen and m.client is not None]
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        t0 = time.monotonic()
        sent = 0
        if live and rate > 0:
            tick = min(0.005, 1.0 / rate)
            while (elapsed := time.monotonic() - t0) < duration:
                due = int(elapsed * rate) + 1
                while sent < due:
                    live[sent % len(live)].post(step)
                    sent += 1
                await asyncio.sleep(tick)
        send_seconds = time.monotonic() - t0
        deadline = time.monotonic() + ack_timeout
        while any(m.outstanding > 0 for m in live) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)  # a poll keeps the per-frame hot path free of Event bookkeeping
        published: Counter[str] = Counter()
        acks: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        for m in live:
            published[m.room] += m.acks["published"]
            acks.update(m.acks)
            errors.update(m.errors)
        return {"sent": sent, "send_seconds": send_seconds, "start_ns": int(t0 * 1e9), "published": dict(published),
                "acks": dict(acks), "errors": dict(errors), "unanswered": sum(max(0, m.outstanding) for m in live)}

    async def drain(self, expected: dict[str, int], timeout: float) -> dict[str, Any]:
        """Wait (bounded) until every local receiver has its room's published count, then report."""
        deadline = time.monotonic() + timeout
        connected = [m for m in self.members if m.client is not None and not m.client.closed.done()]
        while time.monotonic() < deadline:
            if all(m.received >= expected.get(m.room, 0) for m in connected):
                break
            await asyncio.sleep(0.02)
        members = [m for m in self.members if m.client is not None]
        closes = Counter(str(m.client.closed.result()) for m in members if m.client and m.client.closed.done())
        return {
            "receivers": len(members),
            "expected": sum(expected.get(m.room, 0) for m in members),
            "received": sum(m.received for m in members),
            "duplicates": sum(m.dups for m in members),
            "out_of_order": sum(m.ooo for m in members),
            "stale": sum(m.stale for m in members),
            "short_receivers": sum(1 for m in members if m.received < expected.get(m.room, 0)),
            "closes": dict(closes),
            "latencies_us": self.latencies.tobytes(),
            "received_at_ms": self.received_at.tobytes(),
            "last_recv_ns": self.last_recv_ns,
            "cpu_seconds": _cpu() - self._cpu0,
            "wall_seconds": time.monotonic() - self._wall0,
        }

    async def status(self) -> dict[str, Any]:
        """Sockets still open, and the closes seen so far."""
        open_ = sum(1 for m in self.members if m.client is not None and not m.client.closed.done())
        closes = Counter(str(m.client.closed.result()) for m in self.members if m.client and m.client.closed.done())
        return {"open": open_, "closes": dict(closes), "cpu_seconds": _cpu()}

    async def close(self) -> None:
        """Drop every socket."""
        for m in self.members:
            if m.client is not None:
                m.client.abort()
        await asyncio.sleep(0.05)


def _worker_main(pipe: Connection, specs: list[tuple[int, dict[str, Any], str]], cpu: int | None) -> None:
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    try:
        import uvloop
    except ImportError:  # plain asyncio works, just slower
        runner = asyncio.run
    else:
        runner = uvloop.run
    runner(Worker(pipe, specs).serve())


def percentile(sorted_values: Sequence[int], q: float) -> float:
    """Nearest-rank percentile of already sorted values (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return float(sorted_values[rank])


class Coordinator:
    """Spawns worker processes, shards the fixture's members over them and merges their reports."""

    def __init__(self, fixture: dict[str, Any], urls: list[str], workers: int = 1, cpu: int | None = None) -> None:
        self.fixture = fixture
        self.members = fixture["members"]
        self.room_size = Counter(m["rooms"][0] for m in self.members)
        ctx = mp.get_context("fork")
        self.pipes: list[Connection] = []
        self.procs: list[Any] = []
        for w in range(workers):
            specs = [(i, m, urls[i % len(urls)]) for i, m in enumerate(self.members) if i % workers == w]
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker_main, args=(child, specs, cpu), daemon=True)
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)
        self.workers = workers

    def _all(self, command: str, per_worker: list[dict[str, Any]] | None = None, **args: Any) -> list[dict[str, Any]]:
        for w, pipe in enumerate(self.pipes):
            pipe.send((command, per_worker[w] if per_worker else args))
        return [pipe.recv() for pipe in self.pipes]

    def connect(self, concurrency: int = 64, timeout: float = 30.0) -> dict[str, Any]:
        """Open and join all sockets; returns counts, failures and seconds."""
        replies = self._all("connect", concurrency=concurrency, timeout=timeout)
        failed: Counter[str] = Counter()
        for r in replies:
            failed.update(r["failed"])
        return {"connected": sum(r["connected"] for r in replies), "failed": dict(failed),
                "seconds": round(max(r["seconds"] for r in replies), 2)}

    def senders(self, per_room: int | None) -> list[int]:
        """Indices of the first ``per_room`` members of every room (all members when None)."""
        taken: Counter[str] = Counter()
        chosen = []
        for i, m in enumerate(self.members):
            room = m["rooms"][0]
            if per_room is None or taken[room] < per_room:
                taken[room] += 1
                chosen.append(i)
        return chosen

    def step(self, step: int, rate: float, duration: float, senders: list[int], drain_timeout: float = 10.0,
             ack_timeout: float = 10.0) -> dict[str, Any]:
        """One measured step; the dict holds every figure of the report."""
        start_at = time.monotonic() + 0.3
        local = [[i for i in senders if i % self.workers == w] for w in range(self.workers)]
        per_worker = [
            {"step": step, "senders": s, "rate": rate * len(s) / max(1, len(senders)), "duration": duration,
             "start_at": start_at, "ack_timeout": ack_timeout}
            for s in local
        ]
        sent = self._all("step", per_worker)
        published: Counter[str] = Counter()
        acks: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        for r in sent:
            published.update(r["published"])
            acks.update(r["acks"])
            errors.update(r["errors"])
        expected = {room: n for room, n in published.items()}
        drained = self._all("drain", expected=expected, timeout=drain_timeout)
        lat: list[int] = []
        start_ns = min(r["start_ns"] for r in sent)
        by_second: dict[int, list[int]] = {}
        for r in drained:
            values: array[int] = array("q")
            values.frombytes(r["latencies_us"])
            at: array[int] = array("q")
            at.frombytes(r["received_at_ms"])
            lat.extend(values)
            for latency, ms in zip(values, at, strict=True):
                by_second.setdefault((ms * 1_000_000 - start_ns) // 1_000_000_000, []).append(latency)
        lat.sort()
        timeline = []
        for second in sorted(by_second):
            values_s = sorted(by_second[second])
            timeline.append({"second": second, "deliveries": len(values_s),
                             "p99_ms": percentile(values_s, 99) / 1000, "max_ms": values_s[-1] / 1000})
        last_ns = max(r["last_recv_ns"] for r in drained) or start_ns
        received = sum(r["received"] for r in drained)
        expected_total = sum(r["expected"] for r in drained)
        closes: Counter[str] = Counter()
        for r in drained:
            closes.update(r["closes"])
        send_seconds = max(r["send_seconds"] for r in sent)
        span = max(1e-9, (last_ns - start_ns) / 1e9)
        cpu = sum(r["cpu_seconds"] for r in drained)
        wall = max(r["wall_seconds"] for r in drained)
        return {
            "step": step,
            "offered_posts_per_s": rate,
            "duration_s": duration,
            "posts_sent": sum(r["sent"] for r in sent),
            "posts_published": sum(published.values()),
            "acks": dict(acks),
            "errors": dict(errors),
            "unanswered_posts": sum(r["unanswered"] for r in sent),
            "posts_per_s": round(sum(published.values()) / send_seconds, 1),
            "expected_deliveries": expected_total,
            "deliveries": received,
            "deliveries_per_s": round(received / span, 1),
            "offered_deliveries_per_s": round(expected_total / send_seconds, 1),
            "loss": expected_total - received,
            "duplicates": sum(r["duplicates"] for r in drained),
            "out_of_order": sum(r["out_of_order"] for r in drained),
            "stale_frames": sum(r["stale"] for r in drained),
            "short_receivers": sum(r["short_receivers"] for r in drained),
            "closed_sockets": dict(closes),
            "latency_ms": {
                "p50": percentile(lat, 50) / 1000, "p90": percentile(lat, 90) / 1000,
                "p99": percentile(lat, 99) / 1000, "p999": percentile(lat, 99.9) / 1000,
                "max": (lat[-1] / 1000) if lat else 0.0, "samples": len(lat),
            },
            "timeline": timeline,
            "loadgen": {"workers": self.workers, "cpu_seconds": round(cpu, 2), "wall_seconds": round(wall, 2),
                        "cpu_util": round(cpu / max(1e-9, wall), 3)},
        }

    def status(self) -> dict[str, Any]:
        """Open sockets and close codes across workers."""
        replies = self._all("status")
        closes: Counter[str] = Counter()
        for r in replies:
            closes.update(r["closes"])
        return {"open": sum(r["open"] for r in replies), "closes": dict(closes)}

    def close(self) -> None:
        """Stop the workers."""
        for pipe in self.pipes:
            try:
                pipe.send(("quit", {}))
                pipe.recv()
            except (EOFError, OSError):
                pass
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()


def summary_line(result: dict[str, Any]) -> str:
    """One human line: deliveries/s, p50/p99/max, loss, duplicates."""
    lat = result["latency_ms"]
    return (f"step {result['step']}: {result['posts_per_s']:.0f} posts/s -> {result['deliveries_per_s']:.0f} "
            f"deliveries/s; latency p50 {lat['p50']:.2f} ms p99 {lat['p99']:.2f} ms max {lat['max']:.1f} ms; "
            f"deliveries {result['deliveries']}/{result['expected_deliveries']} loss {result['loss']} "
            f"dups {result['duplicates']}; loadgen cpu {result['loadgen']['cpu_util']:.0%}")


def main(argv: list[str] | None = None) -> None:
    """Standalone: load a running deployment from a fixture file and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixture", type=Path, required=True, help="output of `between fixture`")
    parser.add_argument("--url", action="append", required=True, help="ws://host:port/ws; repeat to spread clients")
    parser.add_argument("--rate", type=float, required=True, help="posts per second, all senders together")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--senders-per-room", type=int, default=None, help="default: every member posts in turn")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--cpu", type=int, default=None, help="pin the workers to this CPU")
    args = parser.parse_args(argv)
    coordinator = Coordinator(json.loads(args.fixture.read_text()), args.url, args.workers, args.cpu)
    try:
        sys.stdout.write(f"connect: {coordinator.connect()}\n")
        result = coordinator.step(1, args.rate, args.duration, coordinator.senders(args.senders_per_room))
        sys.stdout.write(summary_line(result) + "\n")
    finally:
        coordinator.close()


if __name__ == "__main__":
    main()
