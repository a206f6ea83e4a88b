"""Background loops that are owned and supervised: a crash is logged with its traceback and the loop
restarts with backoff; one that keeps failing is reported by ``/readyz``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import HTTPConnection

logger = logging.getLogger(__name__)

Loop = Callable[[], Awaitable[None]]


@dataclass
class LoopState:
    """What ``/readyz`` and the logs know about one loop."""

    name: str
    restarts: int = 0
    consecutive_failures: int = 0
    last_error: str = ""
    running_since: float = 0.0


class Supervisor:
    """Runs named loops until closed; each crash waits ``base_delay_s`` doubling up to ``max_delay_s``.

    A run that lasted ``healthy_after_s`` before it crashed counts as recovered, so one crash a day
    never looks like a loop that keeps failing. A loop that returns is done (not restarted).
    """

    def __init__(self, *, base_delay_s: float = 0.5, max_delay_s: float = 30.0, healthy_after_s: float = 60.0,
                 failing_after: int = 3) -> None:
        self._base = base_delay_s
        self._max = max_delay_s
        self._healthy_after = healthy_after_s
        self._failing_after = failing_after
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.states: dict[str, LoopState] = {}

    def start(self, name: str, loop: Loop) -> None:
        """Run ``loop`` under supervision from now until ``aclose``."""
        if name in self._tasks:
            raise ValueError(f"loop {name!r} already started")
        state = self.states[name] = LoopState(name)
        self._tasks[name] = asyncio.create_task(self._supervise(state, loop), name=name)

    async def _supervise(self, state: LoopState, loop: Loop) -> None:
        delay = self._base
        while True:
            started = state.running_since = time.monotonic()
            try:
                await loop()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if time.monotonic() - started >= self._healthy_after:
                    state.consecutive_failures = 0
                    delay = self._base
                state.restarts += 1
                state.consecutive_failures += 1
                state.last_error = type(exc).__name__
                logger.exception("background loop crashed; restarting", extra={
                    "loop": state.name, "restarts": state.restarts, "retry_in_s": delay})
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max)

    def failing(self) -> list[str]:
        """Loops that crashed ``failing_after`` times in a row and have not run healthily since."""
        now = time.monotonic()
        return sorted(s.name for s in self.states.values()
                      if s.consecutive_failures >= self._failing_after and now - s.running_since < self._healthy_after)

    async def aclose(self) -> None:
        """Cancel every loop and wait for it to end."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()


def supervisor_of(conn: HTTPConnection) -> Supervisor:
    """Typed accessor for the app's Supervisor."""
    supervisor: Supervisor = conn.app.state.supervisor
    return supervisor
