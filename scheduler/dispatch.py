"""The queue index and the signal that wakes idle agents' long-polls when something changes.

The store is the truth; this index only orders the waiting jobs so a decision never reads the
store's queue.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from .domain.placement import Candidate, pick


class Signal:
    """Wakes every current waiter once; later waiters wait for the next change."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def current(self) -> asyncio.Event:
        return self._event

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()


class WaitingQueue:
    def __init__(self) -> None:
        self._jobs: dict[str, Candidate] = {}  # insertion order is queue order
        self._started: Counter[str] = Counter()  # jobs started (STARTING or RUNNING), by owner
        self._bytes: dict[str, int] = {}
        self.bytes = 0  # what the waiting jobs cost in memory (domain.limits.queued_bytes)
        self.changed = Signal()

    def add(self, job_id: str, cpus: int, owner: str = "", owner_limit: int | None = None,
            size_bytes: int = 0) -> None:
        self._jobs[job_id] = Candidate(job_id, cpus, owner, owner_limit)
        self.bytes += size_bytes - self._bytes.get(job_id, 0)
        self._bytes[job_id] = size_bytes
        self.changed.fire()

    def started(self, owner: str) -> None:
        self._started[owner] += 1

    def ended(self, owner: str) -> None:
        """A started job of `owner` ended: one of their waiting jobs may go now."""
        self._started[owner] -= 1
        if self._started[owner] <= 0:
            del self._started[owner]
        self.changed.fire()

    def discard(self, job_id: str) -> None:
        self._jobs.pop(job_id, None)
        self.bytes -= self._bytes.pop(job_id, 0)

    def pick_for(self, free_cpus: int) -> Candidate | None:
        return pick(self._jobs.values(), free_cpus, self._started)

    def __len__(self) -> int:
        return len(self._jobs)


async def wait_for_change(event: asyncio.Event, timeout: float) -> bool:
    """True when `event` fired before `timeout` seconds passed."""
    if timeout <= 0:
        return event.is_set()
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except asyncio.TimeoutError:
        return False
    return True
