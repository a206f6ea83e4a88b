"""Configuration: environment variables decoded into one frozen Struct."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import msgspec

ENV_PREFIX = "BETWEEN_"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Every setting of a Between instance; see the README's configuration table."""

    redis_url: str | None = None
    redis_pool_size: int = 200  # command connections per instance (pub/sub has its own)
    redis_pool_timeout_seconds: float = 2.0  # a caller waits this long for a free connection, then 503
    redis_socket_timeout_seconds: float = 5.0  # a Redis that stops answering is an outage after this
    data_dir: str = "./var"
    host: str = "127.0.0.1"
    port: int = 8000
    key_prefix: str = "between"
    allowed_origins: list[str] = msgspec.field(default_factory=list)
    # Proxies (addresses or CIDR networks) whose X-Forwarded-For names the real client; none by default.
    trusted_proxies: list[str] = msgspec.field(default_factory=list)
    cookie_secure: bool = False
    session_ttl_seconds: int = 12 * 3600
    login_max_failures: int = 5
    login_window_seconds: int = 900
    history_join_limit: int = 100
    history_resume_limit: int = 1000
    history_max_len: int = 10_000
    history_max_age_days: int = 90
    post_rate_limit: int = 20
    post_rate_window_seconds: int = 10
    typing_interval_seconds: float = 2.0
    outbox_limit: int = 256
    max_frame_bytes: int = 16 * 1024
    bad_frame_limit: int = 20
    sockets_per_user: int = 10  # open sockets one person may hold on one instance
    frame_rate: float = 20.0  # frames per second one socket may send, after a burst of frame_burst
    frame_burst: float = 60.0
    joins_per_minute: int = 60  # joins one person may make per minute over all rooms and sockets
    bad_frame_window_seconds: int = 10
    presence_interval_seconds: float = 10.0
    loop_restart_base_seconds: float = 0.5  # first wait before a crashed background loop restarts (doubles)
    presence_ttl_seconds: float = 30.0
    idempotency_ttl_seconds: int = 24 * 3600
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    policy_file: str | None = None
    rules_dir: str | None = None
    # The statistical stage beside the rules (moderation/models); off leaves the rules alone.
    moderation_model: bool = True
    static_dir: str | None = None
    log_level: str = "INFO"
    instance_name: str = ""

    @property
    def history_max_age_ms(self) -> int:
        """Age after which history entries are trimmed."""
        return self.history_max_age_days * 86_400_000


_LISTS = {"allowed_origins", "trusted_proxies"}  # comma-separated in the environment


def from_env(environ: Mapping[str, str]) -> Settings:
    """Build settings from ``BETWEEN_*`` variables (and the conventional ``REDIS_URL``)."""
    raw: dict[str, object] = {}
    fields = set(Settings.__struct_fields__)
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name not in fields:
            continue
        raw[name] = [v.strip() for v in value.split(",") if v.strip()] if name in _LISTS else value
    if environ.get("REDIS_URL"):
        raw.setdefault("redis_url", environ["REDIS_URL"])
    return msgspec.convert(raw, Settings, strict=False)


def data_path(settings: Settings, *parts: str) -> Path:
    """A path under the data directory, created on demand."""
    base = Path(settings.data_dir)
    base.mkdir(parents=True, exist_ok=True)
    return base.joinpath(*parts)
