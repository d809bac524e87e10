"""Job change notifications for watchers: each watcher gets its own queue of job snapshots."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from .domain.job import Job

WATCH_QUEUE_DEPTH = 256


class JobEvents:
    def __init__(self) -> None:
        self._watchers: dict[str, set[asyncio.Queue[Job]]] = defaultdict(set)

    def subscribe(self, job_id: str) -> asyncio.Queue[Job]:
        queue: asyncio.Queue[Job] = asyncio.Queue(WATCH_QUEUE_DEPTH)
        self._watchers[job_id].add(queue)
        return queue

    def unsubscribe(self, job_id: str, queue: asyncio.Queue[Job]) -> None:
        watchers = self._watchers.get(job_id)
        if watchers is not None:
            watchers.discard(queue)
            if not watchers:
                del self._watchers[job_id]

    def publish(self, job: Job) -> None:
        for queue in self._watchers.get(job.id, ()):
            if queue.full():  # a slow watcher only needs the newest state
                queue.get_nowait()
            queue.put_nowait(job)
