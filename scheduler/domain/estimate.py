"""When a waiting job may start: a rough guess from the running jobs and past run times. Pure."""

from __future__ import annotations

import heapq
import statistics
from collections.abc import Sequence

MAX_AHEAD = 10_000  # past this many jobs ahead, any guess is noise


def typical_run(durations: Sequence[float]) -> float | None:
    """The median of recent run times; None without any."""
    return statistics.median(durations) if durations else None


def start_time(now: float, ahead: int, running_left: Sequence[float | None], free_slots: int,
               typical_s: float | None) -> float | None:
    """When a job with `ahead` jobs before it may start, if each free slot takes the next job at
    once, each running job frees its slot after its time left (None: unknown, taken as the typical
    run), and every job ahead then runs for `typical_s`. None when there is no basis for a guess."""
    if ahead > MAX_AHEAD:
        return None
    slots = [0.0] * free_slots
    for left in running_left:
        if left is None:
            if typical_s is None:
                return None
            left = typical_s
        slots.append(max(0.0, left))
    if not slots:
        return None
    heapq.heapify(slots)
    for _ in range(ahead):
        if typical_s is None:
            return None
        heapq.heapreplace(slots, slots[0] + typical_s)
    return now + slots[0]
