"""Everything a request or socket handler needs, built once per app in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

from channels.broker import Broker
from channels.history import History, RateLimit
from channels.hub import Hub
from channels.presence import PresenceStore
from moderation.audit import AuditLog
from moderation.cases import CaseStore
from service.base.settings import Settings
from service.base.stats import Stats
from service.stores.accounts import Accounts
from service.stores.directory import Directory
from service.stores.followups import Followups
from service.stores.keys import AccountKeys
from service.stores.login_guard import LoginGuard
from service.stores.redis_conn import RedisHandle
from service.stores.restrictions import Restrictions
from service.stores.threads import Threads

if TYPE_CHECKING:
    from moderation.pipeline import Moderator
    from service.actions.casework import Casework
    from service.stores.feed import Feed
    from service.stores.oncall import OnCall


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
    restrictions: Restrictions
    followups: Followups
    threads: Threads
    login_guard: LoginGuard
    stats: Stats = field(default_factory=Stats)



def deps_of(conn: HTTPConnection) -> Deps:
    """Typed accessor for the app's Deps."""
    deps: Deps = conn.app.state.deps
    return deps
