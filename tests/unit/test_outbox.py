"""The bounded outbox: order, priority lane, overflow, and the pre-built frames it carries."""

from __future__ import annotations

import asyncio

from channels.outbox import Outbox
from channels.wsframe import payload_of, text_frame


async def test_batches_come_out_priority_first_in_order() -> None:
    box = Outbox(limit=10)
    assert box.put(b"a") and box.put(b"b")
    assert box.put_priority(b"SAFE")
    assert box.drain() == [b"SAFE", b"a", b"b"]
    assert box.drain() == []


async def test_overflow_marks_slow_and_refuses_more() -> None:
    box = Outbox(limit=2)
    assert box.put(b"1") and box.put(b"2")
    assert not box.put(b"3")
    assert box.overflowed and box.closed
    assert not box.put_priority(b"late")


async def test_priority_lane_is_not_limited_by_chat() -> None:
    box = Outbox(limit=1)
    assert box.put(b"chat")
    for i in range(3):
        assert box.put_priority(f"notice {i}".encode())
    assert not box.overflowed
    assert await box.next_batch() == [b"notice 0", b"notice 1", b"notice 2", b"chat"]


async def test_writer_waits_until_woken_and_ends_on_close() -> None:
    box = Outbox(limit=4)
    waiting = asyncio.create_task(box.next_batch())
    await asyncio.sleep(0)
    assert not waiting.done()
    box.put(b"x")
    box.wake()
    async with asyncio.timeout(1):
        assert await waiting == [b"x"]
    ending = asyncio.create_task(box.next_batch())
    box.close()
    async with asyncio.timeout(1):
        assert await ending == []


def test_text_frames_round_trip_at_every_length_encoding() -> None:
    for size in (0, 5, 125, 126, 4000, 65535, 65536, 70000):
        payload = b"x" * size
        frame = text_frame(payload)
        assert frame[0] == 0x81 and payload_of(frame) == payload
        assert len(frame) - size == (2 if size < 126 else 4 if size < 65536 else 10)


def test_text_frames_parse_with_a_real_websocket_parser() -> None:
    from websockets.frames import Frame, Opcode
    from websockets.streams import StreamReader

    reader = StreamReader()
    reader.feed_data(text_frame(b'{"type":"pong"}') + text_frame(b"y" * 300))
    frames = []
    for _ in range(2):
        parser = Frame.parse(reader.read_exact, mask=False)
        try:
            next(parser)
        except StopIteration as done:
            frames.append(done.value)
    assert [(f.opcode, f.fin, len(f.data)) for f in frames] == [(Opcode.TEXT, True, 15), (Opcode.TEXT, True, 300)]
