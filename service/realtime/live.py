"""This instance's open sockets and their batched writer: state only the realtime layer touches."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from service.realtime.connection import Connection, Flusher


@dataclass
class Live:
    """The sockets open on this instance (for heartbeats and session checks) and one Flusher."""

    connections: set[Connection] = field(default_factory=set)
    flusher: Flusher = field(default_factory=Flusher)


def live_of(conn: HTTPConnection) -> Live:
    """Typed accessor for the app's Live."""
    live: Live = conn.app.state.live
    return live
