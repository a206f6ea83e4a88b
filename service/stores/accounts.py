"""Accounts, passwords (argon2id) and login sessions."""

from __future__ import annotations

import asyncio
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from redis.asyncio import Redis

from service.base.errors import ErrorCode, Reject
from service.base.ids import new_id, new_token, now_ms, token_hash
from service.base.models import Role, Session, User, msgpack_encoder, session_decoder, user_decoder
from service.stores.keys import AccountKeys
from service.stores.redis_conn import reply_bytes, reply_text

HANDLE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{2,23}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 256


def check_handle(handle: str) -> None:
    """Handles are pseudonyms: 3–24 letters, digits, ``_.-``."""
    if not HANDLE_PATTERN.match(handle):
        raise Reject(ErrorCode.INVALID, "handle must be 3-24 letters, digits, '_', '.' or '-'")


def check_password(password: str) -> None:
    """Minimum strength a clinic can live with."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise Reject(ErrorCode.INVALID, f"password must be {MIN_PASSWORD}-{MAX_PASSWORD} characters")


class Accounts:
    """Users and sessions in Redis."""

    def __init__(
        self, redis: Redis, keys: AccountKeys, session_ttl_s: int, argon2_time_cost: int, argon2_memory_kib: int
    ) -> None:
        self._redis = redis
        self.keys = keys
        self.session_ttl_s = session_ttl_s
        self._hasher = PasswordHasher(time_cost=argon2_time_cost, memory_cost=argon2_memory_kib)
        # Verifying against this keeps a wrong handle as slow as a wrong password.
        self._decoy_hash = self._hasher.hash("decoy-password-for-timing")

    async def hash_password(self, password: str) -> str:
        """argon2id, off the event loop (it is deliberately slow)."""
        return await asyncio.to_thread(self._hasher.hash, password)

    async def create_user(
        self, handle: str, password: str | None, role: Role, programs: list[str], password_hash: str | None = None
    ) -> User:
        """Create an account; the handle must be free. ``password=None`` makes a token-only account."""
        check_handle(handle)
        if password is not None:
            check_password(password)
            password_hash = await self.hash_password(password)
        user = User(
            id=new_id("u"), handle=handle, role=role, programs=sorted(set(programs)),
            password_hash=password_hash or "", created=now_ms(),
        )
        if not await self._redis.set(self.keys.handle(handle), user.id, nx=True):
            raise Reject(ErrorCode.CONFLICT, "that handle is taken", status=409)
        await self.save(user)
        return user

    async def save(self, user: User) -> None:
        """Write a user and its program memberships."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(self.keys.user(user.id), msgpack_encoder.encode(user))
        for program in user.programs:
            pipe.sadd(self.keys.program_users(program), user.id)
        await pipe.execute()

    async def get(self, user_id: str) -> User | None:
        """A user by id."""
        raw = await self._redis.get(self.keys.user(user_id))
        return user_decoder.decode(reply_bytes(raw)) if raw else None

    async def get_many(self, user_ids: list[str]) -> list[User]:
        """Users by id (missing ones skipped)."""
        if not user_ids:
            return []
        raws = await self._redis.mget([self.keys.user(u) for u in user_ids])
        return [user_decoder.decode(reply_bytes(r)) for r in raws if r]

    async def in_program(self, program_id: str) -> list[User]:
        """The program's people (accounts that still belong to it), by handle."""
        ids = sorted(reply_text(m) for m in await self._redis.smembers(self.keys.program_users(program_id)))
        users = [u for u in await self.get_many(ids) if program_id in u.programs]
        return sorted(users, key=lambda u: u.handle.casefold())

    async def by_handle(self, handle: str) -> User | None:
        """A user by handle (case-insensitive)."""
        user_id = await self._redis.get(self.keys.handle(handle))
        return await self.get(reply_text(user_id)) if user_id else None

    async def verify_password(self, handle: str, password: str) -> User:
        """The account if the password is right (as slow for a wrong handle as for a wrong password).
        Callers reserve the attempt first (``LoginGuard``): this method counts nothing."""
        user = await self.by_handle(handle) if HANDLE_PATTERN.match(handle) else None
        ok = await asyncio.to_thread(self._verify, user.password_hash if user else "", password)
        if not ok or user is None or user.disabled:
            raise Reject(ErrorCode.UNAUTHENTICATED, "wrong handle or password", status=401)
        return user

    def _verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored or self._decoy_hash, password) and bool(stored)
        except (VerificationError, InvalidHashError):
            return False

    async def create_session(self, user: User) -> str:
        """Issue an opaque token; only its hash is stored, with an expiry."""
        token = new_token()
        digest = token_hash(token)
        now = now_ms()
        session = Session(user=user.id, created=now, expires=now + self.session_ttl_s * 1000)
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(self.keys.session(digest), msgpack_encoder.encode(session), ex=self.session_ttl_s)
        pipe.sadd(self.keys.user_sessions(user.id), digest)
        pipe.expire(self.keys.user_sessions(user.id), self.session_ttl_s)
        await pipe.execute()
        return token

    async def resolve(self, token: str) -> User | None:
        """The user behind a live session token, or None."""
        if not token or len(token) > 200:
            return None
        raw = await self._redis.get(self.keys.session(token_hash(token)))
        if not raw:
            return None
        session = session_decoder.decode(reply_bytes(raw))
        user = await self.get(session.user)
        return None if user is None or user.disabled else user

    async def session_alive(self, token: str) -> bool:
        """Whether a token's session still exists (cheap; used by long-lived sockets)."""
        return bool(await self._redis.exists(self.keys.session(token_hash(token))))

    async def sessions_alive(self, tokens: list[str]) -> list[bool]:
        """For each token, whether its session still exists (one round trip for all of them)."""
        pipe = self._redis.pipeline(transaction=False)
        for token in tokens:
            pipe.exists(self.keys.session(token_hash(token)))
        return [bool(alive) for alive in await pipe.execute()]

    async def logout(self, token: str) -> str | None:
        """End one session; returns its user id."""
        digest = token_hash(token)
        raw = await self._redis.get(self.keys.session(digest))
        if not raw:
            return None
        session = session_decoder.decode(reply_bytes(raw))
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(self.keys.session(digest))
        pipe.srem(self.keys.user_sessions(session.user), digest)
        await pipe.execute()
        return session.user

    async def revoke_all(self, user_id: str) -> int:
        """End every session of a user (logout everywhere, or an admin's revocation)."""
        digests = await self._redis.smembers(self.keys.user_sessions(user_id))
        pipe = self._redis.pipeline(transaction=True)
        for digest in digests:
            pipe.delete(self.keys.session(reply_text(digest)))
        pipe.delete(self.keys.user_sessions(user_id))
        await pipe.execute()
        return len(digests)
