"""Webhooks: a JSON POST when a job ends (and, when asked, when it starts), to the job's own URL or
its owner's, signed with the scheduler's shared secret, retried with backoff, never in the way of
the scheduler: events wait in a bounded queue that a few workers send from.

The receiver checks `X-Abaqueue-Signature: sha256=HEX`, the HMAC-SHA256 of the body with the shared
secret; `X-Abaqueue-Delivery` is the same for every try of one event, so a repeat can be dropped.
Deliveries are at least once and not in order (several go at once): the body has the event's time.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import urllib3

from abaqueue.retry import backoff

from .domain.errors import InvalidArgument
from .domain.job import Job, JobState

log = logging.getLogger(__name__)
QUEUE_DEPTH = 10_000
WORKERS = 4
TRIES = 8  # about 4 minutes of backoff in all
TIMEOUT_S = 10.0
MAX_URL = 2000
SETTING = "webhooks"  # the per-user webhooks, a settings document


@dataclass(frozen=True)
class Hook:
    url: str
    on_start: bool = False


def users_from(doc: dict) -> dict[str, Hook]:
    """The per-user webhooks of the settings document."""
    return {u: Hook(h["url"], h.get("on_start", False)) for u, h in doc.get("users", {}).items()}


def check_url(url: str, field: str = "webhook.url") -> str:
    if url and (len(url) > MAX_URL or not url.startswith(("http://", "https://")) or not url.isprintable()):
        raise InvalidArgument(field, f"{url[:80]!r} is not an http:// or https:// URL of at most {MAX_URL} characters")
    return url


def event_of(before: Job | None, after: Job) -> str | None:
    """The webhook event one stored write makes: job.started, job.<final state>, or none."""
    if before is None or before.state is after.state:
        return None
    if after.state is JobState.STARTING:
        return "job.started"
    return f"job.{after.state.value.lower()}" if after.state.is_final else None


def body(event: str, job: Job, now: float) -> bytes:
    return json.dumps({
        "event": event, "time": now,
        "job": {"id": job.id, "name": job.name, "owner": job.owner, "state": job.state.value, "node": job.node,
                "attempt": job.attempt, "batch_id": job.batch_id, "error_message": job.error_message,
                "error_class": job.error_class.value if job.error_class else None,
                "start_time": job.start_time, "end_time": job.end_time,
                "result_files": [f.name for f in job.result_files]},
    }, separators=(",", ":")).encode()


def signature(secret: bytes, payload: bytes) -> str:
    return "sha256=" + hmac.new(secret, payload, hashlib.sha256).hexdigest()


class Webhooks:
    def __init__(self, secret: bytes, clock: Callable[[], float], sleep=asyncio.sleep) -> None:
        self.secret = secret
        self.clock = clock
        self.sleep = sleep
        self.users: dict[str, Hook] = {}  # the per-user webhooks, as stored
        self._queue: asyncio.Queue[tuple[str, bytes, str]] = asyncio.Queue(QUEUE_DEPTH)
        self._pool = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(total=TIMEOUT_S))
        # threads of their own: a receiver that hangs never takes the threads S3 and the store use
        self._threads = ThreadPoolExecutor(WORKERS, thread_name_prefix="webhook")
        self._workers: list[asyncio.Task] = []

    def job_written(self, before: Job | None, after: Job) -> None:
        event = event_of(before, after)
        if event is None:
            return
        hook = Hook(after.webhook_url, after.webhook_on_start) if after.webhook_url else self.users.get(after.owner)
        if hook is None or (event == "job.started" and not hook.on_start):
            return
        try:
            self._queue.put_nowait((hook.url, body(event, after, self.clock()), uuid.uuid4().hex))
        except asyncio.QueueFull:
            log.warning("webhook queue full: %s of job %s to %s dropped", event, after.id, hook.url)

    def start(self) -> None:
        self._workers = [asyncio.create_task(self._work()) for _ in range(WORKERS)]

    async def stop(self) -> None:
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._threads.shutdown(wait=False, cancel_futures=True)
        self._pool.clear()

    async def _work(self) -> None:
        while True:
            url, payload, delivery = await self._queue.get()
            try:
                await self._deliver(url, payload, delivery)
            except Exception:  # noqa: BLE001 - one bad delivery must not stop the worker
                log.exception("webhook to %s: delivery %s failed", url, delivery)

    async def _deliver(self, url: str, payload: bytes, delivery: str) -> None:
        headers = {"Content-Type": "application/json", "User-Agent": "abaqueue-scheduler",
                   "X-Abaqueue-Signature": signature(self.secret, payload), "X-Abaqueue-Delivery": delivery}
        for attempt in range(TRIES):
            try:
                answer = await asyncio.get_running_loop().run_in_executor(
                    self._threads, functools.partial(self._pool.request, "POST", url, body=payload, headers=headers))
                if 200 <= answer.status < 300:
                    return
                problem = f"answered {answer.status}"
                if 400 <= answer.status < 500 and answer.status not in (408, 429):
                    break  # it refuses this event: sending it again changes nothing
            except (urllib3.exceptions.HTTPError, OSError) as e:
                problem = str(e)
            if attempt + 1 < TRIES:
                await self.sleep(backoff(attempt, base=1.0, cap=60.0))
        log.warning("webhook to %s not delivered (%s): delivery %s given up", url, problem, delivery)
