"""In-process counters of one instance (the seed of /metrics)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Stats:
    """Monotonic counters; read by tests, benchmarks and operators."""

    connections_opened: int = 0
    slow_disconnects: int = 0
    abuse_disconnects: int = 0
    posts_published: int = 0
    posts_withheld: int = 0
