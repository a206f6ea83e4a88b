"""Urgent cases pushed at once to a program's on-call webhook: signed, retried, re-alerted until acknowledged.

Durable jobs (a due set scored by next attempt ms + a job record per case, written in one MULTI) survive
restarts and are shared by instances. Each attempt runs under a per-case lease (``channels.lease``) and re-checks that
it is still due, so exactly one instance sends it; only a worker dying mid-attempt causes a resend (receivers
may dedupe on case id, event and ``realert``). The body has no post text and no member handle.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import random
import secrets
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import unquote, urlsplit

import httpx
import msgspec
from msgspec import Meta
from redis.asyncio import Redis
from redis.exceptions import RedisError

from channels.broker import BackendUnavailable
from channels.keys import LeaseKeys
from channels.lease import Leases
from moderation.case_types import Case, CaseStatus, Delivery, TimelineEntry
from moderation.cases import CaseStore
from service.base.ids import now_ms
from service.stores.keys import OnCallKeys
from service.stores.redis_conn import reply_bytes, reply_first_score, reply_members

logger = logging.getLogger(__name__)

URGENT = "case.urgent"
REALERT = "case.realert"
ACTOR = "oncall"
BACKOFF_CAP_S = 300.0
BATCH = 50



class OnCallConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A program's on-call endpoint; ``realert_minutes=0`` turns re-alerts off."""

    url: Annotated[str, Meta(min_length=8, max_length=2048)]
    secret: Annotated[str, Meta(min_length=16, max_length=256)]
    realert_minutes: Annotated[float, Meta(ge=0, le=24 * 60)] = 15.0
    max_attempts: Annotated[int, Meta(ge=1, le=20)] = 5


class _Job(msgspec.Struct, frozen=True):
    event: str
    attempt: int = 0  # attempts already made for this event
    realert: int = 0


_config_decoder = msgspec.msgpack.Decoder(OnCallConfig)
_job_decoder = msgspec.msgpack.Decoder(_Job)
_msgpack = msgspec.msgpack.Encoder()
_json = msgspec.json.Encoder()


