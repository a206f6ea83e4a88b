"""Everything a request or socket handler needs, built once per app in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from redis.asyncio import Redis
from starlette.requests import HTTPConnection

from channels.broker import Broker
from channels.history import History, RateLimit
from channels.hub import Hub
from channels.presence import PresenceStore
from moderation.audit import AuditLog
from moderation.cases import CaseStore
from service.accounts import Accounts
from service.directory import Directory
from service.keys import AccountKeys
from service.redis_conn import RedisHandle
from service.settings import Settings
from service.stats import Stats

if TYPE_CHECKING:
    from moderation.pipeline import Moderator
    from service.casework import Casework
    from service.connection import Connection, Flusher
    from service.feed import Feed
    from service.oncall import OnCall


@dataclass
class Deps:
    """The app's services; one set per app object."""

    settings: Settings
    handle: RedisHandle
    keys: AccountKeys
    accounts: Accounts
    directory: Directory
    history: History
    presence: PresenceStore
    hub: Hub
    broker: Broker
    moderator: Moderator
    cases: CaseStore
    audit: AuditLog
    feed: Feed
    casework: Casework
    oncall: OnCall
    instance_id: str
    post_rate: RateLimit
    flusher: Flusher
    connections: set[Connection] = field(default_factory=set)
    stats: Stats = field(default_factory=Stats)

    @property
    def redis(self) -> Redis:
        """The command client."""
        return self.handle.client


def deps_of(conn: HTTPConnection) -> Deps:
    """Typed accessor for the app's Deps."""
    deps: Deps = conn.app.state.deps
    return deps
