"""Envelope packing, stream-id ordering and settings from the environment."""

from __future__ import annotations

import msgspec
import pytest

from channels.envelope import Lane, format_seq, pack, parse_seq
from channels.keys import RoomKeys, topic_room
from service.base.settings import from_env


def test_stream_ids_compare_numerically() -> None:
    assert parse_seq("1700000000000-10") > parse_seq("1700000000000-9")
    assert parse_seq("1700000000001-0") > parse_seq("1700000000000-99")
    assert format_seq(parse_seq("17-3")) == "17-3"


def test_pack_layout() -> None:
    assert pack(Lane.CHAT, b'{"x":1}', "5-0") == b'M5-0\n{"x":1}'
    assert pack(Lane.SAFETY, b"{}") == b"S\n{}"


def test_room_keys_share_one_hash_tag() -> None:
    keys = RoomKeys("between", "r_abc")
    tags = {k[k.index("{") : k.index("}") + 1] for k in (keys.stream, keys.topic, keys.presence, keys.removed,
                                                          keys.idempotency("u", "c"), keys.post_rate("u"))}
    assert tags == {"{r:r_abc}"}
    assert topic_room("between", keys.topic) == "r_abc"


def test_settings_from_env() -> None:
    settings = from_env({
        "REDIS_URL": "redis://db:6379/0", "BETWEEN_PORT": "9000", "BETWEEN_COOKIE_SECURE": "true",
        "BETWEEN_ALLOWED_ORIGINS": "https://a.example, https://b.example", "UNRELATED": "x",
    })
    assert settings.redis_url == "redis://db:6379/0" and settings.port == 9000 and settings.cookie_secure
    assert settings.allowed_origins == ["https://a.example", "https://b.example"]
    assert from_env({}).redis_url is None


def test_settings_reject_bad_values() -> None:
    with pytest.raises(msgspec.ValidationError):
        from_env({"BETWEEN_PORT": "eighty"})
