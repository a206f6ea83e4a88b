"""This instance's open sockets and their batched writer: state only the realtime layer touches."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from service.realtime.connection import Connection, Flusher, UserState


@dataclass
class Live:
    """The sockets open on this instance (for heartbeats and session checks), one Flusher, and each
    person's shared limits (so a person's limits do not multiply with their sockets)."""

    connections: set[Connection] = field(default_factory=set)
    flusher: Flusher = field(default_factory=Flusher)
    users: dict[str, UserState] = field(default_factory=dict)

    def open_for(self, user: str, cap: int) -> UserState | None:
        """Count one more socket of ``user``; None when they already have ``cap`` here."""
        state = self.users.get(user)
        if state is None:
            state = self.users[user] = UserState()
        if state.sockets >= cap:
            return None
        state.sockets += 1
        return state

    def closed_for(self, user: str) -> None:
        """One socket of ``user`` closed; their shared state goes with the last one."""
        state = self.users.get(user)
        if state is not None:
            state.sockets -= 1
            if state.sockets <= 0:
                del self.users[user]


def live_of(conn: HTTPConnection) -> Live:
    """Typed accessor for the app's Live."""
    live: Live = conn.app.state.live
    return live
