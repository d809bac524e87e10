"""What the agent adds to the progress read from the solver's files: the time left, a warning when
the run stalls or overruns, and the solver's CPU and memory use.

The estimate counts from when the solver started solving (not from the license queue):
time left = solving time so far x (1 - f) / (f - f0), f the overall fraction, f0 its value then.
A stall is no new increment for `stall_after_s` (not while waiting for a license); an overrun is a
run past twice the first estimate made once a tenth of it was done. Pure but for the clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import psutil

from .progress import ProgressSnapshot

FIRST_ESTIMATE_AT = 0.1  # fraction of the analysis done before its duration is judged


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


@dataclass
class RunWatch:
    stall_after_s: float
    clock: Callable[[], float] = time.monotonic
    _start: tuple[float, float] | None = None  # (when solving started, overall fraction then)
    _position: tuple[int, int] = (0, 0)
    _moved: float = field(default=0.0)
    _first_estimate: float | None = None  # total duration, as first judged

    def update(self, p: ProgressSnapshot) -> tuple[float | None, str]:
        """(seconds left or None, warning or "") for the snapshot `p`, read now."""
        now = self.clock()
        if p.waiting_for_license or p.increment == 0 and p.step <= 1:
            self._moved = now  # nothing can move before the solver solves
            return None, ""
        if self._start is None:
            self._start = (now, p.overall_fraction)
            self._moved = now
        if (p.step, p.increment) != self._position:
            self._position = (p.step, p.increment)
            self._moved = now
        started, f0 = self._start
        elapsed, done = now - started, p.overall_fraction - f0
        left = elapsed * (1 - p.overall_fraction) / done if done > 0 and elapsed > 0 else None
        if left is not None and self._first_estimate is None and p.overall_fraction >= FIRST_ESTIMATE_AT:
            self._first_estimate = elapsed + left
        warning = ""
        if self.stall_after_s and now - self._moved >= self.stall_after_s:
            warning = (f"no new increment for {_minutes(now - self._moved)} (step {p.step}, increment "
                       f"{p.increment}): the solver may be stuck; look at the .msg")
        elif self._first_estimate and elapsed > 2 * self._first_estimate:
            warning = (f"running for {_minutes(elapsed)}, more than twice the {_minutes(self._first_estimate)} "
                       "first estimated")
        return left, warning


class TreeUsage:
    """CPU (percent of one core) and resident memory of a set of processes, summed. CPU use is
    measured between two samples, so each process is kept from one sample to the next."""

    def __init__(self) -> None:
        self._known: dict[int, psutil.Process] = {}

    def sample(self, processes: Iterable[psutil.Process]) -> tuple[float, int]:
        cpu, memory, seen = 0.0, 0, {}
        for p in processes:
            known = self._known.get(p.pid, p)
            try:
                cpu += known.cpu_percent(None)
                memory += known.memory_info().rss
            except psutil.Error:
                continue
            seen[p.pid] = known
        self._known = seen
        return cpu, memory
