"""The bounded outbox: order, priority lane, overflow."""

from __future__ import annotations

import asyncio

from channels.outbox import Outbox


async def test_batches_come_out_priority_first_in_order() -> None:
    box = Outbox(limit=10)
    assert box.put("a") and box.put("b")
    assert box.put_priority("SAFE")
    assert await box.next_batch() == ["SAFE", "a", "b"]


async def test_overflow_marks_slow_and_refuses_more() -> None:
    box = Outbox(limit=2)
    assert box.put("1") and box.put("2")
    assert not box.put("3")
    assert box.overflowed and box.closed
    assert not box.put_priority("late")


async def test_priority_lane_is_not_limited_by_chat() -> None:
    box = Outbox(limit=1)
    assert box.put("chat")
    for i in range(3):
        assert box.put_priority(f"notice {i}")
    assert not box.overflowed
    assert await box.next_batch() == ["notice 0", "notice 1", "notice 2", "chat"]


async def test_writer_wakes_on_put_and_ends_on_close() -> None:
    box = Outbox(limit=4)
    waiting = asyncio.create_task(box.next_batch())
    await asyncio.sleep(0)
    assert not waiting.done()
    box.put("x")
    async with asyncio.timeout(1):
        assert await waiting == ["x"]
    ending = asyncio.create_task(box.next_batch())
    box.close()
    async with asyncio.timeout(1):
        assert await ending == []
