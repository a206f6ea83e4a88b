"""Background loops are owned and supervised: a crash restarts the loop with backoff, is logged with
its traceback, and a loop that keeps failing is reported until it has run healthily again."""

from __future__ import annotations

import asyncio
import logging

import pytest

from service.base.tasks import Supervisor
from tests.helpers import eventually


async def test_a_crashed_loop_restarts_and_a_recovered_one_stops_being_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    supervisor = Supervisor(base_delay_s=0.001, max_delay_s=0.01, healthy_after_s=0.2, failing_after=3)
    runs = 0
    running_again = asyncio.Event()

    async def flaky() -> None:
        nonlocal runs
        runs += 1
        if runs <= 3:
            raise RuntimeError("lost the thread")
        running_again.set()
        await asyncio.Event().wait()  # healthy from now on

    with caplog.at_level(logging.ERROR, logger="service.base.tasks"):
        supervisor.start("flaky", flaky)
        async with asyncio.timeout(2):
            await running_again.wait()
    state = supervisor.states["flaky"]
    assert (runs, state.restarts, state.consecutive_failures, state.last_error) == (4, 3, 3, "RuntimeError")
    assert supervisor.failing() == ["flaky"]  # not yet healthy for long enough
    crashes = [r for r in caplog.records if r.getMessage().startswith("background loop crashed")]
    assert len(crashes) == 3 and all(r.exc_info for r in crashes)

    await eventually(lambda: not supervisor.failing(), timeout=2)
    await supervisor.aclose()


async def test_a_loop_that_returns_is_done_and_close_cancels_the_rest() -> None:
    supervisor = Supervisor()
    finished = asyncio.Event()
    cancelled = asyncio.Event()

    async def once() -> None:
        finished.set()

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    supervisor.start("once", once)
    supervisor.start("forever", forever)
    with pytest.raises(ValueError, match="already started"):
        supervisor.start("once", once)
    async with asyncio.timeout(2):
        await finished.wait()
    await supervisor.aclose()
    assert cancelled.is_set()
    assert supervisor.states["once"].restarts == 0
