"""The queue: the scheduling policy over the scheduler's jobs and nodes, and the signal that wakes
idle agents' long-polls when something changes.

The store is the truth; the policy's index only orders the waiting jobs so a decision never reads
the store's queue.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .domain import estimate
from .domain.brief import Brief
from .domain.job import Job, JobState
from .domain.limits import RoleLimits
from .domain.policy import NO_HOST, Code, Policy, Reason
from .domain.queue_settings import QueueSettings
from .domain.waiting import Entry
from .nodes import NodeRegistry


class Signal:
    """Wakes every current waiter once; later waiters wait for the next change."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._event = asyncio.Event()
        self.clock = clock
        self.fired_at = 0.0  # when the latest change happened

    def current(self) -> asyncio.Event:
        return self._event

    def fire(self, wake: bool = True) -> None:
        """A change; its waiters are woken unless `wake` is False (there is nothing for them)."""
        self.fired_at = self.clock()
        if wake:
            self._event.set()
            self._event = asyncio.Event()


@dataclass(frozen=True)
class WaitInfo:
    """Why a WAITING job waits, where it stands, and at what priority, as of `now`."""

    reasons: list[Reason]
    ahead: int
    effective_priority: int
    estimated_start: float | None = None


@dataclass(frozen=True)
class Preview:
    """A job not queued: the nodes that could run it and what would hold it, were it queued now."""

    nodes: list[str]
    wait: WaitInfo

    @property
    def starts_now(self) -> bool:
        return [r.code for r in self.wait.reasons] == [Code.READY]


RECENT_RUNS = 50
LICENSE_REPORT_TTL_S = 300.0  # a license report older than this no longer counts


