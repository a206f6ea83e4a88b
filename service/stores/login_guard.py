"""Guess limits for sign-in and invite codes that hold under concurrency and are no lever for
locking someone else out.

Every attempt *reserves* a slot atomically (one Lua script checks and increments every counter it
is subject to) before the slow argon2 check runs, so sixty parallel guesses at one handle get five
checks, not fifty-nine. A successful sign-in gives its reservation back.

Counters, per window:
- per (handle, address): the ordinary limit — a guesser on one network cannot go on;
- per handle, from anywhere: a slower brake against guessing from many addresses;
- per address, over all handles: a loose brake against spraying one password at many handles
  (loose, because a clinic's staff share one address);
- a browser that signed in to this account before (a "known device" cookie) is counted on its own,
  so an attacker's failures elsewhere never lock the real owner out; a counselor can also unlock.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from service.base.errors import ErrorCode, Reject
from service.base.ids import new_token, token_hash
from service.stores.keys import AccountKeys
from service.stores.redis_conn import reply_text

# KEYS: counters; ARGV[1]: window seconds, ARGV[2..]: one limit per counter.
# Returns 0 and counts the attempt on every counter, or the 1-based index of the first full one.
_RESERVE = """
for i, key in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', key) or '0')
  if used >= tonumber(ARGV[i + 1]) then
    return i
  end
end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    redis.call('EXPIRE', key, ARGV[1])
  end
end
return 0
"""

# Give a reservation back: decrement each counter that still exists (never below zero).
_REFUND = """
for _, key in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', key) or '0')
  if used > 0 then
    redis.call('DECR', key)
  end
end
return 0
"""

DEVICE_TTL_S = 90 * 86400


@dataclass(frozen=True, slots=True)
class Reservation:
    """The counters one attempt was charged to."""

    keys: tuple[str, ...]
    pair_key: str


class LoginGuard:
    """Atomic attempt reservations for sign-in and invite redemption, and known-device cookies."""

    def __init__(self, redis: Redis, keys: AccountKeys, max_failures: int, window_s: int) -> None:
        self._redis = redis
        self._keys = keys
        self._max = max_failures
        self._window_s = window_s
        self._reserve = redis.register_script(_RESERVE)
        self._refund = redis.register_script(_REFUND)

    async def reserve_login(self, handle: str, address: str, known_device: bool) -> Reservation:
        """Charge one sign-in attempt, or refuse with 429 before any password is checked."""
        who = handle.casefold()
        if known_device:
            # The owner's own browser: counted apart from everyone else's failures.
            pair = self._keys.login_failures(f"dev:{who}")
            return await self._charge([pair], [self._max], pair)
        pair = self._keys.login_failures(f"p:{who}|{address}")
        brake = self._keys.login_failures(f"h:{who}")
        spray = self._keys.login_failures(f"ip:{address}")
        return await self._charge([pair, brake, spray], [self._max, self._max * 4, self._max * 20], pair)

    async def reserve_redemption(self, address: str) -> Reservation:
        """Charge one invite-code attempt per address (codes are guessable only by brute force)."""
        key = self._keys.login_failures(f"inv:{address}")
        return await self._charge([key], [self._max * 4], key)

    async def _charge(self, keys: list[str], limits: list[int], pair: str) -> Reservation:
        refused = await self._reserve(keys=keys, args=[self._window_s, *limits])
        if int(refused):
            raise Reject(ErrorCode.RATE_LIMITED, "too many failed attempts; try again later", status=429)
        return Reservation(tuple(keys), pair)

    async def succeeded(self, reservation: Reservation) -> None:
        """The attempt was right: it does not count, and this pair starts afresh."""
        await self._refund(keys=list(reservation.keys), args=[])
        await self._redis.delete(reservation.pair_key)

    async def unlock(self, handle: str) -> None:
        """Clear the per-handle brake and the owner's device counter (a counselor vouches for them)."""
        who = handle.casefold()
        await self._redis.delete(self._keys.login_failures(f"h:{who}"), self._keys.login_failures(f"dev:{who}"))

    async def remember_device(self, user_id: str) -> str:
        """A new known-device token for a browser that just signed in."""
        token = new_token()
        await self._redis.set(self._keys.known_device(token_hash(token)), user_id, ex=DEVICE_TTL_S)
        return token

    async def device_user(self, token: str) -> str | None:
        """Whose known device this is, if it is one."""
        raw = await self._redis.get(self._keys.known_device(token_hash(token)))
        return reply_text(raw) if raw else None
