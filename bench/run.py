"""Run one benchmark scenario end to end and write its figures as JSON.

    .venv/bin/python bench/run.py S1 [--out bench/results/S1-<date>.json]

Each run: a fresh key prefix on REDIS_URL, a fixture, two ``between serve`` instances
pinned to CPU 0, Redis and the load generator pinned to CPU 1, the load, then every
process stopped and every key of the prefix deleted. Benchmark-only settings (printed
and recorded): post rate limit 1,000,000 per member per room, moderation's flood
thresholds raised to 1,000,000 (all other rules unchanged), log level WARNING.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loadgen import Coordinator, summary_line

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
SERVER_CPU, CLIENT_CPU = 0, 1
RATE_LIMIT = 1_000_000
TARGETS = {"S1": "p99 <= 5 ms, 0 loss, 0 dups", "S2": ">= 100,000 deliveries/s with 0 loss and p99 < 250 ms",
           "S3": "p99 <= 2 ms, 0 loss, 0 dups", "S4": "<= 20 KB RSS per connection; 10,000 on one instance"}
_PEER_NAMES = ("channels", "python-socketio", "starlette+broadcaster", "websockets")
PEERS = {  # measured by the author on the same machine kind
    "S1": {"metric": "p99 ms", **dict(zip(_PEER_NAMES, (728, 9.9, 6.5, 4.2), strict=True))},
    "S2": {"metric": "deliveries/s", **dict(zip(_PEER_NAMES, (6600, 22400, 49700, 108600), strict=True))},
    "S3": {"metric": "p99 ms", **dict(zip(_PEER_NAMES, (540, 2.8, 2.2, 1.3), strict=True))},
    "S4": {"metric": "KB RSS/conn", **dict(zip(_PEER_NAMES, (37, 41, 37, 16), strict=True))},
}


def say(text: str) -> None:
    """Progress on stdout (this is a command-line tool, not the service)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with contextlib.suppress(OSError, ValueError):
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {"nproc": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
            "python": platform.python_version(), "mem_gb": round(mem_kb / 1e6, 1)}