class JobQueue:
    """The scheduling policy fed with the scheduler's jobs and nodes, the memory its waiting jobs
    take, and the signal that wakes idle agents' long-polls when something changes. A requeued job
    waits out its backoff (`retry_at`) apart, and joins the policy's index when it is due."""

    def __init__(self, settings: QueueSettings, role_limits: RoleLimits, nodes: NodeRegistry,
                 clock: Callable[[], float] = time.time, on_decision: Callable[[float], None] | None = None) -> None:
        self.policy = Policy(settings, role_limits.concurrent_jobs)
        self.on_decision = on_decision  # hears the seconds each decision took
        self.nodes = nodes
        self.clock = clock
        self._deferred: dict[str, Brief] = {}
        self._due: list[tuple[float, str]] = []  # (retry_at, job id), a heap over _deferred
        self.changed = Signal(clock)
        self._bytes: dict[str, int] = {}
        self.bytes = 0  # what the waiting jobs cost in memory (domain.limits.queued_bytes)
        self._running: dict[str, tuple[float, float | None]] = {}  # job id -> (start time, seconds left)
        self._durations: deque[float] = deque(maxlen=RECENT_RUNS)  # run times of recent completed jobs
        self.waits: deque[float] = deque(maxlen=RECENT_RUNS)  # queue time to start, of recent starts
        self._licenses_seen = 0.0

    @property
    def settings(self) -> QueueSettings:
        return self.policy.settings

    def wake(self) -> None:
        """Something changed that may let a waiting job start: the idle agents' long-polls look
        again. With nothing waiting there is nothing for them to find, so they sleep on: a thousand
        idle agents registering would otherwise wake each other a million times."""
        self.changed.fire(wake=bool(self.policy.waiting))

    def add(self, job: Job) -> None:
        entry = self._count(Brief.of(job))
        if entry is not None:
            self.policy.add(entry)
            self.wake()

    def _count(self, brief: Brief) -> Entry | None:
        """Count a waiting job's memory; its policy entry, or None while it waits out a backoff apart."""
        self.bytes += brief.queued_bytes - self._bytes.get(brief.id, 0)
        self._bytes[brief.id] = brief.queued_bytes
        if brief.retry_at is not None and brief.retry_at > self.clock():
            self._deferred[brief.id] = brief
            heapq.heappush(self._due, (brief.retry_at, brief.id))
            return None
        return brief.entry

    def restore(self, briefs: Sequence[Brief]) -> None:
        """Fill the empty indexes at start-up: the started jobs first, so each owner's turn is
        known, then every waiting job in one bulk load."""
        for b in briefs:
            if b.state.is_active:
                self.started(b)
        entries = [self._count(b) for b in briefs if b.state is JobState.WAITING]
        self.policy.load([e for e in entries if e is not None])
        self.wake()

    def discard(self, job_id: str) -> None:
        self.policy.discard(job_id)
        self._deferred.pop(job_id, None)
        self.bytes -= self._bytes.pop(job_id, 0)

    def wake_due(self, now: float) -> int:
        """Requeued jobs whose backoff is over join the queue; how many."""
        woken = 0
        while self._due and self._due[0][0] <= now:
            _, job_id = heapq.heappop(self._due)
            brief = self._deferred.pop(job_id, None)
            if brief is not None:
                self.policy.add(brief.entry)
                woken += 1
        if woken:
            self.wake()
        return woken

    def next_due(self) -> float | None:
        while self._due and self._due[0][1] not in self._deferred:
            heapq.heappop(self._due)
        return self._due[0][0] if self._due else None

    def started(self, job: Brief) -> None:
        self.policy.started(job.owner, job.team, job.license_tokens, job.batch_id)
        self._running[job.id] = (job.start_time or 0.0, job.seconds_left)
        if job.start_time:
            self.waits.append(job.start_time - job.queue_time)

    def progressed(self, job: Job) -> None:
        if job.id in self._running:
            self._running[job.id] = (job.start_time or 0.0, job.progress.seconds_left)

    def ended(self, job: Job) -> None:
        """A started job ended: its cores, tokens and its owner's turn are free for others."""
        self.policy.ended(job.owner, job.team, job.license_tokens, job.batch_id)
        self._running.pop(job.id, None)
        if job.state is JobState.COMPLETED and job.start_time and job.end_time:
            self._durations.append(job.end_time - job.start_time)
        self.wake()

    def observe_licenses(self, issued: int, in_use: int, now: float) -> None:
        """The license server's figures, as a node that runs the license tools reported them."""
        changed = self.policy.observed_licenses != (issued, in_use)
        self.policy.observe_licenses((issued, in_use))
        self._licenses_seen = now
        if changed:
            self.wake()

    def _forget_stale_licenses(self, now: float) -> None:
        if self.policy.observed_licenses and now - self._licenses_seen > LICENSE_REPORT_TTL_S:
            self.policy.observe_licenses(None)  # no node reports any more: back to the settings

    def change_settings(self, settings: QueueSettings) -> None:
        self.policy.change_settings(settings)
        self.wake()

    def decide(self, node_name: str, now: float) -> str | None:
        """The id of the job `node_name` should start now, if any."""
        began = time.perf_counter()
        self.wake_due(now)
        self._forget_stale_licenses(now)
        views = self.nodes.views(now)
        view = next((v for v in views if v.name == node_name), None)
        entry = self.policy.decide(view, views, now) if view is not None else None
        if self.on_decision is not None:
            self.on_decision(time.perf_counter() - began)
        return entry.job_id if entry else None

    def wait_info(self, job_id: str, now: float, estimate: bool = False) -> WaitInfo | None:
        """Why the waiting job waits, and where it stands; with `estimate`, when it may start."""
        deferred = self._deferred.get(job_id)
        if deferred is not None and deferred.retry_at is not None:
            wait = deferred.retry_at - now
            reason = Reason(Code.RETRY_BACKOFF, f"attempt {deferred.attempt} failed; it is tried again in "
                                                f"{max(wait, 0):.0f} s")
            return WaitInfo([reason], 0, deferred.priority, deferred.retry_at if estimate else None)
        entry = self.policy.waiting.get(job_id)
        if entry is None:
            return None
        reasons = self.policy.reasons(entry, self.nodes.views(now), now)
        ahead = self.policy.position(entry, now)
        start = self._estimate(now, ahead, reasons) if estimate else None
        return WaitInfo(reasons, ahead, self.policy.effective(entry, now), start)

    def preview(self, job: Job, now: float) -> Preview:
        """Where `job` could run and what would hold it, were it queued now (it is not)."""
        entry = Brief.of(job.evolve(queue_time=now)).entry
        views = self.nodes.views(now)
        reasons = self.policy.reasons(entry, views, now)
        ahead = self.policy.position(entry, now)
        wait = WaitInfo(reasons, ahead, self.policy.effective(entry, now), self._estimate(now, ahead, reasons))
        return Preview([v.name for v in views if v.could_host(entry) and not v.drained], wait)

    def _estimate(self, now: float, ahead: int, reasons: list[Reason]) -> float | None:
        if [r.code for r in reasons] == [Code.READY]:
            return now
        if any(r.code in NO_HOST for r in reasons):
            return None  # no node could run it: no run ending would let it start
        typical = estimate.typical_run(self._durations)
        left = [s if s is not None else (None if typical is None else typical - (now - start))
                for start, s in self._running.values()]
        # Something holds it: count on no free slot, only on running jobs ending.
        return estimate.start_time(now, ahead, left, 0, typical)

    def best_position(self, owner: str, now: float) -> int:
        """The queue position (1: first) of `owner`'s waiting job that goes first; 0 when none waits."""
        first = self.policy.first_of(owner, now)
        return 0 if first is None else self.policy.position(first, now) + 1

    def __len__(self) -> int:
        return len(self.policy.waiting) + len(self._deferred)

    def __contains__(self, job_id: str) -> bool:
        return job_id in self.policy.waiting or job_id in self._deferred


async def wait_for_change(event: asyncio.Event, timeout: float) -> bool:
    """True when `event` fired before `timeout` seconds passed."""
    if timeout <= 0:
        return event.is_set()
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except asyncio.TimeoutError:
        return False
    return True