def validated(config: OnCallConfig) -> OnCallConfig:
    """Re-check limits (direct construction skips them) and the URL; ValueError names the field, never its value."""
    try:
        config = msgspec.convert(msgspec.structs.asdict(config), OnCallConfig)
    except msgspec.ValidationError as exc:
        raise ValueError(str(exc)) from None
    parts = urlsplit(config.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("url must be an http(s) URL with a host")
    return config


def public_config(config: OnCallConfig) -> dict[str, Any]:
    """What GET shows: no secret, no credentials or query string in the URL."""
    parts = urlsplit(config.url)
    host = parts.netloc.rpartition("@")[2]
    return {"url": f"{parts.scheme}://{host}{parts.path}", "has_secret": True,
            "realert_minutes": config.realert_minutes, "max_attempts": config.max_attempts}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``x-between-signature`` value: HMAC-SHA256 over ``timestamp + "." + body``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class OnCall:
    """Durable on-call alerts for urgent cases, with a background worker."""

    def __init__(self, redis: Redis, prefix: str, cases: CaseStore, announce: Callable[[Case, str], Awaitable[None]],
                 *, backoff_base_s: float = 1.0, poll_interval_s: float = 1.0, timeout_s: float = 5.0) -> None:
        self._redis = redis
        self.keys = OnCallKeys(prefix)
        self.cases = cases
        self._announce = announce
        self._backoff_base_s = backoff_base_s
        self._poll_s = poll_interval_s
        self._timeout_s = timeout_s
        # Longer than any attempt (send is bounded by timeout_s), short enough to recover from a dead worker.
        self._lock_ms = int((timeout_s + 10) * 1000)
        self._worker = secrets.token_hex(8)  # this sender, as the lease holder
        self._leases = Leases(redis, LeaseKeys(prefix))
        self._wake = asyncio.Event()
        # A bare pooled transport, not AsyncClient: the client logs every request URL (tokens and all) at INFO.
        self._transport: httpx.AsyncHTTPTransport | None = None

    async def configure(self, program: str, config: OnCallConfig | None) -> None:
        """Set (validated; ValueError if bad) or remove (None) a program's endpoint."""
        if config is None:
            await self._redis.delete(self.keys.config(program))
        else:
            await self._redis.set(self.keys.config(program), _msgpack.encode(validated(config)))

    async def config(self, program: str) -> OnCallConfig | None:
        """A program's endpoint, if any."""
        raw = await self._redis.get(self.keys.config(program))
        return _config_decoder.decode(reply_bytes(raw)) if raw else None

    async def alert(self, case: Case) -> None:
        """Durably schedule an immediate attempt; a no-op while one is pending or after delivery."""
        has_job = bool(await self._redis.exists(self.keys.job(case.id)))
        schedule = False

        def mark(c: Case) -> None:
            nonlocal schedule
            d = c.delivery
            schedule = d is None or d.status in ("failed", "not_configured") or (d.status == "pending" and not has_job)
            if schedule:
                c.delivery = Delivery(status="pending", attempts=d.attempts if d else 0)
                _add_entry(c, "oncall.pending", "")

        # Case first, then the job: a fast worker must never see its result overwritten by "pending".
        updated = await self.cases.update(case.id, mark)
        if updated is None or not schedule:
            return
        await self._set_job(case.id, _Job(URGENT), now_ms())
        self._wake.set()
        await self._tell(case.id, updated)

    async def acknowledge(self, case_id: str, user: str) -> Case | None:
        """Stop re-alerts; the first acknowledgement is recorded on the delivery. None if no such case."""
        first = False

        def ack(c: Case) -> None:
            nonlocal first
            d = c.delivery
            first = d is not None and not d.acknowledged_at
            if d is not None and first:
                d.acknowledged_at, d.acknowledged_by = now_ms(), user
                _add_entry(c, "oncall.acknowledged", "")

        updated = await self.cases.update(case_id, ack)
        if updated is None:
            return None
        # A worker mid-attempt may re-add the job; it is dropped unsent when due because of acknowledged_at.
        await self._set_job(case_id, None)
        if first:
            return await self._tell(case_id, updated)
        return await self.cases.get(case_id) or updated

    async def run(self) -> None:
        """Send due attempts until cancelled; wakes on alert() in this process, else polls."""
        try:
            while True:
                # redis-py (8.1) can complete a command as if a pending cancel never came; honour the cancel
                # here, or run() would loop on and the app's shutdown would wait for it forever.
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise asyncio.CancelledError
                self._wake.clear()
                try:
                    delay = await self._tick()
                except Exception as exc:
                    # A Redis outage is expected noise; anything else deserves a traceback.
                    logger.warning("on-call worker tick failed: %s", type(exc).__name__,
                                   exc_info=not isinstance(exc, RedisError))
                    delay = self._poll_s
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(delay):
                            await self._wake.wait()
        finally:
            if self._transport is not None:
                await self._transport.aclose()
                self._transport = None

    async def _tick(self) -> float:
        """Attempt every due job once; returns how long to wait before the next tick."""
        ids = await self._redis.zrangebyscore(self.keys.due, "-inf", now_ms(), start=0, num=BATCH)
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._process(case_id)) for case_id in reply_members(ids)]
        if len(ids) == BATCH:
            return 0
        head = await self._redis.zrange(self.keys.due, 0, 0, withscores=True)
        if not head:
            return self._poll_s
        wait_s = (reply_first_score(head) - now_ms()) / 1000
        if wait_s <= 0:
            # Overdue: held by another worker (it handles its own retries) or newly due.
            return self._poll_s if any(t.result() for t in tasks) else 0
        return min(self._poll_s, wait_s)

    async def _process(self, case_id: str) -> bool:
        """One attempt under the case lock; True if another worker holds it."""
        lock = f"oncall:{case_id}"
        try:
            token = await self._leases.acquire(lock, self._worker, self._lock_ms)
        except (RedisError, BackendUnavailable):
            return False  # never attempt without the lock
        if token is None:
            return True
        try:
            score = await self._redis.zscore(self.keys.due, case_id)
            if score is not None and score <= now_ms():  # else another worker made this attempt
                raw = await self._redis.get(self.keys.job(case_id))
                if raw is None:
                    await self._set_job(case_id, None)
                else:
                    await self._attempt(case_id, _job_decoder.decode(reply_bytes(raw)))
        except Exception:
            logger.exception("on-call attempt failed", extra={"case_id": case_id})
            with contextlib.suppress(RedisError):  # back off rather than spin on a job that keeps failing here
                await self._redis.zadd(self.keys.due, {case_id: now_ms() + int(self._poll_s * 1000)}, xx=True)
        finally:
            with contextlib.suppress(RedisError, BackendUnavailable):
                await self._leases.release(lock, token)
        return False

    async def _attempt(self, case_id: str, job: _Job) -> None:
        case = await self.cases.get(case_id)
        if (case is None or (case.delivery is not None and case.delivery.acknowledged_at)
                or (job.event == REALERT and case.status is CaseStatus.RESOLVED)):
            return await self._set_job(case_id, None)
        config = await self.config(case.program)
        if config is None:
            await self._record(case_id, "oncall.not_configured", "no on-call endpoint for this program", False,
                               status="not_configured")
            return await self._set_job(case_id, None)
        error = await self._send(config, case, job)
        attempt, now = job.attempt + 1, now_ms()
        extra = {"case_id": case_id, "program": case.program, "event": job.event, "attempt": attempt,
                 "endpoint": urlsplit(config.url).hostname}
        if error is None:
            logger.info("on-call alert delivered", extra=extra)
            action = "oncall.realerted" if job.event == REALERT else "oncall.delivered"
            updated = await self._record(case_id, action, f"attempt {attempt}", True, status="delivered",
                                         delivered_at=now, last_error="", realerts=job.realert)
            if (updated is not None and config.realert_minutes > 0 and updated.status is not CaseStatus.RESOLVED
                    and not (updated.delivery and updated.delivery.acknowledged_at)):
                next_ms = now + int(config.realert_minutes * 60_000)
                return await self._set_job(case_id, _Job(REALERT, 0, job.realert + 1), next_ms)
            return await self._set_job(case_id, None)
        logger.warning("on-call alert attempt failed: %s", error, extra=extra)
        give_up = attempt >= config.max_attempts
        await self._record(case_id, "oncall.failed" if give_up else "oncall.retry", f"attempt {attempt}: {error}",
                           True, last_error=error, **({"status": "failed"} if give_up else {}))
        if give_up:
            return await self._set_job(case_id, None)
        await self._set_job(case_id, _Job(job.event, attempt, job.realert), now_ms() + self._backoff_ms(attempt))

    async def _send(self, config: OnCallConfig, case: Case, job: _Job) -> str | None:
        """POST one signed alert; None if 2xx, else the status code or exception type (never URL or body)."""
        sent_at = now_ms()
        summary = {"id": case.id, "program": case.program, "room": case.room, "categories": case.categories,
                   "severity": case.severity, "source": case.source.value, "created": case.created,
                   "realert": job.realert}
        body = _json.encode({"event": job.event, "case": summary, "sent_at": sent_at})
        headers = {"content-type": "application/json", "x-between-timestamp": str(sent_at),
                   "x-between-signature": signature(config.secret, str(sent_at), body), "x-between-case": case.id}
        parts = urlsplit(config.url)
        if parts.username is not None:  # URL credentials go as Basic auth, as AsyncClient would send them
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            headers["authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        request = httpx.Request("POST", config.url, content=body, headers=headers,
                                extensions={"timeout": httpx.Timeout(self._timeout_s).as_dict()})
        if self._transport is None:
            self._transport = httpx.AsyncHTTPTransport()
        try:
            async with asyncio.timeout(self._timeout_s):  # httpx's timeout is per phase, this one is total
                response = await self._transport.handle_async_request(request)
                status = response.status_code
                await response.aclose()  # the body is never read
        except Exception as exc:
            return type(exc).__name__
        return None if 200 <= status < 300 else f"HTTP {status}"

    def _backoff_ms(self, attempt: int) -> int:
        delay = self._backoff_base_s * 2 ** (attempt - 1) * (1 + 0.1 * random.random())
        return int(min(delay, BACKOFF_CAP_S) * 1000)

    async def _record(self, case_id: str, action: str, note: str, counted: bool, **fields: Any) -> Case | None:
        """Change the delivery (``counted``: one more attempt), add a timeline entry and announce the case."""

        def apply(c: Case) -> None:
            c.delivery = d = c.delivery or Delivery()
            d.attempts += counted
            for name, value in fields.items():
                setattr(d, name, value)
            _add_entry(c, action, note)

        updated = await self.cases.update(case_id, apply)
        if updated is not None:
            await self._tell(case_id, updated)
        return updated

    async def _tell(self, case_id: str, updated: Case) -> Case:
        """Announce the case with its live claim state; best effort, so a lost event never repeats an attempt."""
        case = updated
        try:
            case = await self.cases.get(case_id) or updated
            await self._announce(case, "updated")
        except Exception as exc:
            logger.warning("on-call case event not announced: %s", type(exc).__name__, extra={"case_id": case_id})
        return case

    async def _set_job(self, case_id: str, job: _Job | None, at_ms: int = 0) -> None:
        """Schedule the next attempt, or drop the case's job (None)."""
        pipe = self._redis.pipeline(transaction=True)
        if job is None:
            pipe.zrem(self.keys.due, case_id)
            pipe.delete(self.keys.job(case_id))
        else:
            pipe.set(self.keys.job(case_id), _msgpack.encode(job))
            pipe.zadd(self.keys.due, {case_id: at_ms})
        await pipe.execute()


def _add_entry(case: Case, action: str, note: str) -> None:
    ts = now_ms()
    case.timeline.append(TimelineEntry(ts=ts, actor=ACTOR, action=action, note=note))
    case.updated = ts