def git_state() -> dict[str, Any]:
    """Commit and whether the tree had uncommitted changes (the figures measure the tree)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout

    dirty = [line[3:] for line in git("status", "--porcelain").splitlines() if not line[3:].startswith("bench/")]
    return {"commit": git("rev-parse", "HEAD").strip(), "dirty_files": dirty}


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_kb(pid: int) -> int:
    """VmRSS of a process in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Deployment:
    """Redis namespace, fixture and server instances of one run."""

    def __init__(self, redis_url: str, tag: str) -> None:
        self.redis_url = redis_url
        self.prefix = f"bench-{tag}-{dt.datetime.now():%Y%m%d%H%M%S}-{os.urandom(3).hex()}"
        self.tmp = Path(tempfile.mkdtemp(prefix="between-bench-"))
        self.instances: list[tuple[subprocess.Popen[bytes], int, Path]] = []
        self.redis = redis.Redis.from_url(redis_url)
        self.redis_pid: int | None = None
        self._redis_affinity: set[int] | None = None
        rules = self.tmp / "rules"
        shutil.copytree(ROOT / "moderation" / "rules", rules)
        spam = rules / "spam.toml"
        text = spam.read_text()
        for key in ("flood_hold", "flood_block"):  # a handful of senders post far more than 12 a minute
            text = "\n".join(f"{key} = {RATE_LIMIT}" if line.split("=")[0].strip() == key else line
                             for line in text.splitlines()) + "\n"
        spam.write_text(text)
        self.env = {
            **os.environ, "REDIS_URL": redis_url, "BETWEEN_KEY_PREFIX": self.prefix,
            "BETWEEN_POST_RATE_LIMIT": str(RATE_LIMIT), "BETWEEN_POST_RATE_WINDOW_SECONDS": "10",
            "BETWEEN_RULES_DIR": str(rules), "BETWEEN_LOG_LEVEL": "WARNING", "BETWEEN_DATA_DIR": str(self.tmp / "var"),
            # A load generator's sender posts far faster than a person: lift the per-socket frame budget.
            "BETWEEN_FRAME_RATE": "1000000", "BETWEEN_FRAME_BURST": "1000000",
        }

    def settings(self) -> dict[str, str]:
        """The environment overrides, for the record."""
        keys = ("BETWEEN_KEY_PREFIX", "BETWEEN_POST_RATE_LIMIT", "BETWEEN_POST_RATE_WINDOW_SECONDS",
                "BETWEEN_LOG_LEVEL", "BETWEEN_FRAME_RATE", "BETWEEN_FRAME_BURST")
        return {k: self.env[k] for k in keys} | {"BETWEEN_RULES_DIR": "copy of moderation/rules, flood thresholds "
                                                                       f"{RATE_LIMIT}"}

    def fixture(self, members: int, rooms: int) -> dict[str, Any]:
        """Create members and rooms in the namespace."""
        out = self.tmp / f"fixture-{members}x{rooms}.json"
        started = time.monotonic()
        subprocess.run([str(VENV / "between"), "fixture", "--members", str(members), "--rooms", str(rooms),
                        "--out", str(out)], env=self.env, check=True, capture_output=True)
        say(f"fixture: {members} members in {rooms} rooms ({time.monotonic() - started:.1f}s)")
        return dict(json.loads(out.read_text()))

    def start(self, count: int) -> list[str]:
        """Start ``count`` instances pinned to SERVER_CPU; returns their WebSocket URLs."""
        urls = []
        for _ in range(count):
            port = free_port()
            log = self.tmp / f"instance-{port}.log"
            proc = subprocess.Popen(["taskset", "-c", str(SERVER_CPU), str(VENV / "between"), "serve", "--port",
                                     str(port)], env=self.env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
            self.instances.append((proc, port, log))
            urls.append(f"ws://127.0.0.1:{port}/ws")
        for proc, port, log in self.instances[-count:]:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(OSError):
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"instance on {port} did not start:\n{log.read_text()[-2000:]}")
                time.sleep(0.1)
        say(f"instances up: {', '.join(urls)} (pinned to CPU {SERVER_CPU})")
        return urls

    def pids(self) -> list[int]:
        """Server process ids (taskset execs the server, so they are the Python processes)."""
        return [proc.pid for proc, _, _ in self.instances if proc.poll() is None]

    def pin_redis(self) -> str:
        """Move the local Redis server to CLIENT_CPU for the run (restored afterwards)."""
        try:
            pid = int(self.redis.info("server")["process_id"])
            self._redis_affinity = os.sched_getaffinity(pid)
            os.sched_setaffinity(pid, {CLIENT_CPU})
        except (OSError, KeyError, ValueError, redis.RedisError) as exc:
            return f"not pinned ({type(exc).__name__}: {exc})"
        self.redis_pid = pid
        return f"pid {pid} pinned to CPU {CLIENT_CPU}"

    def stop_instances(self) -> list[str]:
        """SIGINT (graceful), then kill; returns warnings/errors from the logs."""
        for proc, _, _ in self.instances:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        notes = []
        for proc, port, log in self.instances:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            lines = [ln for ln in log.read_text(errors="replace").splitlines() if '"level":"error"' in ln
                     or '"level":"warning"' in ln or "Traceback" in ln]
            notes.extend(f"{port}: {ln[:300]}" for ln in lines[:20])
        self.instances = []
        return notes

    def close(self) -> int:
        """Stop everything, restore Redis' CPU affinity and delete the namespace; returns keys deleted."""
        self.stop_instances()
        if self.redis_pid is not None and self._redis_affinity is not None:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(self.redis_pid, self._redis_affinity)
        deleted = 0
        batch: list[bytes] = []
        for key in self.redis.scan_iter(match=f"{self.prefix}:*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                deleted += int(self.redis.unlink(*batch))
                batch = []
        if batch:
            deleted += int(self.redis.unlink(*batch))
        self.redis.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return deleted


def cpu_busy() -> dict[str, float]:
    """Busy seconds of each CPU so far (everything but idle and iowait), from /proc/stat."""
    out = {}
    tick = os.sysconf("SC_CLK_TCK")
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if name.startswith("cpu") and name != "cpu":
            v = [int(x) for x in values]
            out[name] = (sum(v[:8]) - v[3] - v[4]) / tick
    return out


class Meter:
    """CPU used by the server instances, Redis and each core between two points in time.

    The machine may be shared: ``foreign_cpu0`` is core 0's busy share not used by the
    instances, so a disturbed run shows up in its own figures.
    """

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.start = time.monotonic()
        self.cpu0 = {name: proc_cpu(pid) for name, pid in pids.items()}
        self.busy0 = cpu_busy()

    def read(self) -> dict[str, float]:
        """Utilisation of one core per process and per CPU since construction."""
        wall = time.monotonic() - self.start
        out = {name: round((proc_cpu(pid) - self.cpu0[name]) / wall, 3) for name, pid in self.pids.items()}
        busy = cpu_busy()
        for cpu, seconds in busy.items():
            out[cpu] = round((seconds - self.busy0.get(cpu, 0.0)) / wall, 3)
        servers = sum(v for k, v in out.items() if k.startswith("instance"))
        out[f"foreign_cpu{SERVER_CPU}"] = round(max(0.0, out.get(f"cpu{SERVER_CPU}", 0.0) - servers), 3)
        return out


@contextlib.contextmanager
def deployment(tag: str, redis_url: str) -> Iterator[Deployment]:
    """A deployment that is always torn down."""
    dep = Deployment(redis_url, tag)
    try:
        yield dep
    finally:
        say(f"cleanup: {dep.close()} keys of {dep.prefix} deleted")


def _pids(dep: Deployment) -> dict[str, int]:
    pids = {f"instance{i + 1}": pid for i, pid in enumerate(dep.pids())}
    if dep.redis_pid is not None:
        pids["redis"] = dep.redis_pid
    return pids


def measured_step(dep: Deployment, load: Coordinator, step: int, rate: float, duration: float, senders: list[int],
                  profile: dict[str, Any] | None = None) -> dict[str, Any]:
    """One step with server CPU figures (and, if asked, py-spy recordings of the instances)."""
    meter = Meter(_pids(dep))
    spies = []
    for spec in (profile or {}).get("targets", []):
        spies.append(subprocess.Popen(
            [str(VENV / "py-spy"), "record", "--pid", str(spec["pid"]), "--rate", "250", "--duration",
             str(int(duration)), "--format", spec["format"], "--output", spec["output"], "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
    result = load.step(step, rate, duration, senders)
    result["cpu_util"] = meter.read()
    for spy in spies:
        try:
            _, err = spy.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            spy.kill()
            _, err = spy.communicate()
        if spy.returncode:
            result.setdefault("profile_errors", []).append(err.decode(errors="replace")[-500:])
    say("  " + summary_line(result) + f"; server cpu {result['cpu_util']}")
    return result


def passes(result: dict[str, Any], p99_ms: float) -> bool:
    """No loss, no duplicates, every post published, and p99 under the bound."""
    return (result["loss"] == 0 and result["duplicates"] == 0 and result["out_of_order"] == 0
            and result["posts_published"] == result["posts_sent"] and result["latency_ms"]["p99"] < p99_ms)


def steady(tag: str, members: int, rooms: int, rate: float, duration: float, senders_per_room: int | None,
           redis_url: str, workers: int, profile_dir: Path | None = None) -> dict[str, Any]:
    """S1/S3: a warm-up, then one measured step at a fixed rate."""
    with deployment(tag, redis_url) as dep:
        fixture = dep.fixture(members, rooms)
        urls = dep.start(2)
        redis_note = dep.pin_redis()
        load = Coordinator(fixture, urls, workers, CLIENT_CPU)
        try:
            connect = load.connect()
            say(f"connected: {connect}")
            senders = load.senders(senders_per_room)
            say(f"warm-up 3s at {rate} posts/s")
            load.step(0, rate, 3, senders)
            say(f"measuring {duration}s at {rate} posts/s from {len(senders)} senders")
            result = measured_step(dep, load, 1, rate, duration, senders)
            if profile_dir is not None:
                # A separate, extra step: py-spy's sampling would disturb the measured one.
                pids = dep.pids()
                spec = {"targets": [{"pid": pids[0], "format": "flamegraph",
                                     "output": str(profile_dir / f"profile-{tag.lower()}.svg")},
                                    {"pid": pids[1], "format": "raw",
                                     "output": str(profile_dir / f"profile-{tag.lower()}.collapsed")}]}
                say("profiling both instances in an extra step")
                result["profiled_step"] = measured_step(dep, load, 2, rate, 15, senders, spec)
        finally:
            load.close()
        notes = dep.stop_instances()
        return {"setup": {"members": members, "rooms": rooms, "senders": len(senders), "instances": len(urls),
                          "loadgen_workers": workers, "redis": redis_note, "connect": connect,
                          "settings": dep.settings()},
                "result": result, "server_log_notes": notes}


def s2(redis_url: str, workers: int, duration: float, profile_dir: Path | None) -> dict[str, Any]:
    """Fan-out ladder: raise the post rate until a step loses frames or p99 reaches 250 ms."""
    rates = [10, 14, 20, 28, 40, 56, 80, 110, 150, 200, 280, 400]
    with deployment("S2", redis_url) as dep:
        fixture = dep.fixture(500, 1)
        urls = dep.start(2)
        redis_note = dep.pin_redis()
        load = Coordinator(fixture, urls, workers, CLIENT_CPU)
        steps = []
        best = first_fail = None
        try:
            connect = load.connect()
            say(f"connected: {connect}")
            senders = load.senders(5)
            load.step(0, 10, 2, senders)
            for i, rate in enumerate(rates, start=1):
                result = measured_step(dep, load, i, rate, duration, senders)
                result["pass"] = passes(result, 250.0)
                steps.append(result)
                if not result["pass"]:
                    first_fail = result
                    break
                best = result
            if profile_dir is not None and best is not None:
                # Profile at the best passing rate: the hot path under its highest sustainable load.
                pids = dep.pids()
                spec = {"targets": [
                    {"pid": pids[0], "format": "flamegraph", "output": str(profile_dir / "profile-s2.svg")},
                    {"pid": pids[1], "format": "raw", "output": str(profile_dir / "profile-s2.collapsed")},
                ]}
                say(f"profiling both instances at {best['offered_posts_per_s']} posts/s")
                profiled = measured_step(dep, load, len(rates) + 1, best["offered_posts_per_s"], 15, senders, spec)
                profiled["pass"] = passes(profiled, 250.0)
                steps.append(profiled)
        finally:
            load.close()
        notes = dep.stop_instances()
        return {"setup": {"members": 500, "rooms": 1, "senders": len(senders), "instances": len(urls),
                          "loadgen_workers": workers, "redis": redis_note, "connect": connect,
                          "settings": dep.settings()},
                "steps": steps, "best_pass": best, "first_fail": first_fail, "server_log_notes": notes}


def s4(redis_url: str, workers: int, settle: float) -> dict[str, Any]:
    """Idle memory: 5,000 joined sockets over two instances, then 10,000 on one instance."""
    out: dict[str, Any] = {}
    with deployment("S4", redis_url) as dep:
        fixture = dep.fixture(10_000, 1000)
        redis_note = dep.pin_redis()
        for phase, count, instances in (("two_instances_5000", 5000, 2), ("one_instance_10000", 10_000, 1)):
            urls = dep.start(instances)
            pids = dep.pids()
            time.sleep(settle)
            before = {pid: proc_rss_kb(pid) for pid in pids}
            load = Coordinator({**fixture, "members": fixture["members"][:count]}, urls, workers, CLIENT_CPU)
            try:
                connect = load.connect(concurrency=64, timeout=120)
                say(f"{phase}: connected {connect}")
                time.sleep(settle)
                status = load.status()
                after = {pid: proc_rss_kb(pid) for pid in pids}
            finally:
                load.close()
            per_instance = []
            for i, pid in enumerate(pids):
                conns = len(range(i, connect["connected"], instances))
                grown = after[pid] - before[pid]
                per_instance.append({"pid": pid, "connections": conns, "rss_before_kb": before[pid],
                                     "rss_after_kb": after[pid], "kb_per_connection": round(grown / max(1, conns), 2)})
            out[phase] = {"connect": connect, "still_open_after_settle": status, "instances": per_instance,
                          "server_log_notes": dep.stop_instances()}
            say(f"  {phase}: " + ", ".join(f"{p['connections']} conns -> {p['kb_per_connection']} KB/conn"
                                           for p in per_instance) + f"; open after {settle}s: {status['open']}")
        out["setup"] = {"fixture_members": 10_000, "rooms": 1000, "redis": redis_note, "settings": dep.settings(),
                        "settle_seconds": settle, "loadgen_workers": workers}
    return out


def wait_quiet(limit: float = 0.2, patience: float = 90.0) -> dict[str, Any]:
    """The machine may be shared: wait (bounded) until no core is busier than ``limit``."""
    started = time.monotonic()
    while True:
        before = cpu_busy()
        time.sleep(1.0)
        busy = {cpu: round(v - before.get(cpu, 0.0), 3) for cpu, v in cpu_busy().items()}
        waited = round(time.monotonic() - started, 1)
        if max(busy.values(), default=0.0) <= limit or waited >= patience:
            return {"busy_before_start": busy, "waited_seconds": waited}


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run the scenario, write the JSON."""
    parser = argparse.ArgumentParser(description="Run a Between benchmark scenario (S1–S4).")
    parser.add_argument("scenario", choices=["S1", "S2", "S3", "S4"])
    parser.add_argument("--out", type=Path, help="default: bench/results/<SCENARIO>-<date>.json")
    parser.add_argument("--duration", type=float, help="seconds per measured step (S1/S3 30, S2 8)")
    parser.add_argument("--workers", type=int, default=1, help="load generator processes (all on CPU 1)")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy both instances (S2: best passing rate; S1/S3: extra step)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args(argv)
    if not args.redis_url.startswith(("redis://127.0.0.1", "redis://localhost", "unix://")):
        parser.error("benchmarks only run against a loopback Redis")
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # inherited by instances and workers
    os.sched_setaffinity(0, {CLIENT_CPU})
    started = dt.datetime.now(dt.UTC)
    out = args.out or ROOT / "bench" / "results" / f"{args.scenario}-{started:%Y%m%d-%H%M}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    say(f"{args.scenario}: {TARGETS[args.scenario]}")
    quiet = wait_quiet()
    say(f"machine load before start: {quiet}")
    if args.scenario == "S1":
        body = steady("S1", 200, 1, 50, args.duration or 30, None, args.redis_url, args.workers,
                      out.parent if args.profile else None)
    elif args.scenario == "S3":
        body = steady("S3", 2000, 200, 400, args.duration or 30, None, args.redis_url, args.workers,
                      out.parent if args.profile else None)
    elif args.scenario == "S2":
        body = s2(args.redis_url, args.workers, args.duration or 8, out.parent if args.profile else None)
    else:
        body = s4(args.redis_url, args.workers, args.duration or 5)
    report = {
        "scenario": args.scenario, "target": TARGETS[args.scenario], "peers": PEERS[args.scenario],
        "date": started.isoformat(timespec="seconds"), "seconds": round((dt.datetime.now(dt.UTC) - started)
                                                                        .total_seconds(), 1),
        "command": " ".join([Path(sys.executable).name, *sys.argv]), "machine": machine(), "git": git_state(),
        "nofile_limit": hard, "quiet_check": quiet,
        "pinning": {"instances": f"taskset -c {SERVER_CPU}", "redis_and_loadgen": f"CPU {CLIENT_CPU}"}, **body,
    }
    out.write_text(json.dumps(report, indent=1))
    say(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
