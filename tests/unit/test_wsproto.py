"""The light replacements for asyncio.Queue and asyncio.Event inside each socket's protocol."""

from __future__ import annotations

import asyncio

from service.realtime.wsproto import InboundQueue, LightEvent


async def test_queue_delivers_in_order_and_wakes_a_waiting_consumer() -> None:
    queue = InboundQueue()
    queue.put_nowait(1)
    assert not queue.empty()
    assert await queue.get() == 1
    assert queue.empty()
    waiting = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    assert not waiting.done()
    queue.put_nowait(2)
    queue.put_nowait(3)
    async with asyncio.timeout(1):
        assert await waiting == 2
    assert await queue.get() == 3


async def test_event_wakes_all_waiters_and_can_be_cleared() -> None:
    event = LightEvent()
    assert not event.is_set()
    waiters = [asyncio.create_task(event.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    event.set()
    async with asyncio.timeout(1):
        await asyncio.gather(*waiters)
    event.clear()
    late = asyncio.create_task(event.wait())
    await asyncio.sleep(0)
    assert not late.done()
    event.set()
    async with asyncio.timeout(1):
        await late
    await event.wait()  # already set: returns at once
