"""Stored posts and the message frames built from them."""

from __future__ import annotations

import msgspec

from channels.envelope import Seq, parse_seq
from channels.history import AppendResult, History, RateLimit
from service.protocol import Author, Message, encode

# Stream ids are digits and a dash, so this marker can never be confused with one, and
# the id field is encoded before any user text: its first occurrence is the id slot.
_ID_MARKER = "\x01id\x01"
_ENCODED_MARKER = msgspec.json.encode(_ID_MARKER)[1:-1]


class StoredPost(msgspec.Struct, frozen=True, kw_only=True):
    """What a room stream entry holds."""

    author: Author
    text: str
    ts: int
    client_id: str = ""
    delayed: bool = False
    masked: bool = False
    case: str | None = None


stored_encoder = msgspec.msgpack.Encoder()
stored_decoder = msgspec.msgpack.Decoder(StoredPost)


def message_of(room: str, message_id: str, post: StoredPost) -> Message:
    """The public message frame of a stored post."""
    return Message(
        room=room, id=message_id, author=post.author, text=post.text, ts=post.ts, delayed=post.delayed,
        masked=post.masked,
    )


def frame_template(room: str, post: StoredPost) -> tuple[bytes, bytes]:
    """Encode a message frame once, split where Redis will insert the stream id."""
    encoded = encode(message_of(room, _ID_MARKER, post))
    before, _, after = encoded.partition(_ENCODED_MARKER)
    return before, after


async def append_post(history: History, room: str, post: StoredPost, rate: RateLimit) -> AppendResult:
    """Append a post to a room and publish it, stored and framed exactly as the post path does."""
    prefix, suffix = frame_template(room, post)
    return await history.append(room, post.author.id, post.client_id, stored_encoder.encode(post), prefix, suffix,
                                rate)


def history_frames(room: str, entries: list[tuple[str, bytes]], hidden: set[str]) -> tuple[list[Message], Seq | None]:
    """Decode stream entries into messages (skipping hidden ones) and the newest id seen."""
    messages: list[Message] = []
    last: Seq | None = None
    for entry_id, data in entries:
        last = parse_seq(entry_id)
        if entry_id in hidden:
            continue
        messages.append(message_of(room, entry_id, stored_decoder.decode(data)))
    return messages, last
